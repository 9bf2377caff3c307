"""Audio in: bytes -> 16 kHz mono float32, with limits and reasons a person can read.

PyAV (which faster-whisper already depends on) does the decoding. Two things it does
not do for us:

- **Duration limit while decoding.** We stop as soon as the decoded audio passes the
  limit, so 30 minutes of audio never becomes 115 MB of floats.
- **Truncated OGG.** libavformat decodes a cut-off Ogg file without complaint (it just
  ends early). Telegram voice notes are Ogg/Opus, and a half-uploaded one should be an
  error, not half a transcript, so Ogg input is checked page by page first: a file that
  ends inside a page or has no end-of-stream page is rejected.
"""

from __future__ import annotations

import io
import struct

import numpy as np

SAMPLE_RATE = 16_000


class AudioError(ValueError):
    """The bytes are not usable audio; str(e) is the reason for the HTTP 400."""


class AudioTooLong(AudioError):
    """The audio is longer than the configured limit (HTTP 413)."""


def check_ogg(data: bytes) -> None:
    """Walk the Ogg pages; raise AudioError if the file is cut short.

    Each page: "OggS", version, header type (0x04 = end of stream), granule (8), serial (4),
    sequence (4), CRC (4), segment count, segment table, then the body.
    """
    pos, n = 0, len(data)
    eos_seen = False
    pages = 0
    while pos < n:
        if data[pos : pos + 4] != b"OggS":
            raise AudioError(f"corrupt OGG: no page header at byte {pos}")
        if pos + 27 > n:
            raise AudioError(f"truncated OGG: the file ends inside a page header at byte {n}")
        header_type = data[pos + 5]
        nsegs = data[pos + 26]
        if pos + 27 + nsegs > n:
            raise AudioError(f"truncated OGG: the file ends inside a page header at byte {n}")
        body = sum(data[pos + 27 : pos + 27 + nsegs])
        end = pos + 27 + nsegs + body
        if end > n:
            raise AudioError(
                f"truncated OGG: page {pages} needs {end - pos} bytes but the file ends "
                f"after {n - pos} (the upload was cut short?)"
            )
        eos_seen = eos_seen or bool(header_type & 0x04)
        pages += 1
        pos = end
    if not eos_seen:
        raise AudioError("truncated OGG: no end-of-stream page (the upload was cut short?)")


def is_ogg(data: bytes) -> bool:
    return data[:4] == b"OggS"


def decode(data: bytes, max_audio_s: float) -> np.ndarray:
    """Decode any container/codec PyAV knows into 16 kHz mono float32 in [-1, 1]."""
    import av  # heavy; only the service process needs it

    if not data:
        raise AudioError("empty body: send the audio as the multipart field 'file' or raw")
    if is_ogg(data):
        check_ogg(data)
    max_samples = int(max_audio_s * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError("no audio stream in the upload")
            declared = container.duration  # microseconds, may be None
            if declared is not None and declared / 1_000_000 > max_audio_s + 1:
                raise AudioTooLong(
                    f"audio is {declared / 1_000_000:.0f} s long; the limit is "
                    f"{max_audio_s:g} s (ASR_MAX_AUDIO_SEC)"
                )
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    total += _take(out, chunks)
                if total > max_samples:
                    raise AudioTooLong(
                        f"audio is longer than the limit of {max_audio_s:g} s (ASR_MAX_AUDIO_SEC)"
                    )
            for out in resampler.resample(None):
                total += _take(out, chunks)
    except AudioError:
        raise
    except (av.error.FFmpegError, struct.error, ValueError, EOFError) as e:
        raise AudioError(f"cannot decode the audio: {_reason(e)}") from None
    if total == 0:
        raise AudioError("the upload decodes to no audio samples")
    if total > max_samples:
        raise AudioTooLong(
            f"audio is {total / SAMPLE_RATE:.0f} s long; the limit is {max_audio_s:g} s "
            "(ASR_MAX_AUDIO_SEC)"
        )
    pcm = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    return pcm.astype(np.float32) / 32768.0


def _take(frame: object, chunks: list[np.ndarray]) -> int:
    array = frame.to_ndarray().reshape(-1)  # type: ignore[attr-defined]
    chunks.append(array.copy())
    return int(array.shape[0])


def _reason(e: Exception) -> str:
    text = str(e)
    # PyAV: "[Errno 1094995529] Invalid data found when processing input: '<none>'"
    if "] " in text:
        text = text.split("] ", 1)[1]
    return text.replace(": '<none>'", "").strip() or type(e).__name__
