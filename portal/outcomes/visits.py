"""The place of the monitoring visits on the dashboard (M-VISIT-MIN): visits made against
visits required per application. Field visits are not recorded yet; when `portal.monitoring`
exists (below this area), `per_application` returns its counts, e.g.

    from portal.monitoring import services as monitoring
    return monitoring.visits_made_and_required()   # {application_id: (made, required)}

and the refresh stores them beside the other figures; the page shows the figure whenever the
rows carry it, and nothing until then."""


def per_application() -> dict[int, tuple[int, int]] | None:
    """{application id: (visits made, visits required)}; None while no area records visits."""
    return None
