"""Prometheus text for `/metrics`: queue, items, latencies, outbox lag, heartbeats, ASR."""

import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from typing import Any

from organizer.config import Settings
from organizer.db.dialect import is_postgres
from organizer.errors import OrganizerError
from organizer.health import Snapshot, age_s, gather

# Histogram bounds of the latency metrics, in seconds.
LATENCY_BUCKETS_S = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _histogram(
    out: list[str], name: str, help_: str, conn: sqlite3.Connection, sql_seconds: str, where: str
) -> None:
    """A Prometheus histogram computed in SQL from start→end timestamps."""
    cases = ", ".join(
        f"COALESCE(SUM(CASE WHEN s <= {b} THEN 1 ELSE 0 END), 0)" for b in LATENCY_BUCKETS_S
    )
    row = conn.execute(
        f"SELECT {cases}, COUNT(*), COALESCE(SUM(s), 0)"
        f" FROM (SELECT {sql_seconds} AS s {where}) AS spans"
    ).fetchone()
    out.append(f"# HELP {name} {help_}")
    out.append(f"# TYPE {name} histogram")
    for b, n in zip(LATENCY_BUCKETS_S, row, strict=False):
        out.append(f'{name}_bucket{{le="{b:g}"}} {int(n)}')  # PostgreSQL: SUM is NUMERIC
    count, total = int(row[len(LATENCY_BUCKETS_S)]), row[len(LATENCY_BUCKETS_S) + 1]
    out.append(f'{name}_bucket{{le="+Inf"}} {count}')
    out.append(f"{name}_sum {float(total):.3f}")
    out.append(f"{name}_count {count}")


def _seconds(conn: Any, a: str, b: str) -> str:
    """SQL for the seconds from column `a` to column `b` (times as model.to_db's text)."""
    if is_postgres(conn):
        return f"EXTRACT(EPOCH FROM ({b}::timestamptz - {a}::timestamptz))"
    return f"(julianday({b}) - julianday({a})) * 86400.0"


Gauge = Callable[[str, str, list[tuple[dict[str, str], float | int]]], None]


def metrics_text(settings: Settings, now: datetime) -> str:
    """Prometheus text exposition format 0.0.4."""
    out: list[str] = []

    def gauge(name: str, help_: str, samples: list[tuple[dict[str, str], float | int]]) -> None:
        out.append(f"# HELP {name} {help_}")
        out.append(f"# TYPE {name} gauge")
        for labels, value in samples:
            lab = ",".join(f'{k}="{_esc(v)}"' for k, v in labels.items())
            out.append(f"{name}{{{lab}}} {value}" if lab else f"{name} {value}")

    report = gather(settings, now)
    gauge("organizer_up", "1 when /health would answer 200", [({}, int(report.ok))])
    if report.disk is not None:
        gauge("organizer_disk_free_bytes", "free bytes on the data disk",
              [({}, report.disk.free_bytes)])  # fmt: skip
    from organizer.db.store import open_store

    try:
        conn = open_store(settings, readonly=True)
    except OrganizerError:
        gauge("organizer_db_readable", "1 when the database opens", [({}, 0)])
        return "\n".join(out) + "\n"
    with closing(conn):
        gauge("organizer_db_readable", "1 when the database opens", [({}, 1)])
        _queue_and_items(conn, report, gauge)
        _latencies(conn, out)
        _outbox(conn, now, gauge)
        _services(report, gauge)
    _asr_metrics(settings, gauge, out)
    return "\n".join(out) + "\n"


def _queue_and_items(conn: sqlite3.Connection, report: Snapshot, gauge: Gauge) -> None:
    if report.schema_version is not None:
        gauge("organizer_schema_version", "applied schema version", [({}, report.schema_version)])
    gauge(
        "organizer_inbox_queue",
        "inbox rows by status",
        [({"status": k}, v) for k, v in report.queue.items()],
    )
    gauge(
        "organizer_inbox_oldest_new_age_seconds",
        "age of the oldest waiting inbox row (0 when none)",
        [({}, report.oldest_new_age_s or 0)],
    )
    states = {s: 0 for s in ("NONE", "LOCAL", "PENDING", "SYNCED", "FAILED")}
    for st, n in conn.execute("SELECT cal_state, COUNT(*) FROM items GROUP BY cal_state"):
        states[st] = int(n)
    gauge(
        "organizer_items_calendar_state",
        "items by calendar sync state",
        [({"cal_state": k}, v) for k, v in states.items()],
    )
    by_status = {s: 0 for s in ("DRAFT", "OPEN", "DONE", "CANCELLED")}
    for st, n in conn.execute("SELECT status, COUNT(*) FROM items GROUP BY status"):
        by_status[st] = n
    gauge("organizer_items", "items by status", [({"status": k}, v) for k, v in by_status.items()])


