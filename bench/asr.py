"""Benchmark `organizer asr` on the committed clips (tests/data/audio).

    .venv/bin/python bench/asr.py [--model DIR] [--tiny DIR] [--repeats 3] [--sweep]

Prints, for the base model with the service's own decoding options:
- per clip: RTF (processing / audio seconds) and p50/p95 latency, through the HTTP
  service and through the engine called directly in the same run (service overhead);
- the service's peak RSS, its time to ready and its first request's latency;
- beam 5 vs beam 1; WER per language per model (base; tiny.en for English);
- the garbled clip's processing time (hallucination guards);
- with --sweep, the decoding-option comparison that docs/ASR.md is based on.

Figures on a shared 2-core machine are noisy; run it when the box is quiet.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
AUDIO = ROOT / "tests" / "data" / "audio"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "organizer" / "models"


def normalize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    text = re.sub(r"[^\w\s]", " ", text)
    return text.split()


def wer(ref: str, hyp: str) -> float:
    r, h = normalize(ref), normalize(hyp)
    if not r:
        return 0.0 if not h else 1.0
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hw in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rw != hw))
        prev = cur
    return prev[-1] / len(r)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def load_clips() -> dict[str, dict]:
    clips = json.loads((AUDIO / "transcripts.json").read_text())["clips"]
    for name, c in clips.items():
        c["data"] = (AUDIO / f"{name}.ogg").read_bytes()
    return clips


def quality(clips: dict) -> dict[str, dict]:
    return {n: c for n, c in clips.items() if c.get("quality", True)}


def make_engine(model: str, beam: int = 5, **opts):
    from organizer.asr.engine import DecodeOptions, Engine, cpu_quota

    eng = Engine(model, cpu_threads=cpu_quota(),
                 options=replace(DecodeOptions(beam_size=beam), **opts))
    eng.load()
    eng.warm()
    return eng


def run_direct(eng, data: bytes, language: str | None) -> tuple[str, float, float]:
    """(text, wall seconds, audio seconds); CPU seconds of the call go to LAST_CPU."""
    from organizer.asr.audio import decode
    from organizer.asr.engine import Job

    t0, c0 = time.perf_counter(), time.process_time()
    audio = decode(data, 600)
    job = eng.run(Job(audio=audio, language=language, deadline=time.monotonic() + 600))
    LAST_CPU[0] = time.process_time() - c0
    return job.text, time.perf_counter() - t0, job.duration_s


LAST_CPU = [0.0]


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def table(title: str, rows: list[list[str]], head: list[str]) -> None:
    print(f"\n## {title}")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for row in [head, ["-" * w for w in widths], *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def latency_rows(results: dict[str, list[tuple[float, float]]]) -> list[list[str]]:
    rows = []
    for name, runs in results.items():
        lat = [t for t, _ in runs]
        dur = runs[0][1]
        rows.append([name, f"{dur:.1f}", f"{statistics.mean(lat) / dur:.3f}",
                     f"{pct(lat, 0.5):.2f}", f"{pct(lat, 0.95):.2f}"])
    return rows


def rss_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_service_and_direct(model: str, clips: dict, repeats: int
                             ) -> tuple[dict, dict, dict, Any]:
    """Start the service, then alternate: each clip through HTTP, then directly.

    Alternating per request puts both paths under the same background load, which on a
    shared box moves more than anything we measure.
    """
    port = free_port()
    env = {**os.environ, "ASR_MODEL": model, "ASR_PORT": str(port), "ASR_LANGUAGE": "auto",
           "DB_PATH": "/nonexistent/organizer.db", "LOG_LEVEL": "WARNING",
           "ASR_MAX_CONCURRENCY": "1"}
    exe = Path(sys.executable).with_name("organizer")
    t_start = time.perf_counter()
    proc = subprocess.Popen([str(exe), "asr"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    info: dict = {"cpu_s": 0.0, "direct_cpu_s": 0.0}
    svc: dict[str, list[tuple[float, float]]] = {}
    direct: dict[str, list[tuple[float, float]]] = {}
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if http.get("/health").json().get("status") == "ready":
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.05)
            else:
                raise SystemExit("service did not become ready in 120 s")
            info["ready_s"] = time.perf_counter() - t_start
            first = next(iter(clips.values()))
            t0 = time.perf_counter()
            r = http.post("/asr", content=first["data"], params={"language": first["language"]})
            r.raise_for_status()
            info["first_request_s"] = time.perf_counter() - t0
            info["first_clip"] = next(iter(clips))
            eng = make_engine(model)
            for _ in range(repeats):
                for name, c in clips.items():
                    c0, t0 = proc_cpu_s(proc.pid), time.perf_counter()
                    r = http.post("/asr", files={"file": (f"{name}.ogg", c["data"])},
                                  params={"language": c["language"] or "auto"})
                    r.raise_for_status()
                    svc.setdefault(name, []).append((time.perf_counter() - t0,
                                                     r.json()["duration_s"]))
                    info["cpu_s"] += proc_cpu_s(proc.pid) - c0
                    _, t, d = run_direct(eng, c["data"], c["language"])
                    direct.setdefault(name, []).append((t, d))
                    info["direct_cpu_s"] += LAST_CPU[0]
            info["rss_peak_mib"] = rss_peak_mib(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return svc, direct, info, eng


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.environ.get("ORGANIZER_TEST_MODEL_DIR",
                                                      str(CACHE / "base")))
    ap.add_argument("--tiny", default=str(CACHE / "tiny.en"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sweep", action="store_true", help="compare decoding options too")
    args = ap.parse_args()
    from organizer.asr.engine import cpu_quota

    clips = load_clips()
    good = quality(clips)
    speech = {n: c for n, c in good.items() if c["language"]}
    print(f"# organizer asr benchmark: model {args.model}, int8, {cpu_quota()} CPU(s), "
          f"{len(speech)} clips x {args.repeats}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    import faster_whisper

    print(f"faster-whisper {faster_whisper.__version__}, python {sys.version.split()[0]}, "
          f"load average at start {os.getloadavg()[0]:.2f} (a shared box: figures are noisy)")

    # 1+2. through the service and directly, alternating, same options, same run
    svc, direct, info, eng = bench_service_and_direct(args.model, speech, args.repeats)
    head = ["clip", "audio_s", "RTF", "p50_s", "p95_s"]
    table("HTTP service (base, beam 5, multipart upload)", latency_rows(svc), head)
    table("faster-whisper called directly (same options)", latency_rows(direct), head)
    svc_total = sum(t for runs in svc.values() for t, _ in runs)
    dir_total = sum(t for runs in direct.values() for t, _ in runs)
    audio_total = sum(d for runs in svc.values() for _, d in runs)
    print(f"\nRTF overall (wall): service {svc_total / audio_total:.3f}, direct "
          f"{dir_total / audio_total:.3f}; service overhead {100 * (svc_total / dir_total - 1):+.1f}%")
    direct_cpu = info["direct_cpu_s"]
    print(f"CPU seconds per audio second: service process {info['cpu_s'] / audio_total:.3f}, "
          f"direct {direct_cpu / audio_total:.3f}; overhead "
          f"{100 * (info['cpu_s'] / direct_cpu - 1):+.1f}%")
    print(f"service: ready {info['ready_s']:.1f} s after start, first request "
          f"({info['first_clip']}) {info['first_request_s']:.2f} s, peak RSS "
          f"{info['rss_peak_mib']:.0f} MiB")

    long_note = max(speech, key=lambda n: svc[n][0][1] if 9 <= svc[n][0][1] <= 12 else 0)
    p95_long = pct([t for t, _ in svc[long_note]], 0.95)
    rtf = svc_total / audio_total
    print(f"targets: RTF {rtf:.3f} (<= 0.2: {'met' if rtf <= 0.2 else 'NOT met'}), "
          f"p95 {long_note} ({svc[long_note][0][1]:.1f} s) {p95_long:.2f} s (<= 2.5 s: "
          f"{'met' if p95_long <= 2.5 else 'NOT met'}), peak RSS {info['rss_peak_mib']:.0f} MiB "
          f"(<= 600: {'met' if info['rss_peak_mib'] <= 600 else 'NOT met'})")

    # 3. beam 5 vs beam 1, and WER per language
    rows = []
    texts: dict[tuple[str, str], dict[str, str]] = {}
    for label, e in (("base beam 5", eng), ("base beam 1", None)):
        if e is None:
            e = make_engine(args.model, beam=1)
        t_sum = a_sum = 0.0
        for name, c in speech.items():
            text, t, d = run_direct(e, c["data"], c["language"])
            texts.setdefault((label, c["language"]), {})[name] = text
            t_sum, a_sum = t_sum + t, a_sum + d
        for lang in ("ru", "en"):
            ws = [wer(speech[n]["text"], h) for n, h in texts[(label, lang)].items()]
            rows.append([label, lang, f"{statistics.mean(ws):.3f}", f"{t_sum / a_sum:.3f}"])
    tiny_path = Path(args.tiny)
    if (tiny_path / "model.bin").is_file():
        tiny = make_engine(str(tiny_path))
        t_sum = a_sum = 0.0
        ws = []
        for c in (c for c in speech.values() if c["language"] == "en"):
            text, t, d = run_direct(tiny, c["data"], "en")
            ws.append(wer(c["text"], text))
            t_sum, a_sum = t_sum + t, a_sum + d
        rows.append(["tiny.en beam 5", "en", f"{statistics.mean(ws):.3f}",
                     f"{t_sum / a_sum:.3f} (en clips)"])
    table("WER per language and model (direct; RTF over all its clips)", rows,
          ["model", "lang", "WER", "RTF"])
    for (label, _lang), hyp in texts.items():
        if label == "base beam 5":
            for name, text in hyp.items():
                print(f"  {name}: {text}")

    # 4. the garbled clips, with language forced and detected
    print()
    for name in ("ru_robot_short", "ru_robot"):
        for lang in ("ru", None):
            text, t, d = run_direct(eng, clips[name]["data"], lang)
            print(f"garbled {name} ({d:.1f} s, language {lang or 'auto'}): {t:.2f} s wall, "
                  f"{LAST_CPU[0]:.2f} s CPU, RTF {t / d:.2f}: {text[:60]}")

    if args.sweep:
        sweep(args.model, speech, clips)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


def sweep(model: str, speech: dict, clips: dict) -> None:
    """The comparison behind DecodeOptions' defaults (docs/ASR.md). CPU seconds, since
    wall time on a shared box says more about the neighbours than about the options."""
    whisper = {"temperature": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0), "condition_on_previous_text": True,
               "max_new_tokens": None}
    variants = {
        "whisper defaults (6 temps, cond. prev., no cap)": whisper,
        "ours: temps 0/0.5, no cond., 200 tokens, VAD": {},
        "ours, temps 0/0.4/0.8": {"temperature": (0.0, 0.4, 0.8)},
        "ours, temp 0 only": {"temperature": (0.0,)},
        "ours, no VAD": {"vad_filter": False},
        "ours, repetition_penalty 1.1": {"repetition_penalty": 1.1},
        "ours, beam 1": {"beam_size": 1},
    }
    rows = []
    for label, opts in variants.items():
        opts = dict(opts)
        beam = opts.pop("beam_size", 5)
        e = make_engine(model, beam=beam, **opts)
        t_sum = a_sum = c_sum = 0.0
        per: dict[str, list[float]] = {"ru": [], "en": []}
        for c in speech.values():
            text, t, d = run_direct(e, c["data"], c["language"])
            per[c["language"]].append(wer(c["text"], text))
            t_sum, a_sum, c_sum = t_sum + t, a_sum + d, c_sum + LAST_CPU[0]
        garbled = []
        for name in ("ru_robot_short", "ru_robot"):
            for lang in ("ru", None):
                run_direct(e, clips[name]["data"], lang)
                garbled.append(f"{LAST_CPU[0]:.1f}")
        rows.append([label, f"{statistics.mean(per['ru']):.3f}",
                     f"{statistics.mean(per['en']):.3f}", f"{t_sum / a_sum:.3f}",
                     f"{c_sum / a_sum:.3f}", "/".join(garbled[:2]), "/".join(garbled[2:])])
    table("decoding options (base, direct; garbled = CPU s with language ru/auto)", rows,
          ["variant", "WER ru", "WER en", "RTF wall", "CPU/audio s", "short garbled",
           "long garbled"])


if __name__ == "__main__":
    main()
