"""`organizer parse`: the parser's public face and its test surface.

    organizer parse [--now ISO] [--tz ZONE] TEXT      -> one JSON object
    organizer parse --batch < in.jsonl > out.jsonl     -> one JSON object per input line

Batch lines are {"text", "now", "tz"} ("now" and "tz" optional: the current time and
ORGANIZER_TZ). A line that cannot be read answers {"error": "..."} in its place, so the
output always has one line per input line, in order.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer


def _now_arg(value: str | None, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    if value is None or value == "":
        return datetime.now(UTC).astimezone(ZoneInfo(tz))
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(tz))
    return dt


def _check_tz(tz: Any) -> str:
    from zoneinfo import ZoneInfo

    if not isinstance(tz, str) or not tz:
        raise ValueError("tz must be an IANA zone name like Europe/Moscow")
    try:
        ZoneInfo(tz)
    except Exception:
        raise ValueError(f"{tz!r} is not an IANA time zone") from None
    return tz


def _write(out: Any, result: dict[str, Any]) -> None:
    """One JSON line, UTF-8; a lone surrogate (from a "\\ud800" escape or undecodable argv)
    is written as its JSON escape instead of failing the whole run."""
    text = json.dumps(result, ensure_ascii=False) + "\n"
    out.write(text.encode("utf-8", "backslashreplace"))
    out.flush()


def parse_line(line: str, default_tz: str, canon: Any) -> dict[str, Any]:
    """One batch line -> the parse result, or {"error": …} for a bad line."""
    from organizer.parsing import parse

    try:
        obj = json.loads(line)
    except ValueError as e:
        return {"error": f"not JSON: {e}"}
    except RecursionError:
        return {"error": "not JSON: nested too deeply"}
    if not isinstance(obj, dict):
        return {"error": "expected a JSON object with \"text\""}
    text = obj.get("text")
    if not isinstance(text, str):
        return {"error": "\"text\" must be a string"}
    try:
        tz = _check_tz(obj.get("tz") or default_tz)
        now_raw = obj.get("now")
        if now_raw is not None and not isinstance(now_raw, str):
            raise ValueError("\"now\" must be an ISO-8601 string")
        now = _now_arg(now_raw, tz)
    except (ValueError, OverflowError) as e:
        return {"error": str(e)}
    try:
        return parse(text, now, tz, canon).to_dict()
    except (ValueError, OverflowError, RecursionError) as e:
        return {"error": f"cannot parse this line: {e}"}


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse_cmd(
        ctx: typer.Context,
        text: Annotated[str | None, typer.Argument(help="The message to understand.")] = None,
        now: Annotated[
            str | None,
            typer.Option("--now", help="Reference time, ISO-8601 (default: the current time)."),
        ] = None,
        tz: Annotated[
            str | None,
            typer.Option("--tz", help="IANA time zone of the user (default: ORGANIZER_TZ)."),
        ] = None,
        batch: Annotated[
            bool,
            typer.Option("--batch", help="Read JSON Lines {text, now, tz} on stdin, write "
                         "one JSON object per line."),
        ] = False,
    ) -> None:
        """Parse a message into intent, title, start, end, all_day, rrule and needs."""
        from organizer.canon import load_canon
        from organizer.cli.common import settings_from
        from organizer.errors import OrganizerError
        from organizer.parsing import parse

        settings = settings_from(ctx)  # no database
        canon = load_canon(settings.canon_path)
        zone_name = tz or settings.organizer_tz
        if batch:
            if text is not None:
                raise OrganizerError("--batch reads stdin; do not pass TEXT as well",
                                     "drop TEXT or drop --batch")
            import gc

            # Everything loaded so far lives for the whole run: keep the cyclic collector
            # from rescanning it during the loop (steadier per-line latency).
            gc.freeze()
            out = sys.stdout.buffer
            for raw in sys.stdin.buffer:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    _write(out, {"error": f"line is not UTF-8: {e.reason}"})
                    continue
                if not line.strip():
                    result: dict[str, Any] = {"error": "empty line"}
                else:
                    result = parse_line(line, zone_name, canon)
                _write(out, result)
            return
        if text is None:
            raise OrganizerError("no TEXT given", 'e.g. organizer parse "завтра в 15 встреча"')
        try:
            _check_tz(zone_name)
        except ValueError as e:
            raise OrganizerError(str(e), "use a name like Europe/Moscow") from None
        try:
            ref = _now_arg(now, zone_name)
        except ValueError:
            raise OrganizerError(f"--now {now!r} is not an ISO-8601 time",
                                 "e.g. --now 2026-11-23T10:00:00+03:00") from None
        result = parse(text, ref, zone_name, canon).to_dict()
        sys.stdout.flush()
        _write(sys.stdout.buffer, result)
