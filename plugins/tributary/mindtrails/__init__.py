"""MindTrails: export questionnaire entries from study websites, back them up, decrypt the
encrypted participant fields, delete sensitive entries once safely stored, and report missing data.

Modules: `servers` (Airflow connections `mindtrails_<name>`), `site_client` (the website's export
API), `backups` (raw responses in the lake), `export` (one server × scale), `rsa_fields`
(PKCS#1 v1.5 field crypto), `transform` (decrypt step), `active_data` (the CSV per server, scale
and day in the lake), `recover` (rebuild from backups), `alerts` (email through Airflow's SMTP
notifier), `reports` (the refresh's report files), `charts`, `pipeline` (what the DAG tasks
call), `demo`.
"""
