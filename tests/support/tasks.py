"""A task for worker tests only: counts its runs in Redis (loaded with `worker --include`)."""

import os

import redis
from celery import shared_task


@shared_task(name="tests.record_run")
def record_run(number: int, socket_path: str) -> None:
    client = redis.Redis(unix_socket_path=socket_path, db=1)
    client.hincrby("runs", str(number), 1)
    client.sadd("pids", os.getpid())
