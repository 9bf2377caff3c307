"""`organizer diag report`'s default view: the daily check on one screen (≤ 40 lines).

Sections in the order of the old ops journal's daily check: services (systemd and
heartbeats), health, queue, calendar, backups, disk; what is down comes first. Plain
text, so it reads the same in a terminal, a pipe and a pasted chat message.
"""

from __future__ import annotations

from organizer.report import DAEMONS, Report, _duration, _size

MAX_DOWN_LINES = 8


def _service_line(name: str, r: Report) -> str:
    unit = next((u for u in r.units or [] if u.unit == f"organizer-{name}.service"), None)
    beat = next((b for b in r.beats if b.service == name), None)
    if r.units is None:  # said once in the section's title
        systemd = ""
    elif unit is None:
        systemd = "systemd —"
    else:
        systemd = f"systemd {unit.active} ({unit.sub})"
        if unit.uptime_s is not None:
            systemd += f" up {_duration(unit.uptime_s)}"
        if unit.restarts not in (None, "0"):
            systemd += f", {unit.restarts} restarts"
    if r.db is None:
        hb = "unknown (no database)"
    elif beat is None:
        hb = "never"
    elif beat.stopped:
        hb = "stopped"
    else:
        hb = f"{beat.age_s}s ago" + (f" ({beat.status})" if beat.status else "")
    return f"  {name:<7} {systemd + '  ' if systemd else ''}heartbeat {hb}"


def _services(r: Report) -> list[str]:
    out = ["services" + ("" if r.units is not None else f"  (systemd: {r.systemd_note})")]
    out += [_service_line(name, r) for name in DAEMONS]
    timer = next((u for u in r.units or [] if u.unit == "organizer-backup.timer"), None)
    if timer is not None:
        out.append(f"  backup  timer {timer.active} ({timer.sub})")
    return out


def _health(r: Report) -> list[str]:
    out = []
    if r.health is None:
        out.append("health    unknown: the database could not be read")
    elif r.health["ok"]:
        out.append("health    ok")
    else:
        out.append("health    " + "; ".join(r.health["problems"]))
    endpoints = [f"{h.name} {h.code or '—'} {h.summary}" for h in r.endpoints()]
    out.append("  endpoints " + (" | ".join(endpoints) if endpoints else "skipped (--offline)"))
    return out


def _queue_and_calendar(r: Report) -> list[str]:
    if r.db is None:
        return [f"database  unreadable: {r.db_error}"]
    q = r.queue
    oldest = _duration(r.oldest_new_age_s) if r.oldest_new_age_s is not None else "—"
    return [
        f"queue     NEW {q.get('NEW', 0)}  CLAIMED {q.get('CLAIMED', 0)}  DONE "
        f"{q.get('DONE', 0)}  FAILED {q.get('FAILED', 0)}  oldest NEW {oldest}  "
        f"expired leases {r.expired_leases}  outbox pending {r.outbox_pending}",
        f"calendar  PENDING {r.calendar.get('PENDING', 0)}  FAILED "
        f"{r.calendar.get('FAILED', 0)}",
    ]


def _backups_and_disk(r: Report) -> list[str]:
    b = r.backup
    if b is None:
        backups = f"backups   none in {r.backup_dir}"
    else:
        backups = (f"backups   newest verified {b['age_h']} h ago "
                   f"({b['taken_at'].strftime('%Y-%m-%d %H:%M UTC')}), {b['count']} kept, "
                   f"{_size(b['total_bytes'])} in {r.backup_dir}")  # fmt: skip
    d = r.disk
    if d is None:
        disk = "disk      unknown"
    else:
        db = "" if r.db is None else (f"; database {_size(r.db['size_bytes'])}, "
                                      f"WAL {_size(r.db['wal_bytes'])}")  # fmt: skip
        disk = (f"disk      {_size(d['free_bytes'])} free of {_size(d['total_bytes'])} "
                f"({d['free_pct']}%) in {d['folder']}{db}")  # fmt: skip
    return [backups, disk]


def render_screen(r: Report) -> str:
    when = r.now.strftime("%Y-%m-%d %H:%M UTC")
    rev = f" (git {r.git_rev})" if r.git_rev else ""
    out = [f"organizer {r.version}{rev} on {r.host}, {when}"]
    schema = "" if r.db is None else f", schema {r.db['schema_version']}"
    out.append(f"env file {r.env_file or 'none'}{schema}")
    out.append("")
    if r.down:
        shown = r.down[:MAX_DOWN_LINES]
        more = len(r.down) - len(shown)
        out.append("DOWN")
        out += [f"  - {d}" for d in shown] + ([f"  … {more} more (--markdown)"] if more else [])
    else:
        out.append("all up: nothing down or degraded")
    out.append("")
    for section in (_services(r), _health(r), _queue_and_calendar(r), _backups_and_disk(r)):
        out += section
    return "\n".join(out) + "\n"
