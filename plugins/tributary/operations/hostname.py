"""Which host a task ran on, as Airflow records it (`task_instance.hostname`).

Airflow asks `[core] hostname_callable`; by default that is the machine's FQDN, so two Celery
workers on one machine look identical. Point the setting at `worker_hostname` and give each
worker its own `TRIBUTARY_WORKER_HOSTNAME` to tell them apart (on separate machines or containers
the FQDN already differs and the variable can stay unset).
"""

from __future__ import annotations

import socket

from tributary import settings

HOSTNAME_CALLABLE = "tributary.operations.hostname.worker_hostname"


def worker_hostname() -> str:
    """`TRIBUTARY_WORKER_HOSTNAME` when set, else the machine's fully qualified name."""
    return settings.worker_hostname() or socket.getfqdn()
