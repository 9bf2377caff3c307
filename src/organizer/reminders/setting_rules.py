"""What a /settings, /tz or location message asks to change. PURE.

`decide` turns the command's words into a `Change` (a users column and its new value)
or a `Problem` (what to tell the person); organizer.reminders.settings applies it.
The zone of a location comes from `zone_at` (timezonefinder in the shell), so this
module reads neither files nor the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from organizer import schedule

ZONE_WORDS = ("tz", "zone", "timezone", "location")
AGENDA_OFF = ("off", "выкл", "нет")
LANG_WORDS = ("lang", "language", "язык")


@dataclass(frozen=True)
class Show:
    """Show the settings (no words, or a word we do not know)."""


@dataclass(frozen=True)
class Problem:
    """Say what is wrong: `kind` names a text in organizer.reminders.texts."""

    kind: str  # location | no_zone_there | agenda | lead | lang | zone_shown | not_a_zone
    value: str = ""


@dataclass(frozen=True)
class Change:
    """Set one users column; `resync` when every pending reminder of the chat moves."""

    column: str
    value: str | int
    resync: bool


Decision = Show | Problem | Change
ZoneAt = Callable[[float, float], "str | None"]


def _location(value: str, zone_at: ZoneAt) -> str | Problem:
    try:
        lat_s, lon_s = value.split(",")
        lat, lon = float(lat_s), float(lon_s)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError
    except ValueError:
        return Problem("location")
    name = zone_at(lat, lon)
    return Problem("no_zone_there") if name is None else name


def _zone(what: str, value: str, zone_at: ZoneAt) -> Decision:
    if what == "location":
        found = _location(value, zone_at)
        if isinstance(found, Problem):
            return found
        value = found
    if not value:
        return Problem("zone_shown")
    if not schedule.valid_zone(value):
        return Problem("not_a_zone", value)
    return Change("tz", value, resync=True)


def _agenda(value: str) -> Decision:
    v = value.lower()
    if v in AGENDA_OFF:
        return Change("agenda_time", "off", resync=False)
    try:
        at = schedule.parse_hhmm(v)
    except schedule.ScheduleError:
        return Problem("agenda")
    return Change("agenda_time", at.strftime("%H:%M"), resync=False)


def _lead(value: str) -> Decision:
    try:
        n = int(value.removesuffix("m").removesuffix("min").strip())
        if not 0 <= n <= 24 * 60:
            raise ValueError
    except ValueError:
        return Problem("lead")
    return Change("reminder_lead_min", n, resync=True)


def _lang(value: str) -> Decision:
    v = value.lower()[:2]
    if v not in ("ru", "en"):
        return Problem("lang")
    return Change("lang", v, resync=False)


def decide(words: list[str], zone_at: ZoneAt) -> Decision:
    """`words`: the command's arguments, the setting's name first."""
    if not words:
        return Show()
    what, value = words[0].lower(), " ".join(words[1:]).strip()
    if what in ZONE_WORDS:
        return _zone(what, value, zone_at)
    if what == "agenda":
        return _agenda(value)
    if what == "lead":
        return _lead(value)
    if what in LANG_WORDS:
        return _lang(value)
    return Show()
