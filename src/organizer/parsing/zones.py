"""A time zone named after a clock time: "at 3pm CET", "9am New York time", "at 9 PT",
"at 10 UTC", "15:00 GMT+3", «в 10 по Москве», «в 15 по Киеву», «в 9 по мск», «в 18 по
Гринвичу», «по московскому времени».

The answer is an IANA zone name (read with zoneinfo, so the offset is that of the date:
"at 3pm CET" in July is 15:00 Berlin summer time) or, for "GMT+3"/"UTC-5:30", a fixed
offset in minutes east of UTC. Abbreviations of a region's standard or summer time (EST,
EDT, CET, PST …) name the region's clock: people write "EST" all year round.
"""

from __future__ import annotations

from organizer.parsing.mention import Clock, Mention
from organizer.parsing.tokens import Tok

_NY, _LA, _CHI, _DEN = "America/New_York", "America/Los_Angeles", "America/Chicago", \
    "America/Denver"
_MSK, _KYIV, _LON, _BER = "Europe/Moscow", "Europe/Kyiv", "Europe/London", "Europe/Berlin"

# Said after the clock by themselves ("16:00 CET", «в 10 мск»), optionally with "time".
ABBR: dict[str, str] = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "cet": _BER, "cest": _BER, "bst": _LON,
    "ist": "Asia/Kolkata", "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": _MSK,
    "мск": _MSK, "est": _NY, "edt": _NY, "et": _NY, "cst": _CHI, "cdt": _CHI, "ct": _CHI,
    "mst": _DEN, "mdt": _DEN, "mt": _DEN, "pst": _LA, "pdt": _LA, "pt": _LA,
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "sgt": "Asia/Singapore",
}
# English places and regions, said with "time" after them ("9am New York time").
EN_PLACES: dict[str, str] = {
    "moscow": _MSK, "kyiv": _KYIV, "kiev": _KYIV, "london": _LON, "berlin": _BER,
    "paris": "Europe/Paris", "new york": _NY, "ny": _NY, "nyc": _NY, "eastern": _NY,
    "central": _CHI, "chicago": _CHI, "mountain": _DEN, "denver": _DEN, "pacific": _LA,
    "la": _LA, "los angeles": _LA, "san francisco": _LA, "sf": _LA, "seattle": _LA,
    "tokyo": "Asia/Tokyo", "singapore": "Asia/Singapore", "dubai": "Asia/Dubai",
    "sydney": "Australia/Sydney", "istanbul": "Europe/Istanbul", "tbilisi": "Asia/Tbilisi",
    "minsk": "Europe/Minsk", "warsaw": "Europe/Warsaw", "lisbon": "Europe/Lisbon",
    "greenwich": "UTC", "utc": "UTC", "gmt": "UTC", "india": "Asia/Kolkata",
}
# Russian places after «по» (dative), and the adjectives said with «времени».
RU_PLACES: dict[str, str] = {
    "москве": _MSK, "мск": _MSK, "киеву": _KYIV, "лондону": _LON, "берлину": _BER,
    "парижу": "Europe/Paris", "нью-йорку": _NY, "гринвичу": "UTC", "utc": "UTC",
    "gmt": "UTC", "минску": "Europe/Minsk", "питеру": _MSK, "екатеринбургу":
    "Asia/Yekaterinburg", "екб": "Asia/Yekaterinburg", "новосибирску": "Asia/Novosibirsk",
    "владивостоку": "Asia/Vladivostok", "калининграду": "Europe/Kaliningrad",
    "самаре": "Europe/Samara", "омску": "Asia/Omsk", "иркутску": "Asia/Irkutsk",
    "хабаровску": "Asia/Vladivostok", "алматы": "Asia/Almaty", "тбилиси": "Asia/Tbilisi",
    "стамбулу": "Europe/Istanbul", "дубаю": "Asia/Dubai", "токио": "Asia/Tokyo",
    "варшаве": "Europe/Warsaw", "лос-анджелесу": _LA, "калифорнии": _LA,
    "московскому": _MSK, "киевскому": _KYIV, "лондонскому": _LON, "берлинскому": _BER,
    "нью-йоркскому": _NY, "екатеринбургскому": "Asia/Yekaterinburg",
    "новосибирскому": "Asia/Novosibirsk", "владивостокскому": "Asia/Vladivostok",
    "калининградскому": "Europe/Kaliningrad", "минскому": "Europe/Minsk",
    "гринвичскому": "UTC", "всемирному": "UTC", "восточному": _NY, "тихоокеанскому": _LA,
    "центральному": _CHI, "горному": _DEN,
}
# US regions said bare after the clock ("at 5pm eastern", "9am pacific"): a zone only where
# the phrase ends or a joining word follows, so "at 1pm central park" keeps its park.
_REGIONS = frozenset({"eastern", "pacific", "central", "mountain"})
_AFTER_REGION = frozenset({
    "to", "for", "about", "on", "and", "with", "re", "tomorrow", "today", "tonight", "please",
    "pls", "so", "then", "sharp", "next", "this", "every", "ok", "okay",
})
_TIME_WORDS = frozenset({"time", "времени"})
# The first word of every zone phrase (a quick test before the tables are searched).
_FIRST_WORDS = frozenset({"по", *ABBR, *(p.split()[0] for p in EN_PLACES)})
_FIXED_BASES = frozenset({"utc", "gmt", "мск"})


