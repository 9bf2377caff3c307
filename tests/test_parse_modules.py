"""The grammar modules were split (clock.py out of times.py; date_math.py, periods.py and
date_words.py out of dates.py); every public name callers imported before stays importable
from where it was."""

from __future__ import annotations

import importlib

import pytest

BEFORE_SPLIT = {
    "organizer.parsing.dates": (
        "DATE_PREPS day_parts last_day match_date_range match_day_of_month "
        "match_explicit_date match_last_day match_month match_month_name match_nth_weekday "
        "match_period_end match_relative_day match_week match_weekday next_day_month "
        "next_day_of_month next_dom_on_weekday next_week_day next_weekday nth_weekday_in "
        "period_end period_mid period_start resolve_dm resolve_month_name "
        "resolve_nth_weekday safe_date"
    ),
    "organizer.parsing.times": (
        "DEADLINE_PREPS HOUR_NOUNS LOOSE_PREPS MIDNIGHT NOON STRONG_PREPS ZONE_ABBR clock "
        "marker match_time match_time_range zone_after"
    ),
}


@pytest.mark.parametrize("module", sorted(BEFORE_SPLIT))
def test_public_names_stay_importable(module: str) -> None:
    mod = importlib.import_module(module)
    names = BEFORE_SPLIT[module].split()
    assert [n for n in names if not hasattr(mod, n)] == []
    assert sorted(mod.__all__) == sorted(names)


def test_reexports_are_the_same_objects() -> None:
    from organizer.parsing import clock, date_math, dates, periods, times

    assert times.clock is clock.clock and times.marker is clock.marker
    assert dates.resolve_dm is date_math.resolve_dm
    assert dates.match_month_name is periods.match_month_name
