-- docker-compose: the warehouse database beside Airflow's metadata database.
create database tributary owner airflow;
