"""Health of the parts the portal depends on."""

import logging

from flask import current_app
from sqlalchemy import text

from portal.extensions import db

log = logging.getLogger(__name__)


def health() -> dict[str, str]:
    """'ok' or 'unavailable' for the database and the broker."""
    report = {}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception:
        log.exception("database health check failed")
        db.session.rollback()
        report["database"] = "unavailable"
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        report["broker"] = "ok"
    else:
        try:
            with celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            report["broker"] = "ok"
        except Exception:
            log.warning("broker health check failed", exc_info=True)
            report["broker"] = "unavailable"
    return report