def _latencies(conn: sqlite3.Connection, out: list[str]) -> None:
    _histogram(
        out,
        "organizer_processing_latency_seconds",
        "inbox row created -> DONE",
        conn,
        _seconds(conn, "created_at", "done_at"),
        "FROM inbox_queue WHERE status = 'DONE' AND done_at IS NOT NULL",
    )
    _histogram(
        out,
        "organizer_voice_processing_latency_seconds",
        "voice note created -> DONE (download, ASR and parsing together)",
        conn,
        _seconds(conn, "created_at", "done_at"),
        "FROM inbox_queue WHERE kind = 'voice' AND status = 'DONE' AND done_at IS NOT NULL",
    )
    _histogram(
        out,
        "organizer_outbox_delivery_latency_seconds",
        "outbox row created -> sent to Telegram",
        conn,
        _seconds(conn, "created_at", "sent_at"),
        "FROM outbox WHERE status = 'SENT' AND sent_at IS NOT NULL",
    )


def _outbox(conn: sqlite3.Connection, now: datetime, gauge: Gauge) -> None:
    ob = {s: 0 for s in ("PENDING", "SENDING", "SENT", "FAILED")}
    for st, n in conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
        ob[st] = n
    gauge("organizer_outbox", "outbox rows by status", [({"status": k}, v) for k, v in ob.items()])
    oldest = conn.execute(
        "SELECT MIN(created_at) FROM outbox WHERE status IN ('PENDING', 'SENDING')"
    ).fetchone()[0]
    gauge(
        "organizer_outbox_lag_seconds",
        "age of the oldest undelivered reply (0 when none)",
        [({}, age_s(now, oldest) or 0)],
    )


def _services(report: Snapshot, gauge: Gauge) -> None:
    gauge(
        "organizer_service_heartbeat_age_seconds",
        "seconds since each service's newest heartbeat",
        [({"service": b.service}, b.beat_age_s or 0) for b in report.services],
    )
    gauge(
        "organizer_service_running",
        "1 when the service's newest heartbeat is not a clean stop",
        [({"service": b.service}, int(not b.stopped)) for b in report.services],
    )


def _asr_health(url: str, timeout_s: float) -> tuple[bool, dict[str, Any]]:
    import httpx

    try:
        r = httpx.get(url + "/health", timeout=timeout_s)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    except (httpx.HTTPError, ValueError):
        return False, {}
    if not isinstance(body, dict):
        body = {}
    return r.status_code == 200 and body.get("status", "ready") == "ready", body


def _asr_metrics(settings: Settings, gauge: Any, out: list[str], timeout_s: float = 0.5) -> None:
    """Each ASR service's own counters, from its /health (short timeout: loopback). With
    several services (ASR_SERVICE_URL=a,b) every series carries its `url` label."""
    urls = settings.asr_service_urls
    answers = [(url, *_asr_health(url, timeout_s)) for url in urls]

    def labels(url: str) -> dict[str, str]:
        return {"url": url} if len(urls) > 1 else {}

    gauge("organizer_asr_up", "1 when the ASR service answers ready",
          [(labels(url), int(up)) for url, up, _ in answers])  # fmt: skip
    for key, kind, help_ in (
        ("served", "counter", "transcriptions served since the ASR service started"),
        ("failed", "counter", "transcriptions that failed"),
        ("rejected_busy", "counter", "requests refused with 429 (busy)"),
        ("busy", "gauge", "transcriptions running now"),
        ("load_s", "gauge", "seconds the model took to load"),
    ):
        name = f"organizer_asr_{key}" + ("_total" if kind == "counter" else "")
        samples = [
            (labels(url), body[key])
            for url, _, body in answers
            if isinstance(body.get(key), int | float) and not isinstance(body.get(key), bool)
        ]
        if samples:
            out.append(f"# HELP {name} {help_}")
            out.append(f"# TYPE {name} {kind}")
            for lab, value in samples:
                text = ",".join(f'{k}="{_esc(v)}"' for k, v in lab.items())
                out.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")
