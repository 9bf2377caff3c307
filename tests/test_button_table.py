"""One button dispatcher (issue 15): every prefix a keyboard emits has exactly one handler.

The pipeline and the reminders each declare the callback-data prefixes they answer
(`BUTTONS`); organizer.registry.button_table joins them for the worker. The emitted
prefixes are read two ways: from the keyboards themselves (built for sample items)
and from the source of every module that builds keyboards, so a new button whose
prefix nobody answers (or two owners answer) fails here.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from organizer import reminders
from organizer.config import Settings
from organizer.db.items import Item
from organizer.handlers import build_plugins
from organizer.pipeline import agenda, buttons, lists, replies
from organizer.registry import Callback, button_table
from organizer.reminders import texts

SRC = Path(__file__).resolve().parents[1] / "src" / "organizer"
# The modules that build inline keyboards (a `button(...)` call or a "callback_data" key).
KEYBOARD_MODULES = {
    "pipeline/replies.py", "pipeline/agenda.py", "pipeline/choice.py", "reminders/texts.py",
    "pipeline/lists.py",
}  # fmt: skip
RELAYS = {"bot/limits.py"}  # checks keyboards it is given, emits none of its own
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OWNERS = {"pipeline": buttons.BUTTONS, "reminders": reminders.BUTTONS}


def _item(type_: str, *, rrule: str | None = None) -> Item:
    return Item(
        id=12, chat_id=100, inbox_id=None, type=type_, title="x", status="OPEN",
        start_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC), end_at=None, all_day=False,
        rrule=rrule, tz="UTC", source_text=None, cal_state="NONE", cal_op=None,
        cal_uid=None, cal_event_id=None, lang="ru", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _built_keyboards() -> list[replies.Keyboard]:
    task, meeting, note = _item("task"), _item("meeting"), _item("note")
    series = _item("meeting", rrule="FREQ=DAILY")
    kw = {"tz": "UTC", "now": NOW, "lang": "ru"}
    return [
        replies.item_keyboard(task, "ru"),
        replies.item_keyboard(meeting, "ru"),
        replies.item_keyboard(note, "ru"),
        replies.pick_keyboard(task.id, [NOW.replace(hour=15)], **kw),
        replies.question_keyboard(task, ("title",), **kw),
        replies.select_keyboard([task], "cancel", **kw),
        agenda.agenda_keyboard([task], "ru"),
        texts._reminder_keyboard(task, task.start_at, "UTC", "ru"),  # type: ignore[arg-type]
        texts._reminder_keyboard(series, series.start_at, "UTC", "ru"),  # type: ignore[arg-type]
        texts.series_question(series, series.start_at, tz="UTC", lang="ru", now=NOW)[1],
        lists.render_notes([note] * lists.PAGE, [NOW] * lists.PAGE, page=0,
                           total=lists.PAGE + 1, tz="UTC", lang="ru")[1],  # «Ещё»
    ]


def _prefixes_in_keyboards() -> set[str]:
    return {
        b["callback_data"].split(":", 1)[0]
        for kb in _built_keyboards()
        for row in kb
        for b in row
    }


def _prefixes_in_source() -> set[str]:
    """f-strings `<word>:{…}` in the keyboard modules: the callback data they build."""
    found = set()
    for rel in KEYBOARD_MODULES:
        for node in ast.walk(ast.parse((SRC / rel).read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and len(node.values) > 1:
                head = node.values[0]
                if isinstance(head, ast.Constant):
                    m = re.fullmatch(r"([a-z]{1,16}):", str(head.value))
                    if m:
                        found.add(m.group(1))
    return found


def test_every_emitted_prefix_has_exactly_one_handler(
    settings: Settings, conn: sqlite3.Connection
) -> None:
    emitted = _prefixes_in_keyboards() | _prefixes_in_source()
    assert {"done", "cancel", "resched", "pick", "sel", "snooze", "late", "cxo", "cxs"} <= emitted
    table = build_plugins(settings, conn).buttons
    for prefix in sorted(emitted):
        owners = [name for name, own in OWNERS.items() if prefix in own]
        assert len(owners) == 1, f"prefix {prefix!r} is answered by {owners or 'nobody'}"
        assert prefix in table, f"prefix {prefix!r} is not in the worker's button table"
    assert set(table) == emitted, f"handlers for prefixes no keyboard emits: {set(table) - emitted}"


def test_a_prefix_claimed_twice_is_refused_at_start() -> None:
    def one(ctx, row, cb: Callback) -> bool:  # type: ignore[no-untyped-def]
        return True

    with pytest.raises(ValueError, match="'done' has two handlers"):
        button_table({"done": one}, {"done": one})


def test_only_the_known_modules_build_keyboards() -> None:
    """A keyboard built elsewhere would escape the prefix check above: list it there."""
    builders = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "callback_data" for k in node.keys
            ):
                builders.add(path.relative_to(SRC).as_posix())
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                if name == "button":
                    builders.add(path.relative_to(SRC).as_posix())
    assert builders - RELAYS <= KEYBOARD_MODULES, builders - RELAYS - KEYBOARD_MODULES