def _words(toks: list[Tok], k: int, size: int) -> str | None:
    """`size` tokens from k as one phrase: spaces between words, a glued hyphen kept
    («нью-йорку»)."""
    if k + size > len(toks):
        return None
    parts = [toks[k].t]
    for tok in toks[k + 1:k + size]:
        parts.append(tok.t if tok.glued and (tok.t == "-" or parts[-1] == "-") else " " + tok.t)
    return "".join(parts)


def _place(toks: list[Tok], k: int, table: dict[str, str]) -> tuple[str, int] | None:
    for size in (3, 2, 1):
        phrase = _words(toks, k, size)
        if phrase is not None and phrase in table:
            return table[phrase], k + size
    return None


def _offset(toks: list[Tok], k: int, base: str) -> tuple[int, int] | None:
    """"GMT+3", "UTC-05:00", "GMT+5:30", «МСК+2»: a signed offset right after the base."""
    n = len(toks)
    if k + 1 >= n or toks[k].t not in ("+", "-", "−") or toks[k + 1].kind != "d":
        return None
    hours = int(toks[k + 1].t)
    j = k + 2
    minutes = 0
    if j + 1 < n and toks[j].t == ":" and toks[j + 1].kind == "d" and len(toks[j + 1].t) == 2:
        minutes = int(toks[j + 1].t)
        j += 2
    if hours > 14 or minutes >= 60:
        return None
    off = hours * 60 + minutes
    sign = -1 if toks[k].t in ("-", "−") else 1
    return (180 if base == "мск" else 0) + sign * off, j


def _skip_time_word(toks: list[Tok], k: int) -> int:
    return k + 1 if k < len(toks) and toks[k].t in _TIME_WORDS else k


def match_zone(toks: list[Tok], k: int) -> tuple[int | str | None, int]:
    """The zone named at token k and the index after it; (None, k) when none is."""
    n = len(toks)
    if k >= n or toks[k].t not in _FIRST_WORDS:
        return None, k  # the common case: nothing after the clock names a zone
    if toks[k].t == "по":
        hit = _place(toks, k + 1, RU_PLACES)
        if hit is None:
            return None, k
        return hit[0], _skip_time_word(toks, hit[1])
    t = toks[k].t
    if t in _FIXED_BASES:
        fixed = _offset(toks, k + 1, t)
        if fixed is not None:
            return fixed[0], _skip_time_word(toks, fixed[1])
    if t in ABBR:
        return ABBR[t], _skip_time_word(toks, k + 1)
    hit = _place(toks, k, EN_PLACES)
    if hit is not None and hit[1] < n and toks[hit[1]].t == "time":
        return hit[0], hit[1] + 1
    if t in _REGIONS and _ends_phrase(toks, k + 1):
        return EN_PLACES[t], k + 1
    return None, k


def _ends_phrase(toks: list[Tok], k: int) -> bool:
    """Whether the words at k close a bare region's phrase: the end, punctuation, or a
    joining word ("at 5pm eastern to submit …", "9am pacific, tomorrow")."""
    return k >= len(toks) or toks[k].kind == "p" or toks[k].t in _AFTER_REGION


def zone_name(tzo: int | str) -> str:
    """The `zone` field for a named zone: the IANA name, or for a fixed offset the
    Etc/GMT zone of a whole hour (POSIX sign: Etc/GMT-3 is UTC+3), else "UTC+05:30"."""
    if isinstance(tzo, str):
        return tzo
    if tzo == 0:
        return "UTC"
    if tzo % 60 == 0:
        return f"Etc/GMT{-tzo // 60:+d}"
    sign = "+" if tzo > 0 else "-"
    return f"UTC{sign}{abs(tzo) // 60:02d}:{abs(tzo) % 60:02d}"


def named_zone(mentions: list[Mention]) -> str | None:
    """The `zone` field of a parse: the zone named after the first clock that has one."""
    for m in mentions:
        for key in ("clock", "start"):
            c = m.data.get(key)
            if isinstance(c, Clock) and c.tzo is not None:
                return zone_name(c.tzo)
    return None
