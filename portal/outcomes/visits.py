"""The monitoring visits on the dashboard (M-VISIT-MIN): visits made against visits required
per running worksite, from `portal.monitoring` (an area below this one)."""

from portal.monitoring import services as monitoring


def per_application() -> dict[int, tuple[int, int]] | None:
    """{application id: (visits made, visits required)} of every running worksite."""
    return {
        application_id: (worksite.made, worksite.required)
        for application_id, worksite in monitoring.worksite_visits().items()
    }
