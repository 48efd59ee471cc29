"""What starts the worker and beat again when they exit: systemd units in production, and
scripts/keep-running under `make run` (honcho stops everything as soon as one process exits)."""

import configparser
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import Config
from tests.support.processes import ROOT, stop, wait_for

UNITS = ROOT / "deploy" / "systemd"
KEEP_RUNNING = str(ROOT / "scripts" / "keep-running")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize(
    "name", ["awrach-web.service", "awrach-worker@.service", "awrach-beat.service"]
)
def test_each_unit_is_valid_and_restarts_its_process_for_ever(name, tmp_path):
    service = unit(name)
    assert service["Service"]["Restart"] == "always"
    assert service["Unit"]["StartLimitIntervalSec"] == "0"  # systemd never gives up on it
    # systemd's own check, on a copy pointing at this checkout (it checks that programs exist).
    text = (UNITS / name).read_text().replace("/srv/awrach", str(ROOT))
    text = text.replace("EnvironmentFile=", "EnvironmentFile=-")
    copy = tmp_path / name.replace("@.", "@mail.")
    copy.write_text(text)
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True
    )
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr


def test_one_worker_unit_per_queue_lets_running_tasks_finish_when_stopped():
    worker = unit("awrach-worker@.service")["Service"]
    assert " -Q %i " in worker["ExecStart"]
    assert worker["KillMode"] == "mixed"  # SIGTERM to the main process: a warm shutdown
    assert int(worker["TimeoutStopSec"]) > Config().CELERY["task_time_limit"]


def test_keep_running_starts_a_command_again_each_time_it_exits(tmp_path):
    runs, errors = tmp_path / "runs", tmp_path / "errors"
    with open(errors, "wb") as stderr:
        wrapper = subprocess.Popen(
            [KEEP_RUNNING, "sh", "-c", f"echo run >> {runs}; exit 3"],
            env={**os.environ, "KEEP_RUNNING_DELAY": "0"},
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text().split()) >= 3, 30, what="3 runs")
        assert wrapper.poll() is None
    finally:
        stop(wrapper)
    assert "exited with status 3; starting it again" in errors.read_text()


def test_keep_running_passes_a_stop_on_and_waits_for_the_command(tmp_path):
    pid_file = tmp_path / "pid"
    wrapper = subprocess.Popen(
        [KEEP_RUNNING, "sh", "-c", f"echo $$ >> {pid_file}; exec sleep 600"],
        start_new_session=True,
    )
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 30, what="start")
        command = int(pid_file.read_text())
        os.kill(wrapper.pid, signal.SIGTERM)  # the wrapper alone
        assert wrapper.wait(30) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(command, 0)  # stopped and reaped, not orphaned
        assert pid_file.read_text().split() == [str(command)]  # and not started again
    finally:
        stop(wrapper)


def test_under_honcho_a_process_that_exits_no_longer_stops_the_others(tmp_path):
    runs = tmp_path / "runs"
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"flaky: {KEEP_RUNNING} sh -c 'echo run >> {runs}; exit 1'\nsteady: sleep 600\n"
    )
    honcho = subprocess.Popen(
        [str(Path(sys.executable).with_name("honcho")), "-f", str(procfile), "start"],
        cwd=tmp_path,
        env={**os.environ, "KEEP_RUNNING_DELAY": "0"},
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text().split()) >= 3, 30, what="3 runs")
        assert honcho.poll() is None
    finally:
        stop(honcho)


def test_make_run_keeps_the_worker_and_beat_running():
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    procfile = dict(line.split(": ", 1) for line in lines)
    for name in ("worker", "beat"):
        assert procfile[name].startswith("scripts/keep-running celery ")
