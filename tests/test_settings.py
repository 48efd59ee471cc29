"""Settings are checked at start: a wrong value stops it with the variable's name."""

import subprocess
import sys

import pytest

from portal import config


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAIL_PORT", "twenty-five"),
        ("PROXY_COUNT", "-1"),
        ("FORCE_HTTPS", "maybe"),
        ("IDLE_TIMEOUT_MINUTES", "0"),
        ("PORTAL_ENV", "staging"),
        ("SWEEP_EVERY_SECONDS", "1.5x"),
        ("PAYROLL_ADAPTER", "bds"),
        ("PAYROLL_BDS_CONFIRMED", "perhaps"),
        ("OUTCOMES_REFRESH_SECONDS", "0"),
        ("OUTCOME_AGE_BANDS", "18,35,25"),
        ("OUTCOME_AGE_BANDS", "eighteen"),
        ("OUTCOME_AGE_BANDS", "-1,25"),
        ("OPEN_DATA_K_MIN", "1"),  # a threshold of 1 would publish every count
        ("OPEN_DATA_REFRESH_SECONDS", "0"),
    ],
)
def test_a_wrong_value_names_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.SettingsError, match=rf"{name}='{value}'"):
        config.load()


def test_a_secret_in_the_message_is_named_but_not_shown():
    problem = config._problem({"loc": ("MAIL_PASSWORD",), "input": "hunter2", "msg": "bad"})
    assert problem == "MAIL_PASSWORD: bad"


def test_booleans_and_numbers_read_as_people_write_them(monkeypatch):
    for name, value in {
        "PORTAL_ENV": "development",
        "FORCE_HTTPS": "yes",
        "RATELIMIT_ENABLED": "off",
        "MAIL_PORT": "2525",
        "REDIS_URL": "",  # empty counts as unset: the embedded broker
    }.items():
        monkeypatch.setenv(name, value)
    settings = config.load()
    assert settings["FORCE_HTTPS"] is True and settings["SESSION_COOKIE_SECURE"] is True
    assert settings["RATELIMIT_ENABLED"] is False and settings["MAIL_PORT"] == 2525
    assert settings["REDIS_URL"].startswith("redis+socket://")


def test_the_start_stops_with_the_message_not_a_bare_value_error():
    started = subprocess.run(
        [sys.executable, "-c", "from portal import create_app; create_app()"],
        env={"PATH": "/usr/bin:/bin", "PORTAL_ENV": "development", "MAIL_PORT": "abc"},
        capture_output=True,
        text=True,
        cwd=config.ROOT,
    )
    assert started.returncode != 0
    assert "SettingsError: Wrong setting in the environment: MAIL_PORT='abc'" in started.stderr
    assert "ValueError" not in started.stderr


def test_the_age_bands_read_as_increasing_ages(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.setenv("OUTCOME_AGE_BANDS", "18, 30")
    assert config.load()["OUTCOME_AGE_BANDS"] == (18, 30)
