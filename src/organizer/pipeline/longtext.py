"""A long pasted text is a note, not a dated task. PURE.

People paste a paragraph (an article, a letter, a recipe) to keep it. Read as a command
it became a task titled with the whole paragraph, dated by whatever date its prose
mentioned. The rule (docs/PIPELINE.md, "Long texts"):

  a message is a PASTE when it is longer than LONG_CHARS (280) characters AND has at
  least two sentences (a sentence end «. ! ? …» or a line break followed by more text)
  or, dictated with no punctuation at all, at least PROSE_WORDS (40) different words,
  AND does not lead with an explicit command (напомни / remind me, отмени / cancel,
  перенеси / move, готово / done).

A paste is kept as a note: its title is the first phrase, at most TITLE_CHARS (60)
characters; the whole text is kept as the item's source_text; dates inside the prose are
not used. A leading note word («заметка:», "note:") is left out of the title. A first
phrase longer than that (dictation has no punctuation) is cut at a natural boundary: after
a leading label and its subject («мысли про переезд офиса», "thoughts about the office
move"), else after the first HEAD_WORDS (8) words, never on a preposition or conjunction.
`short_title` is the same cap for every stored title (pipeline/turn.py).
"""

from __future__ import annotations

import re

from organizer.pipeline.language import clip

LONG_CHARS = 280
TITLE_CHARS = 60
PROSE_WORDS = 40  # different words in an unpunctuated text that make it prose, not a command
HEAD_WORDS = 8

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
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# «мысли про …», "thoughts about the …": a label naming what the text is about
_LABEL = re.compile(
    r"^(?:мысли|заметки|идеи|итоги|план|планы|список|протокол|конспект|выводы|черновик|"
    r"соображения|notes|thoughts|ideas|summary|minutes|plan|plans|list|recap|outline|draft)\s+"
    r"(?:(?:про|о|об|по|насчет|насчёт|к|для|с|со|about|on|for|from|re|regarding|of|after)\s+)?"
    r"(?:(?:the|a|an|our|my|this|last)\s+)?",
    re.IGNORECASE,
)
# words a natural head does not end on, and where a label's subject stops
_GLUE_TEXT = (
    "в во на с со к ко у о об от до по за из при для про без над под и а но или что чтобы "
    "как когда если потому поэтому так это этот эта мы я ты он она они вы его её ее их "
    "ещё еще уже же ли бы не ни то там тут теперь сегодня вчера "
    "the a an and or but so that this these those every each when if because as to of in on "
    "at for with from by we i you he she they it is are was were be then also now today"
)
_GLUE = frozenset(_GLUE_TEXT.split())


def is_paste(text: str) -> bool:
    """Long prose with no leading command (the rule above)."""
    body = text.strip()
    if len(body) <= LONG_CHARS or _COMMAND.match(body):
        return False
    if _SENTENCE_END.search(body) is not None:
        return True
    return len({w.casefold() for w in _WORD.findall(body)}) >= PROSE_WORDS


def _cut(text: str, limit: int) -> str:
    """A stored title's cut: a word boundary counts from a third of `limit` on."""
    return clip(text, limit, word_from=limit // 3)


def _head(phrase: str) -> str:
    """A short natural start of a long unpunctuated phrase (the rule above), with «…»."""
    words = phrase.split()
    label = _LABEL.match(phrase)
    if label is not None:
        n = len(label.group(0).split())
        end = n
        while end < len(words) and end < n + 4 and words[end].casefold() not in _GLUE:
            end += 1
        if end > n:
            return _more(" ".join(words[:end]))
    end = min(len(words), HEAD_WORDS)
    while end > 2 and words[end - 1].casefold() in _GLUE:
        end -= 1
    return _more(" ".join(words[:end]))


def _more(head: str) -> str:
    """`head` cut to TITLE_CHARS with «…»: the text goes on after it."""
    head = _cut(head, TITLE_CHARS - 1)
    return head if head.endswith("…") else head + "…"


def short_title(text: str) -> str:
    """Any title as stored: at most TITLE_CHARS characters, cut at a word with «…»."""
    return _cut(" ".join(text.split()), TITLE_CHARS)


def note_title(text: str) -> str:
    """The first phrase of the text, at most TITLE_CHARS characters (the rule above)."""
    body = _NOTE_LEAD.sub("", text.strip(), count=1).strip() or text.strip()
    first = _FIRST_PHRASE.split(body, maxsplit=1)[0].strip()
    if len(first) < 3:
        first = body
    first = " ".join(first.split())
    first = _head(first) if len(first) > TITLE_CHARS else first
    return first[:1].upper() + first[1:]
