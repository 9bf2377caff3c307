"""Issue 16 #4/#5/#9, the pure parts of "how people say move": the verbs and forms of a
relative shift (parsing/shift.py, parsing/movewords.py) and the corrections said without
a move verb (pipeline/corrections.py). Wordings of our own, not the dialogue sets'."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from organizer.parsing import parse
from organizer.pipeline import corrections

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)  # Monday


@pytest.mark.parametrize(
    ("text", "title", "minutes", "days"),
    [
        # other verbs, an amount alone after them: later
        ("отодвинь созвон на 40 минут", "Созвон", 40, None),
        ("подвинь на полчаса пораньше", None, -30, None),
        ("delay the dentist by a day", "Dentist", None, 1),
        ("postpone it a week", None, None, 7),
        ("перенеси на неделю", None, None, 7),
        ("push it 20 minutes", None, 20, None),
        # back / forward / up with a, an, one
        ("push the haircut back two days", "Haircut", None, 2),
        ("push it back an hour", None, 60, None),
        ("bring the standup forward by twenty minutes", "Standup", -20, None),
        ("pull the review forward by an hour", "Review", -60, None),
        ("move it up by half an hour", None, -30, None),
        ("shift it ten minutes later", None, 10, None),
        # no move verb, but a direction: a shift of the item named
        ("ужин с Машей на час позже", "Ужин с Машей", 60, None),
        ("make the dinner an hour earlier", "The dinner", -60, None),
        ("make it one day later", None, None, 1),
        ("push it back by a couple of days", None, None, 2),
        ("перенеси на пару часов позже", None, 120, None),
        ("на четверть часа позже", None, 15, None),
        ("quarter of an hour earlier", None, -15, None),
        ("передвинь на пол часа раньше", None, -30, None),
        ("на денёк позже", None, None, 1),
        ("push it out a week", None, None, 7),
        ("перенеси на следующий день", None, None, 1),
        ("move the dentist to the next day", "Dentist", None, 1),
    ],
)
def test_move_verbs_and_forms_give_a_shift(
    text: str, title: str | None, minutes: int | None, days: int | None
) -> None:
    r = parse(text, NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.start) == ("reschedule", title, None)
    assert (r.shift_minutes, r.shift_days) == (minutes, days)


@pytest.mark.parametrize(
    ("text", "title", "start"),
    [
        ("shift the sync to 4pm", "Sync", datetime(2026, 11, 23, 16, tzinfo=MSK)),
        ("pull the review forward to 9am tomorrow", "Review", datetime(2026, 11, 24, 9, tzinfo=MSK)),
        ("подвинь планёрку на 12", "Планёрку", datetime(2026, 11, 23, 12, tzinfo=MSK)),
        # a clock time and a length are not shifts (guards)
        ("перенеси созвон на 16 на полчаса", "Созвон", datetime(2026, 11, 23, 16, tzinfo=MSK)),
        ("перенеси созвон с Мариной на час дня", "Созвон с Мариной",
         datetime(2026, 11, 23, 13, tzinfo=MSK)),
    ],
)  # fmt: skip
def test_move_verbs_with_a_new_time(text: str, title: str, start: datetime) -> None:
    r = parse(text, NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.start, r.shift_minutes) == ("reschedule", title, start, None)


def test_words_that_are_not_moves_stay_as_they_were() -> None:
    shift = parse("shift at the hospital from 11pm to 7am", NOW, "Europe/Moscow")
    assert (shift.intent, shift.title) == ("meeting", "Shift at the hospital")
    bring = parse("bring the documents tomorrow", NOW, "Europe/Moscow")
    assert (bring.intent, bring.title) == ("task", "Bring the documents")
    walk = parse("через 2 часа погулять с собакой", NOW, "Europe/Moscow")
    assert walk.intent == "task" and walk.shift_minutes is None


def test_a_shift_before_a_new_item_is_not_a_move() -> None:
    r = parse("2 hours later call mom", NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.shift_minutes) == ("task", "Call mom", None)
    r = parse("move it to the day after tomorrow", NOW, "Europe/Moscow")
    assert (r.shift_days, r.start) == (None, datetime(2026, 11, 25, tzinfo=MSK))


def test_the_same_time_in_other_words() -> None:
    for text in ("перенеси стоматолога на пятницу, время то же",
                 "move the dentist to Friday keeping the time"):  # fmt: skip
        r = parse(text, NOW, "Europe/Moscow")
        assert (r.intent, r.all_day, r.start) == (
            "reschedule",
            True,
            datetime(2026, 11, 27, tzinfo=MSK),
        )
        assert r.title is not None and "врем" not in r.title and "time" not in r.title


def test_the_same_time_is_never_a_title() -> None:
    r = parse("на четверг на то же время", NOW, "Europe/Moscow")
    assert r.title is None and r.start == datetime(2026, 11, 26, tzinfo=MSK)
    assert "title" in r.needs
    r = parse("перенеси то же время, но в среду", NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.all_day) == ("reschedule", None, True)


@pytest.mark.parametrize(
    ("text", "moved", "sure"),
    [
        ("ok, make it 3pm then", "move to 3pm", True),
        ("ну лучше в среду", "перенеси в среду", True),
        ("нет, пусть будет в 19:30", "перенеси в 19:30", True),
        ("а можно на 18?", "перенеси на 18", False),
        ("how about Wednesday", "move Wednesday", False),
        ("4pm instead", "move to 4pm", True),
        ("change it to noon please", "move noon", True),
        ("давайте на полчаса позже", "перенеси на полчаса позже", False),
    ],
)
def test_a_correction_reads_as_a_move(text: str, moved: str, sure: bool) -> None:
    said = corrections.reread(text)
    assert said is not None and (said.text, said.sure, said.named) == (moved, sure, False)
    r = parse(said.text, NOW, "Europe/Moscow")
    assert r.intent == "reschedule" and r.title is None
    assert r.start is not None or r.shift_minutes is not None


def test_a_verb_correction_may_name_its_item() -> None:
    said = corrections.reread("перекиньте стрижку на субботу")
    assert said is not None and said.named and said.text == "перенеси стрижку на субботу"


def test_not_a_correction() -> None:
    assert corrections.reread("купить хлеб завтра") is None
    assert corrections.reread("давай") is None
    assert corrections.names_a_move("haircut to Friday, same time")
    assert corrections.names_a_move("стрижку на пятницу на то же время")
    assert not corrections.names_a_move("send the slides to Friday's meeting")
    assert not corrections.names_a_move("talk to Anna tomorrow")
