"""Alerts by email through Airflow's SMTP notifier (``apache-airflow-providers-smtp``).

Five kinds, as the original exporter emailed them, each naming the server, the scale and the
entry ids concerned:

============== ======== ==========================================================
kind           severity when
============== ======== ==========================================================
request_failed ERROR    the website did not answer or refused a request
write_failed   ERROR    the backup, the load or the active-data file could not be written
delete_failed  CRITICAL committed entries could not be deleted from the website
stale_data     CRITICAL entries at or below the benchmark are still on the website
new_benchmark  INFO     a scale got its first benchmark (its first export)
============== ======== ==========================================================

Where they go is configured once per DAG with an `AlertSettings` (recipients from an Airflow
Variable, the SMTP connection id, the sender); the DAG hands it to every task that alerts.
Sending never hides the error being reported: a failed send is logged, not raised.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from tributary import settings

log = logging.getLogger(__name__)

#: kind -> (severity, subject)
KINDS = {
    "request_failed": ("ERROR", "Request failed"),
    "write_failed": ("ERROR", "Write failed"),
    "delete_failed": ("CRITICAL", "Delete failed"),
    "stale_data": ("CRITICAL", "Previous sensitive data is still on the server"),
    "new_benchmark": ("INFO", "New benchmark created"),
}
LEVELS = {"INFO": logging.INFO, "ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL}
#: Mail clients sort by these: 1 = highest, 3 = normal.
PRIORITY = {"INFO": "3", "ERROR": "2", "CRITICAL": "1"}


@dataclass(frozen=True)
class Alert:
    kind: str
    server: str
    scale: str
    ids: Sequence[int] = ()
    detail: str = ""

    @property
    def severity(self) -> str:
        return KINDS[self.kind][0]

    @property
    def subject(self) -> str:
        return f"[tributary mindtrails {self.severity}] {KINDS[self.kind][1]}: {self.server}/{self.scale}"

    def body(self) -> str:
        text = describe(self.server, self.scale, self.ids)
        return f"{text}\n{self.detail}" if self.detail else text


@dataclass(frozen=True)
class AlertSettings:
    """Where a DAG's alerts go. Recipients: the comma-separated addresses in the Airflow Variable
    ``recipients_variable``; the SMTP server: the Airflow connection ``smtp_conn_id`` (type smtp);
    the sender: ``from_email``, else the connection's ``from_email`` extra, else
    ``tributary-alerts@localhost``. No recipients: alerts are only logged."""

    recipients_variable: str = "mindtrails_alert_emails"
    smtp_conn_id: str = "smtp_default"
    from_email: str | None = None

    def recipients(self) -> list[str]:
        listed = settings.airflow_variable(self.recipients_variable) or ""
        return [a.strip() for a in listed.split(",") if a.strip()]

    def notifier(self, alert: Alert, to: list[str]):
        """The Airflow notifier that sends ``alert``."""
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier  # noqa: PLC0415

        return SmtpNotifier(
            to=to, from_email=self.from_email or _connection_sender(self.smtp_conn_id),
            subject=alert.subject,
            html_content=f"<p><b>{html.escape(KINDS[alert.kind][1])}</b> ({alert.severity})</p>"
                         f"<pre>{html.escape(alert.body())}</pre>",
            custom_headers={"X-Tributary-Severity": alert.severity, "X-Tributary-Alert": alert.kind,
                            "X-Priority": PRIORITY[alert.severity]},
            smtp_conn_id=self.smtp_conn_id,
        )

    def send(self, alert: Alert) -> bool:
        """Log the alert and email it; returns whether an email went out."""
        log.log(LEVELS[alert.severity], "%s\n%s", alert.subject, alert.body())
        to = self.recipients()
        if not to:
            log.warning("no alert recipients (Variable %s is not set): %r not emailed",
                        self.recipients_variable, alert.subject)
            return False
        try:
            # notify(), not the notifier's __call__: that would render the body as a Jinja
            # template, and a website's error text may hold "{{".
            self.notifier(alert, to).notify({})
        except Exception:
            log.exception("could not email alert %r", alert.subject)
            return False
        return True


#: What code run outside a DAG (tests, the recover step) alerts through.
DEFAULT = AlertSettings()


def describe(server: str, scale: str, ids: Sequence[int], limit: int = 50) -> str:
    shown = ", ".join(map(str, sorted(ids)[:limit])) or "none"
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"server {server}, scale {scale}, entry ids {shown}{more}"


def _connection_sender(conn_id: str) -> str:
    try:
        from airflow.sdk import BaseHook  # noqa: PLC0415

        return (BaseHook.get_connection(conn_id).extra_dejson or {}).get("from_email") \
            or "tributary-alerts@localhost"
    except Exception:  # no such connection: the send fails and says so
        return "tributary-alerts@localhost"
