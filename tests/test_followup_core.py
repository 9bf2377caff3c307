"""Issue 16 #3/#4/#5/#9, the pure parts with plain values: the relative-shift parse hook
(parsing/shift.py), an item's shifted times (pipeline/shifts.py) and what "it" means
(pipeline/referent.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from organizer.parsing import parse
from organizer.pipeline import dialog, referent, shifts
from organizer.pipeline.dialog import OpenQuestion, Parsed
from organizer.pipeline.referent import ActOn, AskWhich, Referent

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)  # Monday


@dataclass(frozen=True)
class It:
    id: int = 7
    type: str = "meeting"
    title: str | None = "Обед с Олей"
    status: str = "OPEN"
    start_at: datetime | None = datetime(2026, 11, 23, 13, 0, tzinfo=MSK)
    end_at: datetime | None = datetime(2026, 11, 23, 14, 30, tzinfo=MSK)
    all_day: bool = False
    rrule: str | None = None


def p(intent: str, title: str | None = None, **kw: object) -> Parsed:
    base: dict[str, object] = {"start": None, "end": None, "all_day": False, "rrule": None,
                               "needs": ()}  # fmt: skip
    base.update(kw)
    return Parsed(intent, title, **base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the parse hook


@pytest.mark.parametrize(
    ("text", "title", "minutes", "days"),
    [
        ("перенеси на час позже", None, 60, None),
        ("push it by 30 minutes", None, 30, None),
        ("сдвинь на 15 минут раньше", None, -15, None),
        ("на день позже", None, None, 1),
        ("move lunch 30 minutes later", "Lunch", 30, None),
        ("перенеси встречу с Петей на 2 часа вперёд", "Встречу с Петей", 120, None),
        ("on a week later", None, None, 7),
        ("перенеси созвон на полчаса пораньше", "Созвон", -30, None),
        ("move the call forward by an hour", "Call", -60, None),
        ("сдвинь на двадцать минут позже", None, 20, None),
    ],
)
def test_a_relative_move_is_a_shift_not_a_clock_time(
    text: str, title: str | None, minutes: int | None, days: int | None
) -> None:
    r = parse(text, NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.start, r.end) == ("reschedule", title, None, None)
    assert (r.shift_minutes, r.shift_days) == (minutes, days)
    d = r.to_dict()
    assert d.get("shift_minutes") == minutes and d.get("shift_days") == days
    assert "date" in r.needs  # no absolute new time (CONVENTIONS): the shift says it


def test_no_shift_leaves_the_record_as_it_was() -> None:
    for text in ("через 2 часа позвонить маме", "встреча на 2 часа завтра в 15",
                 "через неделю в это же время позвонить маме", "перенеси на 17"):  # fmt: skip
        r = parse(text, NOW, "Europe/Moscow")
        assert r.shift_minutes is None and r.shift_days is None
        assert "shift_minutes" not in r.to_dict()


def test_same_time_in_a_reschedule_is_a_new_date_only() -> None:
    r = parse("стоматолога перенеси на пятницу на то же время", NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.all_day) == ("reschedule", "Стоматолога", True)
    assert r.start == datetime(2026, 11, 27, tzinfo=MSK)
    r = parse("move the dentist to Friday same time", NOW, "Europe/Moscow")
    assert (r.intent, r.all_day, r.start) == ("reschedule", True, datetime(2026, 11, 27, tzinfo=MSK))
    # outside a reschedule "в это же время" is still now's clock time
    r = parse("через неделю в это же время позвонить маме", NOW, "Europe/Moscow")
    assert r.start == datetime(2026, 11, 30, 10, 0, tzinfo=MSK) and not r.all_day


# ---------------------------------------------------------------- shifted times


def test_shift_keeps_the_length_and_moves_the_end() -> None:
    item = It()
    start, end, all_day = shifts.shifted(item, p("reschedule", shift_minutes=30), "Europe/Moscow", NOW)
    assert (start, end, all_day) == (datetime(2026, 11, 23, 13, 30, tzinfo=MSK),
                                     datetime(2026, 11, 23, 15, 0, tzinfo=MSK), False)  # fmt: skip
    start, end, _ = shifts.shifted(item, p("reschedule", shift_minutes=-15), "Europe/Moscow", NOW)
    assert start.hour == 12 and start.minute == 45 and end - start == timedelta(minutes=90)


def test_a_day_shift_keeps_the_wall_clock_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    item = It(start_at=datetime(2026, 3, 28, 9, 0, tzinfo=berlin), end_at=None, type="task")
    start, end, _ = shifts.shifted(item, p("reschedule", shift_days=1), "Europe/Berlin", NOW)
    assert start.astimezone(berlin).hour == 9 and start.astimezone(berlin).day == 29
    assert end is None


def test_all_day_and_undated_items_shift_sensibly() -> None:
    whole = It(start_at=datetime(2026, 11, 24, tzinfo=MSK), end_at=datetime(2026, 11, 25, tzinfo=MSK),
               all_day=True)  # fmt: skip
    start, end, all_day = shifts.shifted(whole, p("reschedule", shift_days=7), "Europe/Moscow", NOW)
    assert (start.day, end.day if end else None, all_day) == (1, 2, True)
    undated = It(type="task", start_at=None, end_at=None)
    start, end, all_day = shifts.shifted(undated, p("reschedule", shift_minutes=30), "Europe/Moscow", NOW)
    assert (start, end, all_day) == (NOW + timedelta(minutes=30), None, False)


# ---------------------------------------------------------------- the referent


def ref(*items: It, at: datetime = NOW) -> Referent:
    return Referent(items, at)


def test_an_unnamed_command_acts_on_the_referent() -> None:
    r = ref(It())
    for intent in ("complete", "cancel", "reschedule"):
        d = referent.decide(p(intent, needs=("title",)), None, r, NOW + timedelta(minutes=5))
        assert isinstance(d, ActOn) and d.item_id == 7 and d.parsed.intent == intent
    d = referent.decide(p("reschedule", "It", shift_minutes=30), None, r, NOW)
    assert isinstance(d, ActOn) and d.parsed.title is None


def test_two_referents_of_one_moment_ask_which_and_only_them() -> None:
    d = referent.decide(p("complete"), None, ref(It(id=1), It(id=2)), NOW)
    assert isinstance(d, AskWhich) and d.item_ids == (1, 2)


def test_an_old_or_closed_referent_is_not_it() -> None:
    late = referent.decide(p("complete"), None, ref(It()), NOW + referent.REFERENT_TTL + timedelta(seconds=1))
    assert isinstance(late, dialog.Act)  # the old rules: find it / ask among open items
    done = referent.decide(p("complete"), None, ref(It(status="DONE")), NOW)
    assert isinstance(done, dialog.Act)
    assert isinstance(referent.decide(p("complete"), None, None, NOW), dialog.Act)


def test_a_named_command_is_not_about_the_referent() -> None:
    d = referent.decide(p("cancel", "встречу с Петей"), None, ref(It()), NOW)
    assert isinstance(d, dialog.Act)


def test_object_first_moves_the_referent() -> None:
    gym = It(title="Тренировка", start_at=datetime(2026, 11, 23, 18, tzinfo=MSK), end_at=None)
    tomorrow = datetime(2026, 11, 24, tzinfo=MSK)
    d = referent.decide(p("meeting", "Тренировку", start=tomorrow, all_day=True, needs=("time",)),
                        None, ref(gym), NOW)  # fmt: skip
    assert isinstance(d, ActOn) and d.parsed.intent == "reschedule"
    # the same title with a full new time is a second item, not a move
    wed = datetime(2026, 11, 25, 10, tzinfo=MSK)
    d = referent.decide(p("meeting", "Тренировка", start=wed), None, ref(gym), NOW)
    assert isinstance(d, dialog.NewItem)
    # another title is another item
    d = referent.decide(p("meeting", "Обед", start=tomorrow, all_day=True), None, ref(gym), NOW)
    assert not isinstance(d, ActOn)


Q = OpenQuestion(9, "reschedule", ("date", "time"), "meeting", "Встреча с Петей", None, False)


def test_the_answer_to_a_reschedule_question_moves_its_item() -> None:
    d = referent.decide(p("reschedule", shift_minutes=60), Q, ref(It()), NOW)
    assert isinstance(d, dialog.Reschedule) and d.item_id == 9
    d = referent.decide(p("reschedule", start=NOW + timedelta(hours=7)), Q, ref(It()), NOW)
    assert isinstance(d, dialog.Reschedule) and d.item_id == 9


def test_a_bare_cancel_still_closes_an_open_draft_question() -> None:
    draft = OpenQuestion(9, "complete", ("time",), "meeting", "Встреча", None, False)
    d = referent.decide(p("cancel"), draft, ref(It()), NOW)
    assert isinstance(d, dialog.CancelQuestion)
