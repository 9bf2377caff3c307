"""`parse(text, now, tz)`: one message -> intent, title, start, end, all_day, rrule, needs.

The rules are those of shared/nlu/CONVENTIONS.md (restated in docs/PARSING.md). All date
arithmetic is done on local dates in the user's zone; instants are built with zoneinfo
and normalised through UTC, so nonexistent or repeated wall times (DST) come out right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from organizer.parsing.collect import Found, collect
from organizer.parsing.dates import safe_date
from organizer.parsing.durations import minutes_of
from organizer.parsing.instants import add_months, local, midnight, plus_elapsed
from organizer.parsing.intent import Hit, find_hits
from organizer.parsing.mention import Clock, Mention, resolve_hour
from organizer.parsing.recurrence import first_day, merge, rrule_text
from organizer.parsing.scan import scan
from organizer.parsing.title import build_title
from organizer.parsing.tokens import Tok, language, stem, tokenize

if TYPE_CHECKING:
    from organizer.canon import Canon

MAX_CHARS = 500  # only the start of a long message is analysed (bounded time)
MAX_TOKENS = 120  # and of that, at most this many tokens (a real message has far fewer)
INTENTS = ("task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown")
_COMMANDS = ("cancel", "reschedule", "complete")
_NEW_PREPS = frozenset({"на", "to", "for", "until", "till"})
# Kept importable from here: the time helpers and the mentions sorted by kind moved out.
__all__ = ["INTENTS", "MAX_CHARS", "MAX_TOKENS", "UNKNOWN", "Found", "ParseResult", "add_months",
           "analyse", "local", "midnight", "parse", "plus_elapsed", "when"]


@dataclass(frozen=True)
class ParseResult:
    intent: str
    title: str | None
    start: datetime | None
    end: datetime | None
    all_day: bool
    rrule: str | None
    needs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "all_day": self.all_day,
            "rrule": self.rrule,
            "needs": list(self.needs),
        }


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat(timespec="seconds")


UNKNOWN = ParseResult("unknown", None, None, None, False, None, ())


def parse(text: str, now: datetime, tz: str, canon: Canon | None = None) -> ParseResult:
    """Understand one message. Never raises on any `text`; `tz` must be an IANA zone
    name (ValueError otherwise); a naive `now` is taken as wall time in `tz`."""
    zone = _zone(tz)
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    if canon is None:
        from organizer.canon import load_canon

        canon = load_canon()
    if not isinstance(text, str):
        return UNKNOWN
    try:
        return analyse(text, now.astimezone(zone), zone, canon)
    except Exception:  # pragma: no cover - a bug must not take the worker down
        return UNKNOWN


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except Exception as e:
        raise ValueError(f"{tz!r} is not an IANA time zone") from e


# ------------------------------------------------------------------ analysis


def _week_range(m: Mention, today: date) -> tuple[date, date]:
    if m.kind == "month":
        first = today.replace(day=1)
        if m["which"] == "next":
            first = add_months(first, 1)
        return first, add_months(first, 1)
    monday = today - timedelta(days=today.weekday())
    if m["which"] == "next":
        monday += timedelta(days=7)
    elif m["which"] == "after_next":
        monday += timedelta(days=14)
    if m.kind == "weekend":
        return monday + timedelta(days=5), monday + timedelta(days=7)
    return monday, monday + timedelta(days=7)


def _pick(items: list, reschedule: bool, prep_of: Any) -> Any:
    """The mention that carries the item's time: the first, or for a reschedule the one
    after на/to (the new time), else the last."""
    if not items:
        return None
    if reschedule:
        for it in items:
            if prep_of(it) in _NEW_PREPS:
                return it
        return items[-1]
    return items[0]


_NOT_VERBS = frozenset(
    str.split(
    "мать часть сеть кровать путь власть смерть память зять суть ртуть грусть нить пусть "
    "есть пять шесть десять двадцать тридцать опять треть четверть печать тетрадь "
    "площадь мазь связь цепь рать ночь дочь речь мощь помощь полночь мелочь горечь "
    "сеть гость кисть злость месть повесть совесть")
)


# Words that may stand before an agenda question besides time words ("а на завтра что у
# меня", "so what's on tomorrow").
_AGENDA_GLUE = frozenset(str.split(
    "а и ну так слушай подскажи ok ок so and hey okay then well "
    "скажи скажите подскажите расскажи расскажите мне tell me can could you please let know"))
# Asking the bot to tell: not a to-do before an agenda question ("скажи, что у меня завтра").
_ASK_VERBS = frozenset(str.split("скажи скажите подскажи подскажите расскажи расскажите tell"))
_AGENDA_TAIL = frozenset(str.split("у меня нас по планам плану делам вообще"))
# The hour a part of day is over, for a part of day said with no day.
_POD_END = {"am": 12, "day": 17, "pm": 24, "night": 24}
_LIST_WORDS = frozenset(str.split(
    "meetings tasks plans events appointments calls встречи задачи планы дела созвоны "
    "мероприятия"))


# Discourse fillers and hesitations: at the start of a clause they neither decide the intent
# nor open a title ("ну запиши …", "так идея …", "okay so note …"). Only clause starts are
# looked at: "так" and "вот" mid-sentence are words of their own.
_FILLERS = frozenset(str.split(
    "ну так значит короче слушай слушайте смотри смотрите вот а эээ ээ э эм эмм ммм мм хм "
    "окей ок ладно кстати пожалуйста плиз типа итак блин "
    "okay ok so um umm uh uhh uhm hmm hm er erm well hey please alright oh ah"))
_HESITATIONS = frozenset(str.split("эээ ээ эм эмм ммм хм um umm uh uhh uhm hmm hm erm"))
# Pure hesitations, anywhere: эээ, э-э-э, эм, ммм, хм, um, uh, hmm, erm (not "мм", "э": a
# millimetre, a letter).
_HESITATION_RE = re.compile(
    r"(?<![\w-])(?:э{2,}м*|э(?:-э)+|эм+|м{3,}|хм+|u+m+|u+h+m*|h+m+|erm+)(?![\w-])",
    re.IGNORECASE)
_PHRASE_FILLERS: dict[str, tuple[tuple[str, ...], ...]] = {}
for _ph in ("в общем", "в общем - то", "будь добр", "будь добра", "будьте добры", "будь другом",
            "будь любезен", "будь любезна", "если не сложно", "если не трудно", "если можно",
            "would you mind", "i need you to", "could you please", "can you please",
            "would you please", "will you please", "это самое", "короче говоря", "так сказать",
            "в смысле", "you know", "you know what", "i mean", "lets see", "let me see",
            "let me think"):
    _PHRASE_FILLERS[_ph.split()[0]] = tuple(sorted(  # the longest first
        (*_PHRASE_FILLERS.get(_ph.split()[0], ()), tuple(_ph.split())), key=len, reverse=True))
# Fillers only when another filler or punctuation follows ("right, so …", "like um …").
_WEAK_FILLERS = frozenset(str.split("right like yeah yes anyway да"))
# "так как", "так же", "вот этот": not fillers there.
_NOT_AFTER = {"так": frozenset(str.split("как же и что-то")),
              "вот": frozenset(str.split("этот эта это эту эти этого этих тут здесь такой"))}
_CLAUSE_PUNCT = frozenset(",.!?;:—–…")


# Words that may come before a note word ("давай запиши", "can you note", "а запиши").
_NOTE_POLITE = frozenset(str.split(
    "а и so ok ок давай давайте можешь можете можно пожалуйста please can could you just "
    "ты вы у меня есть такая одна маленькая i have got ive an a quick small просто ещё еще "
    "also"))


def _fillers(toks: list[Tok]) -> set[int]:
    """Indices of fillers (and the punctuation after them) before the first word of the
    message; later clauses only lose pure hesitations ("купить хлеб, ну и молоко" keeps
    its "ну и", "…, эээ, и молоко" loses the "эээ")."""
    out: set[int] = set()
    n = len(toks)
    k = 0
    at_start = True
    fillers, weak = _FILLERS, _WEAK_FILLERS
    while k < n:
        t = toks[k]
        if t.kind == "p":
            if t.t in _CLAUSE_PUNCT:
                at_start = True
            if k - 1 in out and t.t != "?":
                out.add(k)
            k += 1
            continue
        if not at_start:
            k += 1
            continue
        nxt = toks[k + 1] if k + 1 < n else None
        # "в общем", "будь добр", "если не сложно", "would you mind", "I need you to"
        phrase = next((ph for ph in _PHRASE_FILLERS.get(t.t, ())
                       if tuple(x.t for x in toks[k:k + len(ph)]) == ph), None)
        if phrase is not None:
            out.update(range(k, k + len(phrase)))
            k += len(phrase)
            continue
        word = t.t
        part = nxt is not None and nxt.glued and nxt.kind != "p"  # "А4": part of a word
        if word in fillers and not part and not (
                nxt is not None and nxt.t in _NOT_AFTER.get(word, ())):
            out.add(k)
            k += 1
            continue
        if word in weak and not part and (k - 1 in out or (nxt is not None and (
                nxt.kind == "p" or nxt.t in _FILLERS))):
            out.add(k)
            k += 1
            continue
        at_start = False
        fillers, weak = _HESITATIONS, frozenset()
        k += 1
    return out


def _infinitive(word: str) -> bool:
    """A Russian infinitive ("водить", "постричься", "отвезти"): an action leads."""
    if len(word) <= 3 or word in _NOT_VERBS or word.endswith(("ость", "есть")):
        return False
    return word.endswith(("ть", "ться", "чь", "чься", "сти", "зти"))


# What one books oneself or someone onto: "записать на приём/стрижку/футбол".
_BOOKABLE = ("прием", "приём", "стрижк", "маникюр", "педикюр", "массаж", "консультац",
             "осмотр", "узи", "мрт", "анализ", "привив", "процедур", "чистк", "тренировк",
             "заняти", "курс", "урок", "секци", "кружок", "кружк", "обследован",
             "диспансериз", "сеанс", "тест-драйв", "собеседован", "экзамен", "техосмотр",
             "шиномонтаж", "ремонт", "бассейн", "танц", "футбол", "плаван", "репетитор",
             "йог", "фитнес", "бокс", "каратэ", "карате", "гимнастик", "английск",
             "шахмат", "музык", "рисован", "логопед", "школ", "сад", "садик", "капельниц",
             "физиотерап", "лфк", "вакцин", "коррекци", "окрашиван", "эпиляц", "очеред",
             "автосервис", "сервис", "салон", "клиник", "поликлиник", "барбершоп",
             "спортзал", "студи", "лагерь", "лагер")


def _booking(toks: list[Tok], h: Hit, covered: set[int]) -> bool:
    """A form of "записать" followed (after at most two words: меня, кота, маму к …) by
    "к" + someone or "на" + something one books: an appointment, not a note."""
    if not toks[h.i].t.startswith(("запис", "запиш")) or h.j - h.i != 1:
        return False
    k = h.j
    for _ in range(3):
        if k + 1 >= len(toks) or toks[k].kind == "p" or k in covered:
            return False
        w, nxt = toks[k].t, toks[k + 1]
        if nxt.kind != "p" and k + 1 not in covered and (
                (w in ("к", "ко") and nxt.kind == "w")
                or (w in ("на", "в", "во") and nxt.t.startswith(_BOOKABLE))):
            return True
        if w in ("что", "чтобы", "как", "мне", "себе", "в", "на", "к") or w.startswith(
                ("мысл", "иде", "заметк", "номер", "адрес", "телефон", "код", "пароль")):
            return False
        k += 1
    return False


# Words after which "call" is the verb: "remind me to call", "please call", "and call".
_VERB_BEFORE = frozenset(str.split(
    "to please pls plz and or then also i we you me us ill well lets let's should must need "
    "gotta can could will would just dont don't forget remember must might shall later first "
    "next quickly asap also pls"))


_PERIODIC = frozenset(str.split("daily weekly monthly biweekly bi-weekly quarterly yearly annual"))
# Phrasal verbs that also name a kind of call: "follow up call", "catch up call".
_COMPOUND_VERBS = frozenset(str.split("follow catch check kick wrap"))
_CALL_OBJECTS = frozenset(str.split("me us him her them back you"))
_OCCASIONS = frozenset(str.split(
    "year years birthday christmas xmas holiday holidays anniversary eve easter thanksgiving "
    "congratulations"))


def _noun_call(toks: list[Tok], i: int, covered: set[int], skip: set[int] | frozenset[int],
               hits: list[Hit]) -> bool:
    """"call" after an article or a noun ("a call", "client call", "team call"): the event.
    At the start, after a time, a verb-like word or another command it is the verb."""
    p = i - 1
    if p >= 0 and toks[p].t in _PERIODIC:
        return True  # "daily call", "weekly call"
    if p < 0 or p in skip or p in covered or toks[p].kind != "w":
        return False
    w = toks[p].t
    if w in _VERB_BEFORE or w.endswith("ly") or (len(w) < 2 and w != "a"):
        return False
    if i + 1 < len(toks) and toks[i + 1].t in _CALL_OBJECTS:
        return False  # "mom call me back"
    if w in _OCCASIONS:
        return False  # "new year call", "birthday call": calling someone for the occasion
    return not any(h.i <= p < h.j and h.intent != "meeting" and not (
        h.j == i and toks[h.i].t in _COMPOUND_VERBS) for h in hits)


# Command nouns that put the item's name in the genitive: "отмена приёма", "перенос встречи".
_GEN_NOUNS = frozenset(("отмена", "перенос"))
_GEN_ENDINGS = (("ства", "ство"), ("ия", "ие"), ("ии", "ия"), ("ки", "ка"), ("ги", "га"),
                ("чи", "ча"), ("ши", "ша"), ("жи", "жа"), ("щи", "ща"), ("ы", "а"), ("а", ""))


def _meeting_words(canon: Canon) -> set[str]:
    """The first words of the canon's event phrases (a rare path: no cache needed)."""
    return {e[2][0].rstrip("*") for entries in canon.index.values() for e in entries
            if e[0] == "meeting"}


