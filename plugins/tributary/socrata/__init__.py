"""Publishing warehouse tables to Socrata open-data portals (hook, upsert operator, stand-in).

`standin_session()` gives other domains' demos and tests a running local SODA server with the
``socrata_default`` connection pointing at it.
"""

from __future__ import annotations

from typing import Any


def standin_session(*args: Any, **kwargs: Any):
    """A running local SODA server plus ``AIRFLOW_CONN_SOCRATA_DEFAULT``; see `standin.session`."""
    from tributary.socrata.standin import session  # noqa: PLC0415  (keeps this package light)

    return session(*args, **kwargs)
