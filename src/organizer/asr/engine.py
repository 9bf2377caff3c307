"""The model: where it comes from, how many threads it gets, how it decodes.

Everything here is synchronous and runs in worker threads; `service.py` wraps it in
HTTP. Decoding options are chosen by measurement (docs/ASR.md, bench/asr.py): the
hallucination guards matter more on a 2-core box than a point of WER, because a
looping window costs seconds.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from organizer.asr.audio import SAMPLE_RATE
from organizer.config import Settings
from organizer.errors import ConfigError

log = logging.getLogger(__name__)

# CTranslate2's OpenMP runtime (libgomp) busy-waits between parallel regions by default.
# On a small box shared with the worker, the bot and others, that spinning fights the
# decoding threads themselves: measured here, a 3 s note that decodes in 0.9 s now and
# then took 8-21 s, with the CPU time to match; with PASSIVE, never more than 1.8 s.
# It must be set before libgomp loads (the first faster_whisper import); an operator's
# own value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SIZE_NAMES = frozenset({
    "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
    "large-v1", "large-v2", "large-v3", "large", "distil-large-v2", "distil-large-v3",
    "distil-medium.en", "distil-small.en", "large-v3-turbo", "turbo",
})


def cpu_quota(
    cgroup_root: Path = Path("/sys/fs/cgroup"), affinity: set[int] | None = None
) -> int:
    """CPUs this process may really use: affinity mask, capped by a cgroup CPU quota.

    os.cpu_count() says 64 inside a container limited to 2 CPUs; CTranslate2 with 64
    threads on 2 CPUs is several times slower than with 2.
    """
    try:
        cpus = len(affinity if affinity is not None else os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpus(cgroup_root)
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, cpus)


def _cgroup_cpus(root: Path) -> int | None:
    try:  # cgroup v2: "max 100000" or "200000 100000"
        quota_s, period_s = (root / "cpu.max").read_text().split()[:2]
        if quota_s != "max":
            return max(1, math.ceil(int(quota_s) / int(period_s)))
        return None
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            return max(1, math.ceil(quota / period))
    except (OSError, ValueError):
        pass
    return None


def threads_for(settings: Settings) -> int:
    """ASR_CPU_THREADS, or the CPU quota shared out between the concurrent slots."""
    if settings.asr_cpu_threads > 0:
        return settings.asr_cpu_threads
    return max(1, cpu_quota() // settings.asr_max_concurrency)


def resolve_model(name: str) -> str:
    """A model directory, a prepared copy of a size name, or the size name itself.

    `ASR_MODEL=base` finds `~/.cache/organizer/models/base` when `organizer asr
    prepare-model` made it, so machines without hub access need no path in the env file.
    """
    from organizer.asr.model_prep import default_dest

    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigError(
                f"ASR_MODEL={name} is a directory without model.bin",
                "point ASR_MODEL at a CTranslate2 Whisper model directory, or run "
                "`organizer asr prepare-model`",
            )
        return str(path.absolute())
    if name in SIZE_NAMES:
        prepared = default_dest(name)
        if (prepared / "model.bin").is_file():
            return str(prepared)
        return name
    raise ConfigError(
        f"ASR_MODEL={name!r} is neither a model directory nor a faster-whisper size name",
        "set ASR_MODEL=base (after `organizer asr prepare-model`) or to a model directory",
    )


@dataclass(frozen=True)
class DecodeOptions:
    """What we pass to WhisperModel.transcribe. Defaults chosen in docs/ASR.md."""

    beam_size: int = 5
    # Fewer fallback temperatures than Whisper's six: each retry re-decodes the whole
    # 30 s window, and on garbled audio the later ones rarely help.
    temperature: tuple[float, ...] = (0.0, 0.5)
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    condition_on_previous_text: bool = False  # a looping window must not seed the next
    max_new_tokens: int | None = 200  # per 30 s window; fast Russian speech needs ~150
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    vad_filter: bool = True
    vad_min_silence_ms: int = 500

    def kwargs(self) -> dict[str, Any]:
        return {
            "beam_size": self.beam_size,
            "best_of": self.beam_size,
            "temperature": list(self.temperature),
            "compression_ratio_threshold": self.compression_ratio_threshold,
            "log_prob_threshold": self.log_prob_threshold,
            "no_speech_threshold": self.no_speech_threshold,
            "condition_on_previous_text": self.condition_on_previous_text,
            "max_new_tokens": self.max_new_tokens,
            "repetition_penalty": self.repetition_penalty,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
            "vad_filter": self.vad_filter,
            "vad_parameters": {"min_silence_duration_ms": self.vad_min_silence_ms},
        }


@dataclass
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "text": self.text,
            "avg_logprob": round(self.avg_logprob, 3),
            "no_speech_prob": round(self.no_speech_prob, 3),
            "compression_ratio": round(self.compression_ratio, 2),
        }


@dataclass(eq=False)  # identity hash: jobs live in a set while running
class Job:
    """One transcription, shared between the decoding thread and the request handler.

    The thread appends segments as faster-whisper yields them and checks `cancel`
    (and the deadline) between segments; the handler may answer with what is there.
    """

    audio: np.ndarray
    language: str | None
    deadline: float  # time.monotonic()
    cancel: threading.Event = field(default_factory=threading.Event)
    segments: list[Segment] = field(default_factory=list)
    detected_language: str | None = None
    language_probability: float | None = None
    truncated: bool = False

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text).strip()


class Engine:
    """One loaded WhisperModel plus the options every request uses."""

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 2,
        num_workers: int = 1,
        options: DecodeOptions | None = None,
    ) -> None:
        self.model_name = model
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.num_workers = num_workers
        self.options = options or DecodeOptions()
        self.model: Any = None
        self.multilingual = True
        self.load_s: float | None = None
        self.warm_s: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Engine:
        return cls(
            resolve_model(settings.asr_model),
            device=settings.asr_device,
            compute_type=settings.asr_compute_type,
            cpu_threads=threads_for(settings),
            num_workers=settings.asr_max_concurrency,
            options=DecodeOptions(beam_size=settings.asr_beam_size),
        )

    def load(self) -> None:
        from faster_whisper import WhisperModel

        t0 = time.perf_counter()
        self.model = WhisperModel(
            self.model_name,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=self.cpu_threads,
            num_workers=self.num_workers,
        )
        self.multilingual = bool(self.model.model.is_multilingual)
        self.load_s = time.perf_counter() - t0
        log.info(
            "loaded %s on %s (%s, %d threads, %d workers) in %.1f s",
            self.model_name, self.device, self.compute_type, self.cpu_threads,
            self.num_workers, self.load_s,
        )

    def warm(self) -> None:
        """Run the VAD and one real decoding step on a second of silence."""
        t0 = time.perf_counter()
        silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
        segments, _ = self.model.transcribe(silence, language="en", vad_filter=True)
        list(segments)
        segments, _ = self.model.transcribe(
            silence, language="en", vad_filter=False, beam_size=self.options.beam_size,
            max_new_tokens=8, temperature=0.0,
        )
        list(segments)
        self.warm_s = time.perf_counter() - t0
        log.info("warm-up done in %.1f s", self.warm_s)

    @property
    def languages(self) -> tuple[str, ...]:
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        return tuple(_LANGUAGE_CODES) if self.multilingual else ("en",)

    def run(self, job: Job) -> Job:
        """Decode `job.audio`, stopping at the deadline or on cancel. Runs in a thread."""
        segments, info = self.model.transcribe(
            job.audio, language=job.language, **self.options.kwargs()
        )
        job.detected_language = info.language
        job.language_probability = info.language_probability
        for seg in segments:  # a generator: each step decodes one window
            job.segments.append(
                Segment(seg.start, seg.end, seg.text.strip(), seg.avg_logprob,
                        seg.no_speech_prob, seg.compression_ratio)
            )
            if job.cancel.is_set() or time.monotonic() >= job.deadline:
                job.truncated = True
                break
        return job
