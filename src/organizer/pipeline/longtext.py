"""A long pasted text is a note, not a dated task. PURE.

People paste a paragraph (an article, a letter, a recipe) to keep it. Read as a command
it became a task titled with the whole paragraph, dated by whatever date its prose
mentioned. The rule (docs/PIPELINE.md, "Long texts"):

  a message is a PASTE when it is longer than LONG_CHARS (280) characters AND has at
  least two sentences (a sentence end «. ! ? …» or a line break followed by more text),
  AND does not lead with an explicit command (напомни / remind me, отмени / cancel,
  перенеси / move, готово / done).

A paste is kept as a note: its title is the first phrase, cut at a word to TITLE_CHARS
(60) characters; the whole text is kept as the item's source_text; dates inside the
prose are not used. A leading note word («заметка:», "note:") is left out of the title.
"""

from __future__ import annotations

import re

LONG_CHARS = 280
TITLE_CHARS = 60

_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*\s+\S|\n\s*\S")
_COMMAND = re.compile(
    r"^\W*(?:напомни|напомните|напомнить|отмени|отменить|удали|удалить|перенеси|перенести|"
    r"сдвинь|готово|сделано|remind|cancel|delete|move|reschedule|done)\b",
    re.IGNORECASE,
)
_NOTE_LEAD = re.compile(
    r"^\W*(?:заметка|запиши|запомни|note to self|note|memo|jot down)\b\s*[:\-—–]?\s*",
    re.IGNORECASE,
)
_FIRST_PHRASE = re.compile(r"[.!?…:;\n]")


def is_paste(text: str) -> bool:
    """Long prose with no leading command (the rule above)."""
    body = text.strip()
    if len(body) <= LONG_CHARS or _COMMAND.match(body):
        return False
    return _SENTENCE_END.search(body) is not None


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–—-") + "…"


def note_title(text: str) -> str:
    """The first phrase of the text, at most TITLE_CHARS characters, cut at a word."""
    body = _NOTE_LEAD.sub("", text.strip(), count=1).strip() or text.strip()
    first = _FIRST_PHRASE.split(body, maxsplit=1)[0].strip()
    if len(first) < 3:
        first = body
    first = " ".join(first.split())
    first = _cut(first, TITLE_CHARS)
    return first[:1].upper() + first[1:]
