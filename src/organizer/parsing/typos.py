"""Misspelt date, time and command words read as the word meant: «зватра» -> завтра,
«пятнцу» -> пятницу, «отмни» -> отмени, «firday» -> friday, «reshedule» -> reschedule.

A word is corrected only when all of these hold, so a real word is never bent:
- it is at least 5 letters long and not itself a known word (the lexicon's tables, the
  command words, and `ORDINARY`: everyday words that sit near a target, «завтрак»,
  «пятно», «среди», «отметить», «candle» …);
- exactly one target is nearest, within 1 edit (5–6 letters, and any command word) or 2
  edits (a date word of 7 letters or more, keeping its first and last letter: the ending
  carries the case), the distance being optimal string alignment (a swap of two
  neighbours is one edit), computed by rapidfuzz against the target list, not by hand; a
  command word of 8 letters or more may be 2 edits away when it keeps its stem and no
  everyday word is as near ("reschedual", `_far_command`);
- the corrected reading makes sense where it stands: a weekday only after a preposition
  («в пятнцу», "on firday") or at the start of the message, a month or a unit only right
  after a number («5 декабя», «через 15 минтут»; an English month also right before one,
  "decmber 15"), a part of day only after a number, a
  relative day or "the"/"this" («в 7 вечреа», "in the evenign"); relative days and
  command words stand anywhere.

The target keeps the writer's inflection (the target list holds the inflected forms), so
«пятнцу» reads as «пятницу» and «понеделника» as «понедельника». The nearest target of a
word is cached, so the cost on a hot parser is one set look-up per known word.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from organizer.parsing.lexicon import (
    ALIASES,
    CARD,
    DAY_WORDS,
    EN_PART_OF_DAY,
    HOUR_WORDS,
    MINUTE_WORDS,
    MONTH_WORDS,
    MONTHS,
    ORD,
    PART_OF_DAY,
    WEEK_WORDS,
    WEEKDAYS,
    WEEKDAYS_PLURAL,
    YEAR_WORDS,
)

MIN_LEN = 5
_RELATIVE = ("сегодня", "завтра", "послезавтра", "today", "tomorrow", "tonight")
_COMMANDS = ("отмени", "отменить", "отмените", "удали", "удалить", "удалите", "перенеси",
             "перенести", "перенесите", "передвинь", "передвинуть", "сдвинуть", "напомни",
             "напомнить", "напомните", "cancel", "delete", "reschedule", "postpone", "remind")
_PARTS_OF_DAY = ("утра", "утром", "вечера", "вечером", "ночи", "ночью", "morning", "evening",
                 "afternoon")
_UNITS = ("минут", "минуты", "минуту", "часов", "часа", "minutes", "hours", "месяца", "месяцев",
          "недели", "недель", "weeks", "months")
# target word -> its kind: "day" (relative day), "weekday", "month", "command", "pod" (part
# of day), "unit"
TARGETS: dict[str, str] = {
    **{w: "unit" for w in _UNITS if len(w) >= MIN_LEN},
    **{w: "pod" for w in _PARTS_OF_DAY if len(w) >= MIN_LEN},
    **{w: "weekday" for w in (*WEEKDAYS, *WEEKDAYS_PLURAL) if len(w) >= MIN_LEN},
    **{w: "month" for w in MONTHS if len(w) >= MIN_LEN},
    **{w: "day" for w in _RELATIVE},
    **{w: "command" for w in _COMMANDS},
}
_TARGET_LIST = tuple(TARGETS)

# Everyday words within reach of a target: never corrected. Found by hand and by running the
# corrector over every word of the parse corpora (tests/test_parse_typos.py keeps that sweep).
_ORDINARY_TEXT = """
завтрак завтрака завтраку завтраком завтраке завтраки завтраков завтракать завтракаем
пятно пятна пятну пятном пятне пятнами пятнах пятнышко пятнистый
среди средь средний средне средства средство
четверо четверть четверти четвертью четвертый четверка
недели неделе
вторично вторая второй
отметить отметь отметил отметила отмена отменю отменен отменена отменено
удачи удача удачу удачно удалой удалась удался удален удалена удалено удалил удалила
удались удаление удалим удалю
перевести перевезти переносить перенесу перенесем перенес перенесла перенесли перенос
переводить перевели перенять
напомнил напомнила напомню напомним
сдвинул сдвинула сдвинут
сегодняшний сегодняшнее завтрашний завтрашнее вчерашний
марка марки марку маркой марке карта карты карту картой
июнька июльский
candle candles canvas camel cancels cancelled canceled deleted delta deletes
remains remain reminder reminded reminds remand
sundae sundaes sundar frida fridge mundane monde money
marsh marshal marching marched
toddy todays
august augusta augustus
january jane
запомни запомнить запомните запомнил запомнила заменить замените заменил сменить смените
schedule scheduled remember remembered member
match matches matched channel channels cancer rewind rewinds
rescheduled reschedules reminded deleting cancelling canceling
принести принеси принесите ответить ответь скинуть скинь удалось
отменил отменила отменили отменим отменю отмены отменяется переносим переносится
перенесите сдвиньте передвиньте передвинул
субботний субботняя субботнее субботнюю субботнего субботнем субботнему субботние
воскресный воскресная воскресное воскресную воскресного воскресном воскресные
пятничный пятничная пятничное пятничную пятничного вторничный четверговый
понедельничный понедельничная сегодняшняя сегодняшнюю сегодняшнего завтрашняя завтрашнюю
завтрашнего
вечер вечеру вечерам вечерами вечерок вечерком вечеря вчера утрам утрами месяце месяцы
минус часиков meaning marking honours evenings mornings yours
наполнить наполните наполнила наполнили напомнили сдвинули сдвинуто сдвинута перенесут
переведите перевезите перевели переводите отмечать уделить уделите уделил уделила
перекинь перекиньте перекинуть перекину перекинул перекинула перекинули перекинем
передай передайте передать передвинь передвиньте подвинь подвиньте закинь закиньте
"""
ORDINARY = frozenset(_ORDINARY_TEXT.split())

_LEXICON_WORDS = frozenset(
    set(CARD) | set(ORD) | set(MONTHS) | set(WEEKDAYS) | set(WEEKDAYS_PLURAL)
    | set(PART_OF_DAY) | set(EN_PART_OF_DAY) | set(ALIASES) | set(ALIASES.values())
    | MINUTE_WORDS | HOUR_WORDS | DAY_WORDS | WEEK_WORDS | MONTH_WORDS | YEAR_WORDS
)
KNOWN = _LEXICON_WORDS | ORDINARY | frozenset(TARGETS)
# A command word of this length may be two slips away when it keeps its stem (`nearest`).
_LONG_COMMAND = 8
_STEM = 5
_ORDINARY_LIST = tuple(w for w in ORDINARY
                       if len(w) >= _LONG_COMMAND - 2 and w not in TARGETS)

# Where a weekday may stand: after one of these, or first in the message.
_WEEKDAY_BEFORE = frozenset({
    "в", "во", "на", "до", "к", "ко", "по", "с", "со", "за", "от", "эту", "этот", "это",
    "следующую", "следующий", "следующее", "ближайшую", "ближайший", "каждую", "каждый",
    "каждое", "прошлую", "прошлый", "on", "by", "until", "till", "next", "this", "every",
    "from", "before", "after", "last", "for", "to", "и", "and", "or", "или", ",",
})


def max_edits(word: str) -> int:
    """How far a word of this length may be from a date word."""
    return 1 if len(word) <= 6 else 2


@lru_cache(maxsize=8192)
def nearest(word: str) -> str | None:
    """The one target within reach of `word` (normalised: lower case, ё -> е), or None when
    the word is known, too short, out of reach, or equally near two different targets."""
    if len(word) < MIN_LEN or word in KNOWN or not word.isalpha():
        return None
    # imported here: the operator commands that never parse keep their start-up time
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    limit = max_edits(word)
    found = process.extract(word, _TARGET_LIST, scorer=OSA.distance, score_cutoff=limit,
                            limit=2)
    if not found:
        return None
    best, dist, _ = found[0]
    if TARGETS[best] == "command" and dist > 1:
        # verbs crowd around the command verbs («ответить», «принести», "channel"): one
        # slip, or two in a long word that keeps its stem ("reschedual")
        return best if _far_command(word, best, dist) else None
    if dist == 2 and (word[0] != best[0] or word[-1] != best[-1]):
        return None  # «четвертак» is no «четверга»
    if len(found) > 1 and found[1][1] == dist and TARGETS[found[1][0]] != TARGETS[best]:
        return None  # as near to a weekday as to a command: no guess
    return best


def _far_command(word: str, best: str, dist: int) -> bool:
    """Whether a command word two slips away is still read as meant: both words of 8
    letters or more, the first letter kept and either the last one or a stem of 5 letters
    ("reschedual", «перенесиет»), and no everyday word as near (the verbs' own forms
    «напомнили», «сдвинули» are in `ORDINARY`)."""
    if len(word) < _LONG_COMMAND or len(best) < _LONG_COMMAND or word[0] != best[0]:
        return False
    if word[-1] != best[-1] and word[:_STEM] != best[:_STEM]:
        return False
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    return process.extractOne(word, _ORDINARY_LIST, scorer=OSA.distance,
                              score_cutoff=dist) is None


def fits(kind: str, prev: str | None, nxt: str | None = None, target: str = "") -> bool:
    """Whether a corrected word of `kind` makes sense after the token `prev` (None: first)
    and before `nxt` (None: last); `target` is the corrected word."""
    if kind == "weekday":
        return prev is None or prev in _WEEKDAY_BEFORE
    if kind == "month" and nxt is not None and nxt.isdigit() and target.isascii():
        return True  # English writes the month first: "decmber 15", "on febuary 3rd"
    if kind in ("month", "unit"):
        return prev is not None and prev.isdigit()
    if kind == "pod":  # «в 7 вечреа», "in the evenign"
        return prev is not None and (prev.isdigit() or prev in ("the", "this")
                                     or TARGETS.get(prev) == "day")
    return True


def fixed_word(words: Sequence[str], i: int, capital: bool = False) -> str | None:
    """The word meant by words[i] (normalised token texts), or None to keep it as written.
    `capital`: written with a capital letter; a capitalised Cyrillic word inside the text is
    a name («с Пятницким»), not a slip (English writes its weekdays with capitals)."""
    w = words[i]
    if len(w) < MIN_LEN or w in KNOWN:
        return None  # the common case, without the cache's call
    if capital and i and "а" <= w[0] <= "я":
        return None
    fixed = nearest(w)
    if fixed is None:
        return None
    nxt = words[i + 1] if i + 1 < len(words) else None
    return fixed if fits(TARGETS[fixed], words[i - 1] if i else None, nxt, fixed) else None


def correct(words: list[str], caps: list[bool] | None = None) -> list[str]:
    """The words with misspelt date/time/command words replaced (see `fixed_word`); the
    same list object when nothing changed."""
    out = words
    for i in range(len(words)):
        # the context is the words as corrected so far («todya afternn»: "today" first),
        # so a second pass changes nothing
        fixed = fixed_word(out, i, caps is not None and caps[i])
        if fixed is None:
            continue
        if out is words:
            out = list(words)
        out[i] = fixed
    return out
