"""Field-by-field judge for `organizer parse` output.

Implements "How it is compared" of shared/nlu/CONVENTIONS.md, independently of the parser:

- ``intent``: exact;
- ``start`` / ``end``: the same instant to the minute; a string without a UTC offset is
  wrong, null against a value is wrong;
- ``all_day``: exact (a bool);
- ``needs``: as a set;
- ``rrule``: as a set of ``KEY=VALUE`` parts (list values as sets), ignoring the parts that
  the record's own start implies (``INTERVAL=1``, ``WKST=MO``, ``BYHOUR``/``BYMINUTE``/
  ``BYSECOND`` equal to the start's clock, a single ``BYDAY`` equal to the start's weekday on a
  weekly rule, ``BYMONTHDAY`` equal to the start's day on a monthly or yearly rule,
  ``BYMONTH`` equal to the start's month on a yearly rule);
- ``title``: fuzzily: case-folded, ё = е, tokens that are numbers or date/time words dropped,
  Russian inflection endings and English plural -s cut by a light stemmer, then Dice
  similarity of the token sets ≥ 0.75; null against a string is wrong.

Pure: no I/O and no import of the parser (``score`` takes the parse function as an argument).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FIELDS = ("intent", "title", "start", "end", "all_day", "rrule", "needs")
TITLE_THRESHOLD = 0.75

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# Longest first; a cut must leave at least two letters.
_RU_ENDINGS = tuple(
    sorted(
        ["иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ией", "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях", "ов", "ев", "ью", "ия", "ие", "ию", "а", "я", "о", "е", "у", "ю", "ы", "и", "ь", "й"],
        key=len,
        reverse=True,
    )
)
_CYRILLIC = re.compile(r"[а-я]")
_TOKEN = re.compile(r"\w+")
_POSSESSIVE = re.compile(r"['’]s\b")  # "mom's" is compared as "mom"

# Date/time words (any inflected form reduces to the same stem) and number words.
_TIME_WORDS_RU = """
сегодня завтра послезавтра вчера позавчера сегодняшний завтрашний завтрашняя завтрашнюю
сегодняшнюю утро утра утром днём днем дня вечер вечера вечером ночь ночи ночью полдень полудня
полночь полуночи час часа часов часик минута минуты минут минуту секунд полчаса полтора
полторы неделя неделе неделю недели недель месяц месяца месяцев году год лет
понедельник понедельника понедельникам вторник вторника вторникам среда среду среды средам
четверг четверга четвергам пятница пятницу пятницы пятницам суббота субботу субботы субботам
воскресенье воскресенья воскресеньям выходные выходных выходным будни будням будний
январь января февраль февраля март марта апрель апреля май мая июнь июня июль июля
август августа сентябрь сентября октябрь октября ноябрь ноября декабрь декабря
каждый каждую каждое каждого каждые ежедневно еженедельно ежемесячно ежегодно
следующий следующую следующей следующее число числа числам
ноль один одна одну два две три четыре пять шесть семь восемь девять десять одиннадцать
двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать
девятнадцать двадцать тридцать сорок пятьдесят первое первого второго третьего четвёртого
пятого шестого седьмого восьмого девятого десятого одиннадцатого двенадцатого
половине половина четверть четверти полвторого полтретьего полчетвёртого полпятого
полшестого полседьмого полвосьмого полдевятого полдесятого полодиннадцатого полдвенадцатого
полпервого
"""
_TIME_WORDS_EN = """
today tomorrow tonight yesterday morning afternoon evening night noon midnight am pm
hour hours minute minutes min mins week weeks weekend weekends weekday weekdays month months
year years daily weekly monthly yearly every next
monday mon tuesday tue tues wednesday wed thursday thu thur thurs friday fri saturday sat
sunday sun mondays tuesdays wednesdays thursdays fridays saturdays sundays
january jan february feb march mar april apr may june jun july jul august aug september sep
sept october oct november nov december dec
zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty half quarter
first second third fourth fifth st nd rd th o'clock oclock
"""


def _stem(token: str) -> str:
    """A light stemmer: cut one common Russian ending, or an English plural -s."""
    if _CYRILLIC.search(token):
        for ending in _RU_ENDINGS:
            if token.endswith(ending) and len(token) - len(ending) >= 2:
                return token[: -len(ending)]
        return token
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _norm(text: str) -> str:
    return text.casefold().replace("ё", "е")


_IGNORED = frozenset(_stem(_norm(w)) for w in (_TIME_WORDS_RU + _TIME_WORDS_EN).split())


# A preposition directly before an ignored word belongs to the date/time phrase ("в 16",
# "к 5 марта", "at 6pm", "by friday") and is ignored with it.
_PREPOSITIONS = "в во к ко до с со по на через около после at on by in from to for until till"
_TIME_PREPOSITIONS = frozenset(_PREPOSITIONS.split())


def title_tokens(title: str) -> frozenset[str]:
    """The token set a title is compared by."""
    raws = _TOKEN.findall(_POSSESSIVE.sub("", _norm(title)))
    ignored = [
        any(ch.isdigit() for ch in raw) or raw == "_" or raw in _IGNORED or _stem(raw) in _IGNORED
        for raw in raws
    ]
    for i in range(len(raws) - 2, -1, -1):
        if ignored[i + 1] and raws[i] in _TIME_PREPOSITIONS:
            ignored[i] = True
    return frozenset(_stem(raw) for raw, skip in zip(raws, ignored, strict=True) if not skip)


def title_similarity(a: str, b: str) -> float:
    """Dice similarity of the two titles' token sets (1.0 when both are empty)."""
    ta, tb = title_tokens(a), title_tokens(b)
    if not ta and not tb:
        return 1.0
    return 2 * len(ta & tb) / (len(ta) + len(tb))


