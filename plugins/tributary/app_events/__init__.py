"""Mobile-app analytics events (daily Amplitude exports) and the line/account/limit dimensions
that say which family a phone line belongs to; modelled into the `app` star schema.

The domain is called ``app_events`` everywhere in the code: this package, ``dbt/models/app_events``
(``stg_app_events__*``, ``int_app_events__*``), report and marts-Asset domain. Only the names users
query and trigger keep the short spelling: the schemas ``raw_app``, ``app_staging``,
``app_intermediate`` and ``app``, the DAG ids ``app_dimensions`` and ``app_refresh``, and the API
routes under ``/app``.
"""
