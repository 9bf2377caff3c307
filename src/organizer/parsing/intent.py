"""Vocabulary hits from the canon, and the intent decision of CONVENTIONS.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from organizer.parsing.tokens import Tok, stem

if TYPE_CHECKING:
    from organizer.canon import Canon
    from organizer.parsing.mention import Mention

# Intents that act on an existing item named by the title.
COMMANDS = ("cancel", "reschedule", "complete")


@dataclass(frozen=True)
class Hit:
    intent: str  # an intent name or "unknown"
    group: str  # "" for the intent's main list, else "reminder", "whole_day", …
    i: int
    j: int


def _word_matches(pattern: str, tok: Tok, tok_stem: str) -> bool:
    if pattern.endswith("*"):
        return tok.t.startswith(pattern[:-1])
    if tok.t == pattern:
        return True
    # Ending-tolerant match, but only on stems long enough to mean something
    # ("какие" and "как" share the stem "как").
    return len(tok_stem) >= 4 and tok_stem == stem(pattern)


def _phrase_end(phrase: tuple[str, ...], toks: list[Tok], stems: list[str], i: int) -> int:
    """Where `phrase` ends when it is said from token i on; 0 when it is not."""
    if not _word_matches(phrase[0], toks[i], stems[i]):
        return 0
    j = i + 1
    for w in phrase[1:]:
        if j >= len(toks) or not _word_matches(w, toks[j], stems[j]):
            return 0
        j += 1
    return j


# Separable phrasal verbs: "drop the car off", "pick the kids up" say the canon's "drop
# off" / "pick up" with the object between; the particle may come this many words later.
_PARTICLES = frozenset(str.split("up off out in back over down away"))
_SPLIT_GAP = 4


def _split_phrasal(phrase: tuple[str, ...], toks: list[Tok], stems: list[str], i: int) -> int:
    """i + 1 when the two-word `phrase` ("drop off") is said apart from token i ("drop the
    car off"), the words between them plain words; 0 when it is not."""
    if len(phrase) != 2 or phrase[1] not in _PARTICLES:
        return 0
    if not _word_matches(phrase[0], toks[i], stems[i]):
        return 0
    for k in range(i + 2, min(i + 2 + _SPLIT_GAP, len(toks))):
        if toks[k].kind != "w":
            return 0
        if toks[k].t == phrase[1]:
            return i + 1
    return 0


def find_hits(toks: list[Tok], stems: list[str], canon: Canon) -> list[Hit]:
    """Every canon phrase found in the tokens (longest per start and intent)."""
    index = canon.index
    # the prefix phrases ("созвон*") with their prefix
    stars = [(e[2][0][:-1], e) for e in index.get("*", ())]
    hits: list[Hit] = []
    for i, tok in enumerate(toks):
        if tok.kind == "p" and tok.t != ":":
            continue
        # Candidates by the word and by its stem (once when they are the same: a repeat
        # cannot change the longest match), and the prefix phrases ("созвон*") only when the
        # word has their prefix, so most words have none and are passed over at once.
        cands = index.get(tok.t, ())
        if stems[i] != tok.t:
            cands += index.get(stems[i], ())
        for prefix, entry in stars:
            if tok.t.startswith(prefix):
                cands += (entry,)
        if not cands:
            continue
        best: dict[tuple[str, str], int] = {}
        for intent, group, phrase in cands:
            j = _phrase_end(phrase, toks, stems, i) or _split_phrasal(phrase, toks, stems, i)
            if j and best.get((intent, group), 0) < j:
                best[(intent, group)] = j
        # small talk wins a tie at the same start ("как дела" is not "какие дела")
        small = best.get(("unknown", ""), 0)
        for (intent, group), j in best.items():
            if intent == "agenda" and small >= j:
                continue
            hits.append(Hit(intent, group, i, j))
    return hits


# ------------------------------------------------------------------ the intent decision

# Words that may come before a note word ("давай запиши", "can you note", "а запиши").
_NOTE_POLITE = frozenset(str.split(
    "а и so ok ок давай давайте можешь можете можно пожалуйста please can could you just "
    "ты вы у меня есть такая одна маленькая i have got ive an a quick small просто ещё еще "
    "also"))


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
_LIST_WORDS = frozenset(str.split(
    "meetings tasks plans events appointments calls встречи задачи планы дела созвоны "
    "мероприятия"))


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


def _asks(toks: list[Tok], c: Hit, h: Hit, covered: set[int]) -> bool:
    """"скажи (мне), что у меня завтра", "tell me what's on": asking the bot, not a to-do
    ("скажи Пете, что у меня завтра встреча" is one)."""
    return toks[c.i].t in _ASK_VERBS and all(
        toks[k].kind == "p" or toks[k].t in _AGENDA_GLUE or k in covered
        for k in range(c.j, h.i))


def _only_time_after(toks: list[Tok], h: Hit, covered: set[int]) -> bool:
    """Nothing but time words and punctuation after hit h ("напомни, что у меня завтра")."""
    return all(k in covered or toks[k].kind == "p" for k in range(h.j, len(toks)))


def _covered(mentions: list[Mention]) -> set[int]:
    """Token indices inside a date/time mention."""
    covered: set[int] = set()
    for m in mentions:
        covered.update(range(m.i, m.j))
    return covered


def _relabel(toks: list[Tok], free: list[Hit], covered: set[int],
             skip: set[int] | frozenset[int]) -> list[Hit]:
    """Hits whose meaning their neighbours decide, relabelled."""
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
    return free


def _note_hit(toks: list[Tok], free: list[Hit], first_word: int,
              skip: set[int] | frozenset[int]) -> Hit | None:
    """A note word that leads the message (after nothing but politeness)."""
    for h in free:
        if h.intent == "note" and h.i <= first_word + 3 and all(
            toks[k].t in _NOTE_POLITE or toks[k].kind == "p" or k in skip
            for k in range(first_word, h.i)
        ) and not any(c.intent == "task" and c.i == h.i and c.j > h.j for c in free):
            # ("запиши меня к стоматологу" books an appointment: a to-do, not a note)
            return h
    return None


def _books_event(toks: list[Tok], free: list[Hit], h: Hit) -> bool:
    """"запиши встречу с юристом в среду в 11": the verb «записать» has an event word for
    its object and a time is said, so it goes in the calendar ("запиши: встреча прошла",
    "заметка встреча переносится" are notes)."""
    return toks[h.i].t.startswith(("запиш", "запис")) and h.j == h.i + 1 \
        and any(c.intent == "meeting" and c.group == "" and c.i == h.j for c in free)


def _about_something_else(toks: list[Tok], h: Hit, covered: set[int]) -> bool:
    """"что там (по планам) на выходных" asks about plans; "что там с отчётом" not: only a
    time or nothing may follow "что там", "what about"."""
    if not (h.j - h.i == 2 and toks[h.i + 1].t in ("там", "about")):
        return False
    n = len(toks)
    k = h.j
    while k < n and toks[k].t in _AGENDA_TAIL:
        k += 1
    return not (k == n or toks[k].t == "?" or k in covered)


def _to_do_before(toks: list[Tok], c: Hit, h: Hit, free: list[Hit], covered: set[int]) -> bool:
    """Hit c, before the agenda phrase h, makes the message a to-do: a command, or an action
    or a reminder ("скажи Пете что у меня завтра встреча") — but not a request to tell, and
    not a reminder followed by nothing but time words ("напомни, что у меня завтра")."""
    if c.i >= h.i or _asks(toks, c, h, covered):
        return False
    if c.intent in COMMANDS:
        return True
    return c.intent == "task" and c.group in ("", "reminder") and not (
        _only_time_after(toks, h, covered)
        and any(r.group == "reminder" and r.i <= c.i < r.j for r in free))


def _agenda_hit(toks: list[Tok], free: list[Hit], first_word: int,
                covered: set[int]) -> Hit | None:
    """A question about plans near the start, or after nothing but time words ("на
    следующей неделе что у меня", "tomorrow what do I have", "а в пятницу какие планы")."""
    for h in free:
        if h.intent != "agenda" or _about_something_else(toks, h, covered):
            continue
        leads = h.i <= first_word + 2 or all(
            k in covered or toks[k].kind == "p" or toks[k].t in _AGENDA_GLUE
            for k in range(first_word, h.i))
        if leads and not any(_to_do_before(toks, c, h, free, covered) for c in free) and not any(
                c.intent == "task" and c.group == "create" and c.i <= h.i < c.j for c in free):
            return h
    return None


_MARKS = ("mark", "отметь", "отметить", "пометь", "пометить")


def _commands(toks: list[Tok], free: list[Hit], first_word: int) -> list[Hit]:
    """The command hits (cancel, reschedule, complete) in the order said."""
    commands = [h for h in free if h.intent in COMMANDS]
    # "убери встречу с Иваном": removing an event is cancelling it
    if toks[first_word].t in ("убери", "уберите", "убрать") and any(
        h.intent == "meeting" and h.i == first_word + 1 for h in free
    ):
        commands.append(Hit("cancel", "", first_word, first_word + 1))
    if not commands:
        return commands
    # "mark ... as done": "mark"/"отметь" alone is not enough
    strong = [h for h in commands
              if not (h.intent == "complete" and toks[h.i].t in _MARKS and h.j - h.i == 1)]
    marks = [h for h in commands if h not in strong]
    if marks and any(h.intent == "complete" for h in strong):
        strong = strong + marks
    return sorted(strong, key=lambda h: h.i)


def _actions(toks: list[Tok], free: list[Hit], words: list[int], covered: set[int],
             creates: list[Hit]) -> list[Hit]:
    """What leads a to-do: lead words, action words and Russian infinitives (not inside a
    creation phrase: "создай задачу")."""
    actions = [h for h in free if h.intent == "task" and h.group == "lead"]
    actions += [h for h in free if h.intent == "task" and h.group == ""
                and not any(c.i <= h.i < c.j for c in creates)]
    actions += [Hit("task", "", i, i + 1) for i in words if i not in covered
                and _infinitive(toks[i].t) and not any(c.i <= i < c.j for c in creates)]
    return actions


def _small_talk(words: list[int], free: list[Hit], covered: set[int],
                has_time: bool) -> tuple[str, bool, list[Hit]]:
    """No action and no event: a time alone is a task, small talk or nothing is unknown."""
    if not has_time:
        return "unknown", False, []
    if any(h.intent == "unknown" for h in free):
        # small talk, unless something else is said too
        content = [i for i in words if i not in covered and not any(
            h.i <= i < h.j for h in free if h.intent == "unknown")]
        if not content:
            return "unknown", False, []
    return "task", False, []


def _task_or_meeting(toks: list[Tok], free: list[Hit], words: list[int], covered: set[int],
                     mentions: list[Mention], has_time: bool) -> tuple[str, bool, list[Hit]]:
    """Whichever of action and event comes first ("забрать дочь с тренировки" is a task,
    "созвон с Олей" a meeting); creation words let the created object decide."""
    n = len(toks)
    first_word = words[0]
    creates = [h for h in free if h.intent == "task" and h.group == "create"]
    leads = [h for h in free if h.intent == "task" and h.group in ("lead", "create")
             and h.i <= first_word + 2]
    actions = _actions(toks, free, words, covered, creates)
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
    return _small_talk(words, free, covered, has_time)


def classify(toks: list[Tok], hits: list[Hit], mentions: list[Mention], has_time: bool,
             skip: set[int] | frozenset[int] = frozenset()
             ) -> tuple[str, bool, list[Hit]]:
    """(intent, is_reminder, command hits to drop from the title); `skip`: fillers.

    In order: note words at the start, agenda questions, commands, reminders, then
    whichever of action and event comes first."""
    words = [i for i, t in enumerate(toks) if t.kind != "p" and i not in skip]
    hits = [h for h in hits if h.i not in skip]
    if not words:
        return "unknown", False, []
    covered = _covered(mentions)
    free = [h for h in hits if h.i not in covered or (h.intent in ("agenda", "meeting")
            and h.group == "" and toks[h.i].t in ("весь", "all"))]
    free = _relabel(toks, free, covered, skip)
    first_word = words[0]
    note = _note_hit(toks, free, first_word, skip)
    if note is not None:
        booked = has_time and _books_event(toks, free, note)
        return ("meeting" if booked else "note"), False, [note]
    agenda = _agenda_hit(toks, free, first_word, covered)
    if agenda is not None:
        return "agenda", False, [agenda]
    # "meetings this week?", "встречи на завтра?": a plural list word asked about
    if toks[-1].t == "?" and toks[first_word].t in _LIST_WORDS:
        return "agenda", False, []
    reminder = [h for h in free if h.intent == "task" and h.group == "reminder"]
    commands = _commands(toks, free, first_word)
    if commands and not (reminder and reminder[0].i < commands[0].i):
        intent = commands[0].intent
        return intent, False, [h for h in commands if h.intent == intent]
    if reminder:
        return "task", True, [reminder[0]]
    return _task_or_meeting(toks, free, words, covered, mentions, has_time)
