"""`organizer doctor`'s voice check: voice is configured, so is there a model to load?

Voice counts as configured when ASR_MODEL or ASR_SERVICE_URL is set (env or env file)
or install.sh installed organizer-asr.service. The model is looked for where the
service looks (engine.resolve_model): ASR_MODEL as a directory, or for a size name
the prepared copy under $XDG_CACHE_HOME — this process's and the unit's
(/var/cache/organizer, the unit's XDG_CACHE_HOME).
"""

from __future__ import annotations

from pathlib import Path

from organizer.checks import Check
from organizer.config import Settings

ASR_UNIT = Path("/etc/systemd/system/organizer-asr.service")
# The unit's Environment=XDG_CACHE_HOME; install.sh prepares the model below it.
SERVICE_CACHE_HOME = Path("/var/cache/organizer")


def _why_configured(s: Settings, unit: Path) -> str | None:
    for name in ("ASR_MODEL", "ASR_SERVICE_URL"):
        if s.sources.get(name, "default") != "default":
            return f"{name} is set"
    if unit.exists():
        return f"{unit.name} is installed"
    return None


def service_model_dir(name: str) -> Path:
    """Where organizer-asr.service finds a prepared size name (its XDG_CACHE_HOME)."""
    return SERVICE_CACHE_HOME / "organizer" / "models" / name


def check_voice_model(s: Settings, unit: Path = ASR_UNIT) -> Check:
    from organizer.asr.model_prep import default_dest

    why = _why_configured(s, unit)
    if why is None:
        return Check("voice model", "OK", "voice not configured (no ASR_MODEL or "
                     "ASR_SERVICE_URL set, organizer-asr not installed)")  # fmt: skip
    name = s.asr_model
    given = Path(name).expanduser()
    if "/" in name or given.is_dir():  # a directory, as the service reads it
        if (given / "model.bin").is_file():
            return Check("voice model", "OK", f"{given} ({why})")
        return Check("voice model", "FAIL",
                     f"voice is configured ({why}) but ASR_MODEL={name} holds no model.bin: "
                     f"run `organizer asr prepare-model --dest {given}`")  # fmt: skip
    places = list(dict.fromkeys([default_dest(name), service_model_dir(name)]))
    found = next((p for p in places if (p / "model.bin").is_file()), None)
    if found is not None:
        return Check("voice model", "OK", f"ASR_MODEL={name} prepared in {found} ({why})")
    dest = service_model_dir(name) if unit.exists() else default_dest(name)
    return Check("voice model", "FAIL" if unit.exists() else "WARN",
                 f"voice is configured ({why}) but no {name} model is prepared in "
                 f"{' or '.join(map(str, places))}: run `sudo ./install.sh` or "
                 f"`organizer asr prepare-model --which {name} --dest {dest}`")  # fmt: skip
