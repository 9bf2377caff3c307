"""Random conversations through the real pipeline keep its invariants.

Each example is a fresh chat on the same test database: a list of messages, button
presses and clock jumps, drawn by hypothesis, then the invariants are checked.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.pipeline import buttons

SAYINGS = [
    "встреча с Петей",
    "завтра в 15",
    "купить молоко",
    "отмена",
    "перенеси встречу с Петей",
    "созвон с Олей",
    "в 16",
    "😀",
    "отмени встречу",
    "что у меня завтра",
    "готово молоко",
    "напомни в 10",
    "позвонить маме",
    "на пятницу",
    "meeting with Anna",
    "",
]
STEPS = st.one_of(
    st.sampled_from(SAYINGS).map(lambda s: ("say", s)),
    st.integers(min_value=0, max_value=5).map(lambda i: ("press", i)),
    st.sampled_from([60, 20 * 60]).map(lambda s: ("wait", s)),
)
CHATS = itertools.count(1000)


@given(st.lists(STEPS, min_size=1, max_size=10))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_conversations_keep_the_invariants(pipe, steps):
    chat = next(CHATS)
    pipe.chat_id = chat
    last_buttons: list[tuple[str, str]] = []
    for kind, arg in steps:
        if kind == "say":
            reply = pipe.say(arg)  # asserts: row DONE, exactly one reply
            last_buttons = buttons(reply) or last_buttons
        elif kind == "press" and last_buttons:
            out = pipe.press(last_buttons[arg % len(last_buttons)][1])
            last_buttons = buttons(out) or last_buttons
        elif kind == "wait":
            pipe.advance(seconds=arg)
            pipe.tick()
    conn = pipe.conn
    items = conn.execute("SELECT * FROM items WHERE chat_id = ?", (chat,)).fetchall()
    q = conn.execute("SELECT * FROM clarify WHERE chat_id = ?", (chat,)).fetchone()
    drafts = [i for i in items if i["status"] == "DRAFT"]
    # a draft always has its open question, and there is at most one
    assert len(drafts) <= 1
    if drafts:
        assert q is not None and q["item_id"] == drafts[0]["id"] and q["purpose"] == "complete"
    if q is not None:
        (item,) = [i for i in items if i["id"] == q["item_id"]]
        assert item["status"] == ("DRAFT" if q["purpose"] == "complete" else "OPEN")
        assert set(json.loads(q["missing"])) <= {"date", "time", "title"}
    for i in items:
        # calendar state follows the contract (CALENDAR_BACKEND=none)
        complete_meeting = i["type"] == "meeting" and i["status"] in ("OPEN", "DONE")
        assert i["cal_state"] == ("LOCAL" if complete_meeting else "NONE") or (
            i["type"] == "meeting" and i["status"] == "CANCELLED"
        )
        if i["type"] == "meeting" and i["status"] == "OPEN":
            assert i["start_at"] is not None
            assert i["all_day"] or i["end_at"] > i["start_at"]
    # every inbox row of the chat is finished and answered exactly once
    rows = conn.execute(
        "SELECT id, kind, status FROM inbox_queue WHERE chat_id = ?", (chat,)
    ).fetchall()
    for r in rows:
        assert r["status"] == "DONE"
        n = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE inbox_id = ? AND kind != 'callback_answer'",
            (r["id"],),
        ).fetchone()[0]
        assert n == 1, (r["kind"], n)
