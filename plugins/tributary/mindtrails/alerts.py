"""Alerts: email through the SMTP provider's notifier (connection ``smtp_default``) to the
comma-separated addresses in ``ALERT_EMAILS``. Sending never hides the error being reported."""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Sequence

log = logging.getLogger(__name__)

SMTP_CONN_ID = "smtp_default"
DEFAULT_FROM = "tributary-alerts@localhost"


def recipients() -> list[str]:
    return [a.strip() for a in os.environ.get("ALERT_EMAILS", "").split(",") if a.strip()]


def describe(server: str, scale: str, ids: Sequence[int], limit: int = 50) -> str:
    shown = ", ".join(map(str, sorted(ids)[:limit]))
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"server {server}, scale {scale}, entry ids {shown}{more}"


def send_alert(level: str, subject: str, body: str) -> bool:
    """Log the alert and email it; returns whether an email went out."""
    log.log(logging.CRITICAL if level == "CRITICAL" else logging.ERROR, "%s: %s", subject, body)
    to = recipients()
    if not to:
        log.warning("ALERT_EMAILS is empty: alert %r not emailed", subject)
        return False
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier  # noqa: PLC0415

    notifier = SmtpNotifier(
        from_email=os.environ.get("ALERT_FROM", DEFAULT_FROM), to=to,
        subject=f"[tributary mindtrails {level}] {subject}",
        html_content=f"<p><b>{html.escape(subject)}</b></p><pre>{html.escape(body)}</pre>",
        smtp_conn_id=SMTP_CONN_ID,
    )
    try:
        notifier.notify({})
    except Exception:
        log.exception("could not email alert %r", subject)
        return False
    return True
