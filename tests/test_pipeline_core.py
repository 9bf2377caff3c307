"""The pure core of the pipeline: dialog decisions, matching, reply texts, agenda.

No database, no clock: properties with hypothesis plus the exact texts people see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.pipeline import agenda, dialog, matching, replies
from organizer.pipeline.dialog import OpenQuestion, Parsed

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)


@dataclass
class It:
    id: int
    type: str
    title: str | None
    status: str = "OPEN"
    start_at: datetime | None = None
    end_at: datetime | None = None
    all_day: bool = False
    rrule: str | None = None


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


# ---------------------------------------------------------------- replies


def test_russian_months_in_the_genitive_and_weekdays():
    assert replies.day_text(date(2026, 11, 24), NOW.date(), "ru") == "завтра, 24 ноября"
    assert replies.day_text(date(2026, 11, 27), NOW.date(), "ru") == "пятница, 27 ноября"
    assert replies.day_text(date(2027, 3, 8), NOW.date(), "ru") == "8 марта 2027"
    assert replies.day_text(date(2026, 11, 27), NOW.date(), "en") == "Friday, 27 November"
    months = [replies.day_text(date(2027, m, 20), NOW.date(), "ru") for m in range(1, 13)]
    assert [m.split()[1] for m in months] == list(replies.RU_MONTHS_GEN)


def test_describe_meeting_all_day_and_multi_day():
    meeting = It(1, "meeting", "Встреча с Петей", start_at=at(24, 15), end_at=at(24, 16))
    assert replies.describe(meeting, tz="Europe/Moscow", now=NOW, lang="ru") == (
        "Встреча с Петей — завтра, 24 ноября, 15:00–16:00"
    )
    trip = It(2, "meeting", "Отпуск", start_at=at(26), end_at=at(29), all_day=True)
    assert replies.describe(trip, tz="Europe/Moscow", now=NOW, lang="ru") == (
        "Отпуск — четверг, 26 ноября – суббота, 28 ноября, весь день"
    )
    late = It(3, "meeting", "Party", start_at=at(24, 23), end_at=at(25, 1))
    assert replies.describe(late, tz="Europe/Moscow", now=NOW, lang="en") == (
        "Party — tomorrow, 24 November, 23:00 – the day after tomorrow, 25 November, 01:00"
    )
    weekly = It(4, "meeting", "Планёрка", start_at=at(30, 10), end_at=at(30, 11),
                rrule="FREQ=WEEKLY;BYDAY=MO")  # fmt: skip
    assert replies.describe(weekly, tz="Europe/Moscow", now=NOW, lang="ru").endswith(
        "10:00–11:00 (каждый понедельник)"
    )


def test_shown_in_the_chats_zone():
    meeting = It(1, "meeting", "Call", start_at=at(24, 15), end_at=at(24, 16))
    text = replies.describe(meeting, tz="Europe/Berlin", now=NOW, lang="en")
    assert text == "Call — tomorrow, 24 November, 13:00–14:00"


def test_language_choice():
    assert replies.pick_lang(user_lang=None, payload_lang="en-US", text="привет") == "en"
    assert replies.pick_lang(user_lang=None, payload_lang="ru", text="hello") == "ru"
    assert replies.pick_lang(user_lang="en", payload_lang="ru", text="привет") == "en"
    assert replies.pick_lang(user_lang=None, payload_lang=None, text="buy milk") == "en"
    assert replies.pick_lang(user_lang=None, payload_lang=None, text="купить milk") == "ru"
    assert replies.pick_lang(user_lang=None, payload_lang=None, text="😀 15") == "ru"


def test_keyboards_fit_the_item():
    task = It(5, "task", "Купить молоко")
    assert [b["callback_data"] for b in replies.item_keyboard(task, "ru")[0]] == [
        "done:5", "resched:5", "cancel:5",
    ]  # fmt: skip
    assert replies.item_keyboard(It(5, "task", "x", status="DONE"), "ru") == []
    note = It(6, "note", "Код")
    assert [b["text"] for b in replies.item_keyboard(note, "en")[0]] == ["Delete"]


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    st.sampled_from(["Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]),
    st.integers(min_value=0, max_value=10**12),
)
@settings(max_examples=200, deadline=None)
def test_suggested_times_are_future_and_buttons_fit(naive, tz, item_id):
    now = naive.replace(tzinfo=UTC)
    times = replies.suggest_times(None, now=now, tz=tz)
    assert 1 <= len(times) <= 4
    assert all(t > now for t in times)
    assert times == sorted(times)
    for t in times:
        data = replies.pick_data(item_id, t, tz)
        assert len(data.encode()) <= 64
        stamp = data.rsplit(":", 1)[1]
        assert datetime.strptime(stamp, "%Y%m%d%H%M") == t.replace(tzinfo=None)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    st.integers(min_value=-400, max_value=400),
    st.integers(min_value=0, max_value=3 * 24 * 60),
    st.booleans(),
    st.sampled_from(["Europe/Moscow", "Europe/Berlin", "America/New_York", "Australia/Sydney"]),
    st.sampled_from(["ru", "en"]),
)
@settings(max_examples=300, deadline=None)
def test_describe_any_time_in_any_zone(naive_now, days, minutes, all_day, tz, lang):
    now = naive_now.replace(tzinfo=UTC)
    start = now + timedelta(days=days)
    item = It(1, "meeting", "X", start_at=start, end_at=start + timedelta(minutes=minutes),
              all_day=all_day)  # fmt: skip
    text = replies.describe(item, tz=tz, now=now, lang=lang)
    assert text.startswith("X — ")
    if not all_day:
        assert replies.clock(start.astimezone(ZoneInfo(tz))) in text
    label = replies.short_label(item, tz=tz, now=now, lang=lang)
    assert 0 < len(label) <= 40


# ---------------------------------------------------------------- matching


def test_stems_handle_russian_cases():
    assert matching.stems("Встречу с Петей") == matching.stems("встреча с Петей")
    assert matching.stems("созвона с Олей") == matching.stems("Созвон с Олей")
    assert matching.stems("the meetings") == ["meeting"]


def test_find_one_several_none():
    items = [
        It(1, "meeting", "Встреча с Петей", start_at=at(24, 15)),
        It(2, "meeting", "Встреча с Олей", start_at=at(27, 12)),
        It(3, "task", "Купить молоко"),
    ]
    tz = "Europe/Moscow"
    assert matching.find("встречу с Петей", items, tz=tz).items[0].id == 1
    assert matching.find("молоко", items, tz=tz).items[0].id == 3
    m = matching.find("встречу", items, tz=tz)
    assert m.outcome == "several" and {i.id for i in m.items} == {1, 2}
    m = matching.find("встречу", items, day=date(2026, 11, 27), tz=tz)
    assert m.outcome == "one" and m.items[0].id == 2
    assert matching.find("встречу с Васей", items, tz=tz).outcome == "none"
    assert matching.find(None, items, tz=tz).outcome == "none"
    assert matching.find(None, items, day=date(2026, 11, 24), tz=tz).items[0].id == 1
    # a generic word finds an item by its type
    assert matching.find("задачу", items, tz=tz).items[0].id == 3


titles = st.lists(
    st.sampled_from(["встреча", "Петей", "Олей", "купить", "молоко", "call", "mom", "созвон"]),
    min_size=0,
    max_size=4,
).map(" ".join)


@given(st.lists(titles, max_size=8), titles)
@settings(max_examples=200, deadline=None)
def test_find_only_returns_candidates(item_titles, query):
    items = [It(i, "task", t or None) for i, t in enumerate(item_titles)]
    m = matching.find(query or None, items, tz="UTC")
    assert set(map(id, m.items)) <= set(map(id, items))
    assert (m.outcome == "one") == (len(m.items) == 1 and m.outcome != "several")
    assert (m.outcome == "none") == (not m.items)


# ---------------------------------------------------------------- dialog

INTENTS = ["task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown"]
parsed = st.builds(
    Parsed,
    intent=st.sampled_from(INTENTS),
    title=st.one_of(st.none(), st.sampled_from(["Встреча с Петей", "Купить молоко", "Давай"])),
    start=st.one_of(st.none(), st.sampled_from([at(24), at(24, 15), at(27, 11)])),
    end=st.none(),
    all_day=st.booleans(),
    rrule=st.none(),
    needs=st.lists(st.sampled_from(["date", "time", "title"]), unique=True).map(tuple),
)
questions = st.builds(
    OpenQuestion,
    item_id=st.integers(min_value=1, max_value=10**6),
    purpose=st.sampled_from(["complete", "reschedule"]),
    missing=st.sampled_from([("date", "time"), ("time",), ("date",), ("title",)]),
    item_type=st.sampled_from(["task", "meeting", "note"]),
    item_title=st.one_of(st.none(), st.just("Встреча с Петей")),
    item_start=st.one_of(st.none(), st.just(at(26))),
    item_all_day=st.booleans(),
)

NEW = (dialog.NewItem, dialog.NewDraft, dialog.Act, dialog.Agenda, dialog.Unknown)


@given(parsed)
@settings(max_examples=300, deadline=None)
def test_without_a_question_nothing_refers_to_a_draft(p):
    d = dialog.decide(p, None)
    assert isinstance(d, NEW)
    if isinstance(d, dialog.NewItem):
        assert p.intent in dialog.CREATABLE and not p.needs
    if isinstance(d, dialog.NewDraft):
        assert p.intent in dialog.CREATABLE and p.needs


@given(parsed, questions, st.one_of(st.none(), parsed))
@settings(max_examples=500, deadline=None)
def test_with_a_question_answers_go_to_the_same_item(p, q, combined):
    d = dialog.decide(p, q, combined)
    if isinstance(d, dialog.FillDraft | dialog.AskAgain | dialog.Reschedule | dialog.CancelQuestion):
        assert d.item_id == q.item_id
    if isinstance(d, dialog.FillDraft):
        assert set(d.missing) <= set(q.missing)
        assert d.parsed.intent == q.item_type  # the draft keeps its kind
    if isinstance(d, dialog.Reschedule):
        assert q.purpose == "reschedule" and d.parsed.start is not None


@given(
    st.builds(
        Parsed,
        intent=st.just("unknown"),
        title=st.none(),
        start=st.one_of(st.none(), st.sampled_from([at(24), at(24, 15)])),
        end=st.none(),
        all_day=st.booleans(),
        rrule=st.none(),
        needs=st.just(()),
    ),
    questions,
)
@settings(max_examples=300, deadline=None)
def test_an_unknown_message_never_makes_a_second_item(p, q):
    d = dialog.decide(p, q, None)
    assert isinstance(d, dialog.FillDraft | dialog.AskAgain | dialog.Reschedule)


def test_clarify_rules_by_example():
    q = OpenQuestion(9, "complete", ("date", "time"), "meeting", "Встреча с Петей", None, False)
    milk = Parsed("task", "Купить молоко", None, None, False, None, ())
    assert isinstance(dialog.decide(milk, q), dialog.NewItem)
    other = Parsed("meeting", "Созвон с Олей", None, None, False, None, ("date", "time"))
    d = dialog.decide(other, q)
    assert isinstance(d, dialog.NewDraft) and d.replaces == 9
    same = Parsed("meeting", "встречу с Петей", at(24, 15), at(24, 16), False, None, ())
    d = dialog.decide(same, q, same)
    assert isinstance(d, dialog.FillDraft) and d.missing == () and d.item_id == 9
    bare_cancel = Parsed("cancel", None, None, None, False, None, ("title",))
    assert isinstance(dialog.decide(bare_cancel, q), dialog.CancelQuestion)
    filler = Parsed("task", "Давай", at(23, 16), None, False, None, ())
    combined = Parsed("meeting", "Встреча с Петей давай", at(23, 16), at(23, 17), False, None, ())
    d = dialog.decide(filler, q, combined)
    assert isinstance(d, dialog.FillDraft) and d.parsed.title == "Встреча с Петей"
    day_only = Parsed("unknown", None, at(24), None, True, None, ())
    d = dialog.decide(day_only, q, None)
    assert isinstance(d, dialog.FillDraft) and d.missing == ("time",)


def test_says_date():
    for text in ["перенеси на завтра в 17", "на пятницу", "27.11 в 10", "move to Friday 3pm",
                 "tomorrow at 5", "через неделю"]:  # fmt: skip
        assert dialog.says_date(text), text
    for text in ["перенеси встречу с Петей на 17", "move the call to 4pm", "в 15:30"]:
        assert not dialog.says_date(text), text


# ---------------------------------------------------------------- agenda


def test_agenda_texts():
    tz = "Europe/Moscow"
    start, end = agenda.day_range(date(2026, 11, 24), 1, tz)
    assert agenda.render_agenda([], start, end, tz=tz, now=NOW, lang="ru") == (
        "Завтра, 24 ноября: ничего не запланировано."
    )
    items = [
        It(1, "meeting", "Встреча с Петей", start_at=at(24, 15), end_at=at(24, 16)),
        It(2, "task", "Купить молоко", start_at=at(24), all_day=True),
    ]
    overdue = [It(3, "task", "Оплатить счёт", start_at=at(20), all_day=True)]
    text = agenda.render_agenda(items, start, end, tz=tz, now=NOW, lang="ru", overdue=overdue)
    assert text == (
        "Завтра, 24 ноября:\n• 15:00–16:00 Встреча с Петей\n• ☐ Купить молоко\n\n"
        "Просрочено:\n• пятница, 20 ноября ☐ Оплатить счёт"
    )
    wstart, wend = agenda.week_range(NOW.date(), tz)
    week = agenda.render_agenda(items, wstart, wend, tz=tz, now=NOW, lang="en")
    assert week.splitlines()[:2] == ["23 November – 29 November:", "Tomorrow, 24 November:"]
    assert [r[0]["callback_data"] for r in agenda.agenda_keyboard(items + overdue, "ru")] == [
        "done:2", "done:3",
    ]  # fmt: skip


def test_week_range_is_monday_to_monday():
    s, e = agenda.week_range(date(2026, 11, 26), "Europe/Moscow")
    assert (s.date(), e.date(), e - s) == (date(2026, 11, 23), date(2026, 11, 30), timedelta(7))