def _nominative_head(title: str, toks: list[Tok], k: int, canon: Canon) -> str:
    """"Приёма у стоматолога" after "отмена" -> "Приём у стоматолога": the event word
    that opens the title back in the nominative (only a known kind of event)."""
    if k >= len(toks):
        return title
    word = toks[k].t
    if not any(len(w) > 3 and (word.startswith(w) or word[:-1] == w[:-1])
               for w in _meeting_words(canon)):
        return title
    head = title.split(" ", 1)
    if head[0].lower().replace("ё", "е") != word:
        return title
    for old, new in _GEN_ENDINGS:
        if word.endswith(old) and len(word) > len(old) + 2:
            orig = head[0]
            head[0] = orig[: len(orig) - len(old)] + new
            return " ".join(head)
    return title


def _asks(toks: list[Tok], c: Hit, h: Hit, covered: set[int]) -> bool:
    """"скажи (мне), что у меня завтра", "tell me what's on": asking the bot, not a to-do
    ("скажи Пете, что у меня завтра встреча" is one)."""
    return toks[c.i].t in _ASK_VERBS and all(
        toks[k].kind == "p" or toks[k].t in _AGENDA_GLUE or k in covered
        for k in range(c.j, h.i))


def _only_time_after(toks: list[Tok], h: Hit, covered: set[int]) -> bool:
    """Nothing but time words and punctuation after hit h ("напомни, что у меня завтра")."""
    return all(k in covered or toks[k].kind == "p" for k in range(h.j, len(toks)))