def titles_match(expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if not isinstance(expected, str) or not isinstance(got, str):
        return False
    return title_similarity(expected, got) >= TITLE_THRESHOLD


def parse_instant(value: Any) -> datetime | None:
    """An aware datetime from an ISO-8601 string with offset, else None."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        return None
    return dt


def instants_match(expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    e, g = parse_instant(expected), parse_instant(got)
    if e is None or g is None:
        return False
    return int(e.timestamp() // 60) == int(g.timestamp() // 60)


def rrule_parts(rrule: str, start: Any = None) -> frozenset[tuple[str, frozenset[str]]] | None:
    """The rule's KEY=VALUE parts without those implied by ``start``; None if malformed."""
    parts: dict[str, frozenset[str]] = {}
    for chunk in rrule.strip().strip(";").split(";"):
        key, sep, value = chunk.partition("=")
        key = key.strip().upper()
        if not sep or not key or not value.strip():
            return None
        parts[key] = frozenset(v.strip().upper() for v in value.split(",") if v.strip())
    if "FREQ" not in parts:
        return None
    if parts.get("INTERVAL") == frozenset({"1"}):
        del parts["INTERVAL"]
    if parts.get("WKST") == frozenset({"MO"}):
        del parts["WKST"]
    dt = parse_instant(start)
    if dt is not None:
        freq = next(iter(parts["FREQ"]))
        implied = {
            "BYHOUR": str(dt.hour),
            "BYMINUTE": str(dt.minute),
            "BYSECOND": str(dt.second),
        }
        if freq == "WEEKLY":
            implied["BYDAY"] = _WEEKDAYS[dt.weekday()]
        if freq in ("MONTHLY", "YEARLY"):
            implied["BYMONTHDAY"] = str(dt.day)
        if freq == "YEARLY":
            implied["BYMONTH"] = str(dt.month)
        for key, value in implied.items():
            have = parts.get(key)
            if have is not None and len(have) == 1:
                only = next(iter(have))
                if only == value or (only.isdigit() and only.lstrip("0") == value.lstrip("0")):
                    del parts[key]
    return frozenset(parts.items())


def rrules_match(expected: Any, got: Any, expected_start: Any = None, got_start: Any = None) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if not isinstance(expected, str) or not isinstance(got, str):
        return False
    e = rrule_parts(expected, expected_start)
    if e is None:
        return False
    # implied parts are read from the record's own start; a wrong start is already counted
    # under "start", so the expected start is accepted as well
    return e in (rrule_parts(got, got_start), rrule_parts(got, expected_start))


def needs_match(expected: Any, got: Any) -> bool:
    if not isinstance(got, list | tuple) or not all(isinstance(x, str) for x in got):
        return False
    return set(expected) == set(got)


def judge(expected: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    """The names of the fields of ``got`` that are wrong against ``expected`` ([] = all right)."""
    wrong = []
    if got.get("intent") != expected["intent"]:
        wrong.append("intent")
    if not titles_match(expected["title"], got.get("title")):
        wrong.append("title")
    for key in ("start", "end"):
        if not instants_match(expected[key], got.get(key)):
            wrong.append(key)
    all_day = got.get("all_day")
    if not isinstance(all_day, bool) or all_day != expected["all_day"]:
        wrong.append("all_day")
    if not rrules_match(expected["rrule"], got.get("rrule"), expected["start"], got.get("start")):
        wrong.append("rrule")
    if not needs_match(expected["needs"], got.get("needs")):
        wrong.append("needs")
    return wrong


# ---------------------------------------------------------------------------- scoring


@dataclass
class Failure:
    id: str
    category: str
    text: str
    fields: list[str]
    expected: dict[str, Any]
    got: dict[str, Any] | None
    error: str | None = None


@dataclass
class Report:
    total: int = 0
    passed: int = 0
    by_language: dict[str, list[int]] = field(default_factory=dict)  # lang -> [passed, total]
    by_category: dict[str, list[int]] = field(default_factory=dict)
    by_field: dict[str, int] = field(default_factory=dict)  # field -> how many rows wrong
    failures: list[Failure] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def table(self, limit: int | None = None) -> str:
        """The failures as a plain-text table, one block per row."""
        lines = [f"{self.passed}/{self.total} full matches ({self.rate:.1%})"]
        for lang, (ok, n) in sorted(self.by_language.items()):
            lines.append(f"  {lang}: {ok}/{n}")
        for name, n in sorted(self.by_field.items(), key=lambda kv: -kv[1]):
            lines.append(f"  wrong {name}: {n}")
        for f in self.failures[:limit]:
            lines.append(f"- {f.id} [{f.category}] {f.text!r}: {', '.join(f.fields)}")
            if f.error:
                lines.append(f"    error: {f.error}")
                continue
            for key in f.fields:
                got = None if f.got is None else f.got.get(key)
                lines.append(f"    {key}: expected {f.expected.get(key)!r}, got {got!r}")
        return "\n".join(lines)


def row_language(row: Mapping[str, Any]) -> str:
    if row.get("lang"):
        return str(row["lang"])
    return "ru" if _CYRILLIC.search(_norm(str(row.get("text", "")))) else "en"


def as_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, Mapping):
        return dict(result)
    for attr in ("as_dict", "to_dict", "model_dump", "_asdict"):
        fn = getattr(result, attr, None)
        if callable(fn):
            return dict(fn())
    if hasattr(result, "__dataclass_fields__"):
        return {k: getattr(result, k) for k in result.__dataclass_fields__}
    raise TypeError(f"parse returned {type(result).__name__}, not a mapping")


def score(
    rows: Iterable[Mapping[str, Any]],
    parse_fn: Callable[[str, str, str], Any],
) -> Report:
    """Run ``parse_fn(text, now, tz)`` over corpus rows and judge every answer."""
    report = Report()
    for row in rows:
        lang = row.get("lang") or str(row.get("id", "")).split("-")[0] or row_language(row)
        if lang not in ("ru", "en"):
            lang = row_language(row)
        category = str(row.get("category", ""))
        expected = dict(row["expected"])
        report.total += 1
        report.by_language.setdefault(lang, [0, 0])[1] += 1
        report.by_category.setdefault(category, [0, 0])[1] += 1
        try:
            got = as_dict(parse_fn(row["text"], row["now"], row["tz"]))
        except Exception as exc:  # a crash is one failed row, never a crashed run
            report.failures.append(
                Failure(str(row.get("id")), category, row["text"], list(FIELDS), expected,
                        None, f"{type(exc).__name__}: {exc}")
            )
            for name in FIELDS:
                report.by_field[name] = report.by_field.get(name, 0) + 1
            continue
        wrong = judge(expected, got)
        if wrong:
            report.failures.append(
                Failure(str(row.get("id")), category, row["text"], wrong, expected, got)
            )
            for name in wrong:
                report.by_field[name] = report.by_field.get(name, 0) + 1
        else:
            report.passed += 1
            report.by_language[lang][0] += 1
            report.by_category[category][0] += 1
    return report
