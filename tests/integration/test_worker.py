"""A real worker process: the round trip on Redis, and 1,000 tasks on the embedded broker."""

import re

import pytest
import redis
from celery import Celery

from tests.support.processes import (
    free_port,
    start_embedded_redis,
    start_redis,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.integration


def test_ping_round_trip_through_redis_and_a_worker(make_app, worker_env, tmp_path):
    app = make_app(celery={"task_always_eager": False})
    worker = start_worker(worker_env, log_path=tmp_path / "worker.log")
    try:
        result = app.extensions["celery"].send_task("ping")
        assert result.get(timeout=60) == "pong"
    finally:
        stop(worker)
    assert "ready" in (tmp_path / "worker.log").read_text()


def test_the_worker_outlives_a_redis_outage_and_runs_tasks_sent_afterwards(
    make_app, worker_env, tmp_path
):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    broker = start_redis(tmp_path, port)
    app = make_app(celery={"task_always_eager": False, "broker_url": url, "result_backend": url})
    log = tmp_path / "worker.log"
    worker = start_worker({**worker_env, "REDIS_URL": url}, log_path=log)
    try:
        wait_for(lambda: "ready" in log.read_text(), 60, what="the worker to be ready")
        stop(broker)
        wait_for(lambda: "Cannot connect" in log.read_text(), 60, what="a reconnection attempt")
        # It tries again for as long as it takes ("1/100" would give up after 100 attempts).
        assert re.search(r"Trying again .*\(\d+/None\)", log.read_text())
        broker = start_redis(tmp_path, port)  # the same address, empty
        result = app.extensions["celery"].send_task("ping")
        assert result.get(timeout=120) == "pong"
        assert worker.poll() is None
    finally:
        stop(worker)
        stop(broker)
    assert "Unrecoverable error" not in log.read_text()


def test_a_thousand_tasks_through_two_workers_on_the_embedded_broker_each_run_once(
    worker_env, tmp_path
):
    broker, socket = start_embedded_redis(tmp_path)
    url = f"redis+socket://{socket}"
    env = {**worker_env, "REDIS_URL": url}
    workers = [
        start_worker(
            env,
            "--include",
            "tests.support.tasks",
            "-n",
            f"w{n}@%h",
            log_path=tmp_path / f"worker{n}.log",
        )
        for n in (1, 2)
    ]
    counts = redis.Redis(unix_socket_path=str(socket), db=1)
    try:
        sender = Celery(broker=url, config_source={"task_default_queue": "default"})
        for number in range(1000):
            sender.send_task("tests.record_run", args=(number, str(socket)), ignore_result=True)
        wait_for(lambda: counts.hlen("runs") == 1000, timeout=180, what="1,000 task runs")
        # Leave time for any duplicate delivery to show before counting.
        wait_for(lambda: counts.llen("default") == 0, timeout=10, what="an empty queue")
        runs = {int(k): int(v) for k, v in counts.hgetall("runs").items()}
        assert runs == {number: 1 for number in range(1000)}
        assert counts.scard("pids") == 2  # both worker processes took part
    finally:
        for worker in workers:
            stop(worker)
        broker.terminate()
        broker.wait(10)
