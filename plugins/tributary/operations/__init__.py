"""Operations: running Tributary as users do (a multi-process Airflow cluster with Celery
workers, the web UI in a real browser, the dbt docs site) and checking a deployment's health."""
