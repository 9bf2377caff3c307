"""`organizer doctor` says when voice is configured but no speech model is there."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env
from fixtures.asr import MODEL_DIR, needs_model
from organizer.asr.doctor import check_voice_model
from organizer.config import load_settings

GOOD_TOKEN = "123456789:AAE" + "x" * 32


def doctor(db_path: Path, tmp_path: Path, **env: str) -> tuple[int, dict[str, dict]]:
    """The real `organizer doctor --offline --json`, with an empty model cache."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    full = make_env(db_path, TELEGRAM_BOT_TOKEN=GOOD_TOKEN, TELEGRAM_ALLOWED_USER_IDS="42",
                    **env)  # fmt: skip
    p = subprocess.run([ORGANIZER, "doctor", "--offline", "--json"], env=full,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, {r["check"]: r for r in json.loads(p.stdout)}


def test_voice_not_configured_is_ok(db_path: Path, tmp_path: Path) -> None:
    _, r = doctor(db_path, tmp_path)
    assert r["voice model"]["result"] == "OK"
    assert "voice not configured" in r["voice model"]["detail"]


def test_size_name_without_a_prepared_model_warns_with_the_fix(db_path: Path,
                                                               tmp_path: Path) -> None:
    _, r = doctor(db_path, tmp_path, ASR_MODEL="base")
    v = r["voice model"]
    assert v["result"] == "WARN", v
    assert "ASR_MODEL is set" in v["detail"]
    assert f"organizer asr prepare-model --which base --dest {tmp_path}/cache" in v["detail"]
    _, r = doctor(db_path, tmp_path, ASR_SERVICE_URL="http://127.0.0.1:8001")
    assert r["voice model"]["result"] == "WARN" and "ASR_SERVICE_URL is set" in (
        r["voice model"]["detail"])


def test_model_directory_without_model_bin_fails(db_path: Path, tmp_path: Path) -> None:
    empty = tmp_path / "models" / "base"
    empty.mkdir(parents=True)
    code, r = doctor(db_path, tmp_path, ASR_MODEL=str(empty))
    assert code == 1 and r["voice model"]["result"] == "FAIL"
    assert f"run `organizer asr prepare-model --dest {empty}`" in r["voice model"]["detail"]


@needs_model
def test_prepared_model_is_ok(db_path: Path, tmp_path: Path) -> None:
    _, r = doctor(db_path, tmp_path, ASR_MODEL=str(MODEL_DIR))
    assert r["voice model"]["result"] == "OK" and str(MODEL_DIR) in r["voice model"]["detail"]
    # A size name finds the copy prepare-model made under XDG_CACHE_HOME.
    _, r = doctor(db_path, tmp_path, ASR_MODEL="base",
                  XDG_CACHE_HOME=str(MODEL_DIR.parent.parent.parent))  # fmt: skip
    assert r["voice model"]["result"] == "OK", r["voice model"]


def test_installed_unit_without_model_fails(db_path: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """install.sh put organizer-asr.service in place: the service cannot start."""
    unit = tmp_path / "organizer-asr.service"
    unit.write_text("[Service]\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    c = check_voice_model(load_settings({"DB_PATH": str(db_path)}), unit=unit)
    assert c.status == "FAIL" and "organizer-asr.service is installed" in c.detail
    assert "--dest /var/cache/organizer/organizer/models/base" in c.detail
