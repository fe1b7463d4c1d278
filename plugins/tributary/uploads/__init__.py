"""Uploads: files handed to the platform over HTTP land in the lake, then the DAG that reads them
runs with their lake key (`kinds` says which DAG, `store` where the file goes, `api` the routes)."""
