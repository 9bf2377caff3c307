"""One check's result, shared by `organizer doctor` and the checks other packages own.

Its own module so a package's check (calendars/doctor.py) needs nothing from
organizer.doctor, which imports those checks: no import circle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, WARN, FAIL
    detail: str
