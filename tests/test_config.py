"""Settings: names, precedence, rules, and the messages operators see."""

from __future__ import annotations

from pathlib import Path

import pytest

from organizer.config import VARS, env_file_warnings, load_settings, parse_env_file
from organizer.errors import ConfigError


def test_defaults_are_valid(tmp_path: Path) -> None:
    s = load_settings({"DB_PATH": str(tmp_path / "x.db")})
    assert s.calendar_backend == "none"
    assert s.organizer_tz == "Europe/Moscow"
    assert s.db_path == tmp_path / "x.db"
    assert s.sources["CALENDAR_BACKEND"] == "default"


def test_default_db_path_depends_on_systemd() -> None:
    assert load_settings({}).db_path.name == "organizer.db"
    assert str(load_settings({"INVOCATION_ID": "x"}).db_path) == "/var/lib/organizer/organizer.db"


def test_environment_beats_env_file(tmp_path: Path) -> None:
    f = tmp_path / "o.env"
    f.write_text(
        "# comment\nORGANIZER_TZ=Europe/Berlin\nASR_PORT='9001'\n\nexport LOG_LEVEL=DEBUG\n"
    )
    s = load_settings({"ORGANIZER_ENV_FILE": str(f), "ASR_PORT": "9002"})
    assert s.organizer_tz == "Europe/Berlin"
    assert s.asr_port == 9002
    assert s.log_level == "DEBUG"
    assert s.sources["ORGANIZER_TZ"].startswith("env file")
    assert s.sources["ASR_PORT"] == "environment"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"TG_LONGPOLL_SEC": "30", "TG_HTTP_READ_TIMEOUT": "35"}, "TG_HTTP_READ_TIMEOUT"),
        ({"GOOGLE_CALENDAR_ID": "primary"}, "GOOGLE_CALENDAR_ID"),
        ({"CALENDAR_BACKEND": "outlook"}, "CALENDAR_BACKEND"),
        ({"CALENDAR_BACKEND": "caldav"}, "CALDAV_URL"),
        ({"ORGANIZER_TZ": "Mars/Olympus"}, "ORGANIZER_TZ"),
        ({"ASR_PORT": "eighty"}, "ASR_PORT"),
        ({"TELEGRAM_ALLOWED_USER_IDS": "12,abc"}, "TELEGRAM_ALLOWED_USER_IDS"),
        ({"AGENDA_TIME": "25:00"}, "AGENDA_TIME"),
    ],
)
def test_rules_name_the_variable(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings(env)
    assert needle in e.value.message
    assert e.value.hint


def test_malformed_env_file_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.env"
    f.write_text("GOOD=1\nthis is not a setting\n")
    with pytest.raises(ConfigError, match=r"bad.env:2"):
        parse_env_file(f)


def test_missing_named_env_file() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({"ORGANIZER_ENV_FILE": "/nonexistent/o.env"})


def test_secrets_are_masked() -> None:
    s = load_settings({"TELEGRAM_BOT_TOKEN": "123:secret", "API_TOKEN": "tok"})
    shown = {name: value for name, value, _ in s.public_items()}
    assert shown["TELEGRAM_BOT_TOKEN"] == "***"
    assert shown["API_TOKEN"] == "***"
    assert "secret" not in repr(s.public_items())


def test_every_var_is_a_settings_field() -> None:
    s = load_settings({})
    for var in VARS:
        assert hasattr(s, var.name.lower()), var.name


def test_file_base_url_is_derived() -> None:
    s = load_settings({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"})
    assert s.file_base_url == "http://127.0.0.1:8081/file/bot"


def test_env_file_follows_systemd_comment_rules(tmp_path: Path) -> None:
    f = tmp_path / "o.env"
    f.write_text("; semicolon comment\n  # indented comment\nAPI_TOKEN=abc # not a comment\n"
                 "ASR_LANGUAGE=\"en\"\n")  # fmt: skip
    assert parse_env_file(f) == {"API_TOKEN": "abc # not a comment", "ASR_LANGUAGE": "en"}


def test_env_file_warnings_name_key_line_and_nearest(tmp_path: Path) -> None:
    f = tmp_path / "o.env"
    f.write_text("DB_PATH=/x.db\nDB_PTH=/y.db\nPYTHONUNBUFFERED=1\nAPI_TOKEN=abc # note\n")
    warnings = env_file_warnings(f)
    assert len(warnings) == 2, warnings
    assert "DB_PTH" in warnings[0] and "o.env:2" in warnings[0] and "DB_PATH?" in warnings[0]
    assert "API_TOKEN" in warnings[1] and "o.env:4" in warnings[1] and "abc" not in warnings[1]
