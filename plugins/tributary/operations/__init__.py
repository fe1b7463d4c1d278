"""Operations: running Tributary as users do (a multi-process Airflow cluster with Celery
workers, the dbt docs site) and checking a deployment's health."""