def _classify(toks: list[Tok], hits: list[Hit], mentions: list[Mention], has_time: bool,
              skip: set[int] | frozenset[int] = frozenset()
              ) -> tuple[str, bool, list[Hit]]:
    """(intent, is_reminder, command hits to drop from the title); `skip`: fillers."""
    n = len(toks)
    words = [i for i, t in enumerate(toks) if t.kind != "p" and i not in skip]
    hits = [h for h in hits if h.i not in skip]
    if not words:
        return "unknown", False, []
    covered = set()
    for m in mentions:
        covered.update(range(m.i, m.j))
    free = [h for h in hits if h.i not in covered or (h.intent in ("agenda", "meeting")
            and h.group == "" and toks[h.i].t in ("весь", "all"))]
    first_word = words[0]
    # "записать кота к ветеринару", "запиши сына на футбол": booking is a to-do
    booked = [h for h in free if h.intent == "note" and _booking(toks, h, covered)]
    if booked:
        free = [h for h in free if h not in booked] + [
            Hit("task", "", h.i, h.j) for h in booked]
    # "запиши в календарь встречу …", "запиши в задачи …": creating an item, not a note
    into = [h for h in free if h.intent == "note" and toks[h.i].t.startswith(("запис", "запиш"))
            and any(c.intent == "task" and c.group == "create" and c.i == h.j for c in free)]
    if into:
        free = [h for h in free if h not in into] + [
            Hit("task", "create", h.i, h.j) for h in into]
    # "client call", "a call", "sales call from 9 to 10": a noun, the event, not the verb
    nouns = [h for h in free if h.intent == "task" and h.j - h.i == 1
             and toks[h.i].t in ("call", "calls") and _noun_call(toks, h.i, covered, skip, free)]
    if nouns:
        # the phrasal verb before the noun is its modifier ("follow up call")
        free = [h for h in free if h not in nouns and not (
            h.intent == "task" and any(h.j == c.i and toks[h.i].t in _COMPOUND_VERBS
                                       for c in nouns))] + [
            Hit("meeting", "", h.i, h.j) for h in nouns]
    # note: a note word leads the message
    for h in free:
        if h.intent == "note" and h.i <= first_word + 3 and all(
            toks[k].t in _NOTE_POLITE or toks[k].kind == "p" or k in skip
            for k in range(first_word, h.i)
        ) and not any(c.intent == "task" and c.i == h.i and c.j > h.j for c in free):
            # ("запиши меня к стоматологу" books an appointment: a to-do, not a note)
            return "note", False, [h]
    # agenda: a question about plans near the start, or after nothing but time words
    # ("на следующей неделе что у меня", "tomorrow what do I have", "а в пятницу какие
    # планы")
    for h in free:
        if h.intent == "agenda" and h.j - h.i == 2 and toks[h.i + 1].t in ("там", "about"):
            # "что там (по планам) на выходных" asks about plans; "что там с отчётом" not:
            # only a time or nothing may follow
            k = h.j
            while k < n and toks[k].t in _AGENDA_TAIL:
                k += 1
            if not (k == n or toks[k].t == "?" or k in covered):
                continue
        if h.intent == "agenda" and (
            h.i <= first_word + 2 or all(
                k in covered or toks[k].kind == "p" or toks[k].t in _AGENDA_GLUE
                for k in range(first_word, h.i))
        ) and not any((c.intent in _COMMANDS or (c.intent == "task" and c.group in (
            "", "reminder") and not (_only_time_after(toks, h, covered) and any(
                r.group == "reminder" and r.i <= c.i < r.j for r in free))))
                      and c.i < h.i and not _asks(toks, c, h, covered) for c in free) and not any(
                c.intent == "task" and c.group == "create" and c.i <= h.i < c.j for c in free):
            return "agenda", False, [h]
    # "meetings this week?", "встречи на завтра?": a plural list word asked about
    if toks[-1].t == "?" and toks[first_word].t in _LIST_WORDS:
        return "agenda", False, []
    reminder = [h for h in free if h.intent == "task" and h.group == "reminder"]
    creates = [h for h in free if h.intent == "task" and h.group == "create"]
    commands = [h for h in free if h.intent in _COMMANDS]
    # "убери встречу с Иваном": removing an event is cancelling it
    if toks[first_word].t in ("убери", "уберите", "убрать") and any(
        h.intent == "meeting" and h.i == first_word + 1 for h in free
    ):
        commands.append(Hit("cancel", "", first_word, first_word + 1))
    # "mark ... as done": "mark"/"отметь" alone is not enough
    if commands:
        strong = [h for h in commands
                  if not (h.intent == "complete" and toks[h.i].t in ("mark", "отметь", "отметить", "пометь", "пометить")
                          and h.j - h.i == 1)]
        marks = [h for h in commands if h not in strong]
        if marks and any(h.intent == "complete" for h in strong):
            strong = strong + marks
        commands = sorted(strong, key=lambda h: h.i)
    if commands and not (reminder and reminder[0].i < commands[0].i):
        intent = commands[0].intent
        return intent, False, [h for h in commands if h.intent == intent]
    if reminder:
        return "task", True, [reminder[0]]
    leads = [h for h in free if h.intent == "task" and h.group in ("lead", "create")
             and h.i <= first_word + 2]
    actions = [h for h in free if h.intent == "task" and h.group == "lead"]
    actions += [h for h in free if h.intent == "task" and h.group == ""
                and not any(c.i <= h.i < c.j for c in creates)]
    actions += [Hit("task", "", i, i + 1) for i in words if i not in covered
                and _infinitive(toks[i].t) and not any(c.i <= i < c.j for c in creates)]
    events = [h for h in free if h.intent == "meeting" and h.group == ""]
    first_action = min((h.i for h in actions), default=n)
    first_event = min((h.i for h in events), default=n)
    if events and first_event <= first_action:
        if first_event == first_action:
            la = max(h.j for h in actions if h.i == first_action)
            le = max(h.j for h in events if h.i == first_event)
            if la > le:
                return "task", False, leads
        return "meeting", False, leads
    if actions or creates:
        return "task", False, leads
    if any(m.kind in ("allday", "drange") for m in mentions):
        return "meeting", False, leads  # said to take a whole day or a range of days
    if any(h.intent == "unknown" for h in free):
        # small talk, unless something else is said too
        content = [i for i in words if i not in covered and not any(
            h.i <= i < h.j for h in free if h.intent == "unknown")]
        if not content or not has_time:
            return "unknown", False, []
    if has_time:
        return "task", False, []
    return "unknown", False, []


