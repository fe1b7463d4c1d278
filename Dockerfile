# The image every Airflow component runs in the multi-machine deployment (docker-compose.yaml).
FROM python:3.11-slim-bookworm

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    TRIBUTARY_HOME=/opt/airflow/.local

RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 50000 --home-dir /opt/airflow airflow

WORKDIR /opt/tributary
COPY requirements.txt pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.txt
COPY plugins ./plugins
RUN pip install --no-cache-dir --no-deps -e .
COPY dags ./dags
COPY dbt ./dbt
COPY include ./include
# The manifest cosmos renders DAGs from is built into the image: DAG parsing never runs dbt.
RUN DBT_PROFILES_DIR=/opt/tributary/dbt dbt parse --project-dir dbt --profiles-dir dbt --quiet \
 && chown -R airflow /opt/tributary

USER airflow
