"""Enqueue work by task name, after the commit that wrote the row the task will read."""

import logging

from flask import current_app

log = logging.getLogger(__name__)


def enqueue(task_name: str, *ids, **options) -> bool:
    """Send `task_name(*ids)`; False (and a log line) when the broker cannot be reached.

    Call it only after the commit: the task re-reads its row by id, and the periodic sweep
    re-sends what a failed enqueue left behind, so a broker outage never loses work.
    """
    celery = current_app.extensions["celery"]
    task = celery.tasks.get(task_name)
    try:
        if task is not None:  # registered here: apply_async honours eager mode in unit tests
            task.apply_async(args=ids, **options)
        else:
            celery.send_task(task_name, args=ids, **options)
    except Exception:  # the broker's errors vary by transport; the sweep catches up
        log.warning("could not enqueue %s%r; the sweep will retry", task_name, ids, exc_info=True)
        return False
    return True
