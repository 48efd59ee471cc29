"""Committee sessions: their minutes, rendered on the `pdf` queue."""

from celery import shared_task

from portal.committees import services


@shared_task(name="render_minutes")
def render_minutes(session_id: int) -> None:
    """Render and store a closed committee session's minutes (once)."""
    services.render_minutes(session_id)