def when(text: str, now: datetime, tz: str, canon: Canon | None = None) -> datetime | None:
    """Only the time expression: the start `parse` would give the text as a task
    (used to compare the grammar with other libraries on time-only phrases)."""
    zone = _zone(tz)
    if canon is None:
        from organizer.canon import load_canon

        canon = load_canon()
    try:
        return analyse(text, now.astimezone(zone), zone, canon, force_intent="task").start
    except Exception:  # pragma: no cover
        return None


def analyse(text: str, now: datetime, zone: ZoneInfo, canon: Canon,
            force_intent: str | None = None) -> ParseResult:
    text = text[:MAX_CHARS]
    if _HESITATION_RE.search(text):
        # "в эээ девять", "call um mom": a hesitation is blanked out (same length, so the
        # spans stay right) before the grammar sees the words around it
        text = _HESITATION_RE.sub(lambda m: " " * len(m.group()), text)
    toks = tokenize(text)
    if len(toks) > MAX_TOKENS:
        toks = toks[:MAX_TOKENS]
        text = text[: toks[-1].e]
    if not toks:
        return UNKNOWN
    en = language(text) == "en"
    stems = [stem(t.t) for t in toks]
    hits = find_hits(toks, stems, canon)
    mentions = scan(toks, en, new_time=any(h.intent == "reschedule" for h in hits))
    for m in mentions:
        if m.kind == "time" and m["same"]:  # "в это же время": now's clock time
            m.data["clock"] = Clock(now.hour, now.minute, "fixed")
    has_time = any(m.kind not in ("pod", "approx") for m in mentions)
    if force_intent is None:
        skip = _fillers(toks)
        intent, reminder, cmd_hits = _classify(toks, hits, mentions, has_time, skip)
    else:
        intent, reminder, cmd_hits = force_intent, False, []
        skip = set()
    if intent == "unknown":
        return UNKNOWN
    if intent == "note":
        title = build_title(text, toks, [], cmd_hits, note=True, skip=skip)
        return ParseResult("note", title, None, None, False, None,
                           () if title else ("title",))
    today = now.date()
    reschedule = intent == "reschedule"
    f = collect(mentions, today, moved_ok=reschedule)
    if reschedule:
        # "move lunch to tomorrow same time": the item's own time, which it keeps
        f.times = [m for m in f.times if not m["same"]]
        # "перенеси встречу в 15 на завтра": what comes before the first "на/to" names the
        # item as it was; only the new date or time counts.
        new_at = min((m.i for m in mentions if m.kind in ("date", "time")
                      and m["prep"] in _NEW_PREPS), default=None)
        if new_at is not None:
            f.dates = [(m, d) for m, d in f.dates if m.i >= new_at]
            f.times = [m for m in f.times if m.i >= new_at]

    # ---- recurrence
    rec = merge(f.recs) if f.recs else None
    pod = None
    if f.pods:
        pod = f.pods[0]["pod"]
    if rec is not None and rec["pod"] and pod is None:
        pod = rec["pod"]

    # ---- which date / time mentions count
    dated = [(m, d) for m, d in f.dates]
    if rec is not None:
        # weekdays and days of month said with a repetition are its BY-parts
        rest = []
        for m, d in dated:
            if "nth" in m.data and rec["freq"] in ("MONTHLY", "WEEKLY", None):
                rec["nth"] = (m["nth"], m["wd"])  # каждый последний понедельник месяца
                rec["freq"] = "MONTHLY"
                rec["byday"] = frozenset()
            elif "wd" in m.data and not m["next"]:
                rec["byday"] = rec["byday"] | {m["wd"]}
                if rec["freq"] in ("DAILY", None) or rec["freq"] == "WEEKLY":
                    rec["freq"] = "WEEKLY"
            elif "dom" in m.data and rec["freq"] in ("MONTHLY", None):
                rec["monthday"] = m["dom"]
                rec["freq"] = "MONTHLY"
            else:
                rest.append((m, d))
        dated = rest
    date_m = _pick(dated, reschedule, lambda it: it[0]["prep"])
    day: date | None = date_m[1] if date_m else None
    date_invalid = date_m is not None and day is None
    time_m = _pick(f.tranges or f.times, reschedule, lambda m: m["prep"])
    start: datetime | None = None
    end: datetime | None = None
    timed = False
    end_said = False
    whole_range: tuple[date, date] | None = None

    clock: tuple[int, int] | None = None
    end_clock: tuple[int, int] | None = None
    tzo: int | None = None
    if time_m is not None:
        if time_m.kind == "trange":
            clock = resolve_hour(time_m["start"], pod)
            end_clock = resolve_hour(time_m["end"], pod)
            tzo = time_m["start"].tzo
        else:
            c: Clock = time_m["clock"]
            clock = resolve_hour(c, pod)
            tzo = c.tzo
    rel_instant = None
    rel_m = _pick(f.rels, reschedule, lambda m: None)
    if rel_m is not None:
        amt = rel_m["amount"]
        if set(amt) <= {"minutes", "hours", "seconds", "days24"}:
            rel_instant = plus_elapsed(now, minutes_of(amt), zone)
        elif day is None:
            d = today
            d += timedelta(days=int(amt.get("days", 0)) + 7 * int(amt.get("weeks", 0))
                           + 14 * int(amt.get("fortnight", 0)))
            months = int(amt.get("months", 0)) + 12 * int(amt.get("years", 0))
            if months:
                d = add_months(d, months)
            frac = amt.get("days", 0) % 1 or amt.get("weeks", 0) % 1
            if frac:
                d += timedelta(days=round(frac * (7 if "weeks" in amt else 1)))
            day = d

    # "через неделю в субботу": that weekday of the week N weeks ahead
    if rel_m is not None and date_m is not None and "wd" in date_m[0].data and \
            not date_m[0]["next"] and set(rel_m["amount"]) == {"weeks"} and \
            float(rel_m["amount"]["weeks"]).is_integer():
        monday = today - timedelta(days=today.weekday())
        day = monday + timedelta(days=7 * int(rel_m["amount"]["weeks"]) + date_m[0]["wd"])
    if f.drange is not None and (day is None or f.drange[0] <= day <= f.drange[1]):
        whole_range = (day or f.drange[0], f.drange[1])
        if day is None:
            day = f.drange[0]
        end_said = True

    week_m = f.weeks[0] if f.weeks else None
    # "на следующей неделе в среду": the weekday of that week
    if week_m is not None and week_m.kind == "week" and date_m is not None and \
            "wd" in date_m[0].data and not date_m[0]["next"]:
        a, _ = _week_range(week_m, today)
        day = a + timedelta(days=date_m[0]["wd"])
        week_m = None

    if intent == "agenda":
        rng: tuple[date, date] | None = None
        if f.drange is not None:
            rng = (f.drange[0], f.drange[1] + timedelta(days=1))
        elif date_m is not None and date_m[0]["month_name"] and not date_m[0]["part"] \
                and day is not None:
            # "что у меня в декабре": the whole month (from today when it is this one)
            first = date(day.year, day.month, 1)
            rng = (max(first, today), add_months(first, 1))
        elif day is not None:
            rng = (day, day + timedelta(days=1))
        elif week_m is not None:
            rng = _week_range(week_m, today)
        elif rel_instant is not None:
            rng = (rel_instant.date(), rel_instant.date() + timedelta(days=1))
        elif f.spans:
            amt = f.spans[0]["amount"]
            days = int(amt.get("days", 0)) + 7 * int(amt.get("weeks", 0)) or 1
            rng = (today, today + timedelta(days=days))  # "в ближайшие 3 дня"
        elif f.pods or time_m is not None:
            rng = (today, today + timedelta(days=1))  # "что у меня вечером"
        if rng is None:
            return ParseResult("agenda", None, None, None, False, None, ())
        return ParseResult("agenda", None, midnight(rng[0], zone), midnight(rng[1], zone),
                           True, None, ())

    whole_day_kind = any(h.intent == "meeting" and h.group == "whole_day" for h in hits)
    if week_m is not None and day is None and rec is None:
        a, b = _week_range(week_m, today)
        if week_m.kind == "weekend":
            if a < today:
                a = today
            if intent == "meeting":
                whole_range = (a, b - timedelta(days=1))
            day = a
        elif week_m["which"] in ("next", "after_next"):
            day = a
            if time_m is not None and time_m["same"]:  # "same time next week": +7 days
                day = today + timedelta(days=7 if week_m["which"] == "next" else 14)
            if intent == "meeting" and whole_day_kind:
                whole_range = (a, b - timedelta(days=1))
        elif week_m.kind == "week" and intent == "task":
            day = max(a, today)  # "на этой неделе заплатить": from today, like a weekend

    # a part of day with no day and no clock ("утром купить хлеб", "напомни вечером"):
    # today while that part of day is not over, else tomorrow (all-day)
    if day is None and clock is None and rel_instant is None and rec is None and \
            f.pods and intent != "agenda":
        day = today if now.hour < _POD_END.get(f.pods[0]["pod"], 24) else \
            today + timedelta(days=1)

    rrule = None
    if rec is not None and rec["freq"] in ("HOURLY", "MINUTELY"):
        # каждый час, every 30 minutes: the first one an interval from now
        step = rec["interval"] * (60 if rec["freq"] == "HOURLY" else 1)
        rel_instant = plus_elapsed(now.replace(second=0, microsecond=0), step, zone)
        rrule = rrule_text(rec)
        rec = None
        day = None
        clock = None
    if rec is not None and rec["freq"] is not None:
        anchor = day
        if rec["freq"] == "YEARLY" and anchor is None:
            anchor = None
        timed_rec = clock is not None
        d0 = first_day(rec, today, include_today=timed_rec, anchor=anchor)
        if timed_rec:
            assert clock is not None
            if local(d0, clock[0], clock[1], zone) <= now:
                nxt_anchor = None
                if anchor is not None and rec["freq"] == "YEARLY":
                    nxt_anchor = safe_date(anchor.year + 1, anchor.month, anchor.day)
                d0 = first_day(rec, d0 + timedelta(days=1), include_today=True,
                               anchor=nxt_anchor)
        day = d0
        rrule = rrule_text(rec)
        rel_instant = None

    if rel_instant is not None and clock is None:
        start = rel_instant
        timed = True
    elif clock is not None:
        h, mnt = clock
        if day is None:
            cand = local(today, h, mnt, zone, tzo)
            if cand <= now:
                cand = local(today + timedelta(days=1), h, mnt, zone, tzo)
            start = cand
        else:
            is_midnight = time_m is not None and time_m.kind == "time" and (
                time_m["clock"].mark in ("fixed", "night") and h == 0
                and time_m["clock"].h in (0, 12, 24)
                and not (time_m["clock"].h == 0 and mnt)  # "завтра в 00:30" is that night
            )
            start = local(day + timedelta(days=1) if is_midnight else day, h, mnt, zone, tzo)
        timed = True
        if end_clock is not None:
            eh, em = end_clock
            e = local(start.date(), eh, em, zone, tzo)
            end_c = time_m["end"] if time_m is not None and time_m.kind == "trange" else None
            if e <= start and end_c is not None and end_c.mark is None and \
                    1 <= end_c.h <= 11 and eh < 12:
                # "с 7 до 9", "between seven and nine": a bare end hour is the first such
                # hour after the start (21:00), not the next morning
                e2 = local(start.date(), eh + 12, em, zone, tzo)
                if e2 > start:
                    e = e2
            if e <= start:
                e = local(start.date() + timedelta(days=1), eh, em, zone, tzo)
            if e <= start:
                e = local(start.date() + timedelta(days=2), eh, em, zone, tzo)
            end = e
            end_said = True
    elif day is not None:
        start = midnight(day, zone)

    if timed and start is not None and f.durs and end is None:
        end = plus_elapsed(start, minutes_of(f.durs[0]["amount"]), zone)
        end_said = True

    # ---- whole-day events and default durations
    whole_day = f.allday or whole_range is not None or whole_day_kind
    if intent == "meeting":
        if timed and end is None and start is not None:
            end = plus_elapsed(start, 60, zone)
        elif not timed and start is not None and whole_day:
            last = whole_range[1] if whole_range is not None else start.date()
            end = midnight(last + timedelta(days=1), zone)
    elif not timed and whole_range is not None and start is not None:
        end = midnight(whole_range[1] + timedelta(days=1), zone)
    if not timed and end is not None and not end_said and intent != "meeting":
        end = None

    # ---- title and needs
    lead_hits = [h for h in hits if h.intent == "task" and h.group in ("create", "lead")]
    title = build_title(text, toks, mentions, cmd_hits, note=False,
                        drop_reminder=reminder, lead_hits=lead_hits, skip=skip,
                        command=intent in _COMMANDS)
    if title and intent in _COMMANDS and cmd_hits and toks[cmd_hits[0].i].t in _GEN_NOUNS:
        title = _nominative_head(title, toks, cmd_hits[0].j, canon)
    needs = []
    required = set(canon.needs(intent)) if intent in canon.intents else set()
    if reminder:
        required.add("date")
    if "title" in required and not title:
        needs.append("title")
    if "date" in required and start is None:
        needs.append("date")
    if intent == "meeting" and "time" in required and not timed and not whole_day:
        needs.append("time")
    del date_invalid
    return ParseResult(intent, title, start, end, start is not None and not timed, rrule,
                       tuple(needs))
