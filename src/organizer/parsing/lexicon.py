"""Word tables: number words (cardinal and ordinal, Russian cases), months, weekdays,
units, parts of day. Built once at import from short stems; all keys are normalised
(lower case, ё -> е)."""

from __future__ import annotations

# ---------------------------------------------------------------- cardinal numbers
_RU_CARD = {
    0: "ноль нуль нуля",
    1: "один одна одно одну одного одной одному одним",
    2: "два две двух двум двумя пару пара двое",
    3: "три трех трем тремя трое",
    4: "четыре четырех четырем четверо",
    5: "пять пяти пятью пятеро",
    6: "шесть шести",
    7: "семь семи",
    8: "восемь восьми",
    9: "девять девяти",
    10: "десять десяти",
    11: "одиннадцать одиннадцати",
    12: "двенадцать двенадцати",
    13: "тринадцать тринадцати",
    14: "четырнадцать четырнадцати",
    15: "пятнадцать пятнадцати",
    16: "шестнадцать шестнадцати",
    17: "семнадцать семнадцати",
    18: "восемнадцать восемнадцати",
    19: "девятнадцать девятнадцати",
    20: "двадцать двадцати",
    30: "тридцать тридцати",
    40: "сорок сорока",
    50: "пятьдесят пятидесяти",
}
_EN_CARD = {
    0: "zero oh o",
    1: "one a an",
    2: "two couple",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
    13: "thirteen",
    14: "fourteen",
    15: "fifteen",
    16: "sixteen",
    17: "seventeen",
    18: "eighteen",
    19: "nineteen",
    20: "twenty",
    30: "thirty",
    40: "forty fourty",
    50: "fifty",
}
CARD: dict[str, int] = {}
for _table in (_RU_CARD, _EN_CARD):
    for _n, _words in _table.items():
        for _w in _words.split():
            CARD[_w] = _n
# Words that only count as numbers right before a unit ("a week", "an hour", "пару дней").
WEAK_CARD = frozenset({"a", "an", "o", "oh", "пару", "пара", "couple"})
TENS = frozenset({20, 30, 40, 50})

# ---------------------------------------------------------------- ordinal numbers
_RU_ORD_STEMS = {
    1: "перв",
    2: "втор",
    4: "четверт",
    5: "пят",
    6: "шест",
    7: "седьм",
    8: "восьм",
    9: "девят",
    10: "десят",
    11: "одиннадцат",
    12: "двенадцат",
    13: "тринадцат",
    14: "четырнадцат",
    15: "пятнадцат",
    16: "шестнадцат",
    17: "семнадцат",
    18: "восемнадцат",
    19: "девятнадцат",
    20: "двадцат",
    30: "тридцат",
}
_RU_ORD_ENDINGS = ["ый", "ой", "ий", "ое", "ая", "ую", "ого", "ому", "ом", "ым", "ых", "ые", "ыми"]
ORD: dict[str, int] = {}
for _n, _stem in _RU_ORD_STEMS.items():
    for _end in _RU_ORD_ENDINGS:
        ORD[_stem + _end] = _n
for _w in ["третий", "третье", "третья", "третью", "третьего", "третьему", "третьем", "третьей", "третьи", "третьих"]:
    ORD[_w] = 3
_EN_ORD = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    6: "sixth",
    7: "seventh",
    8: "eighth",
    9: "ninth",
    10: "tenth",
    11: "eleventh",
    12: "twelfth",
    13: "thirteenth",
    14: "fourteenth",
    15: "fifteenth",
    16: "sixteenth",
    17: "seventeenth",
    18: "eighteenth",
    19: "nineteenth",
    20: "twentieth",
    30: "thirtieth",
}
for _n, _w in _EN_ORD.items():
    ORD[_w] = _n
# Genitive ordinals as used for the coming hour: "полтретьего", "в половине четвёртого".
ORD_GEN: dict[str, int] = {
    w: n for w, n in ORD.items() if w.endswith(("ого", "его")) and n <= 12
}
# Suffixes after a digit that make it an ordinal: "18-е", "1-го", "1st", "15th".
ORD_SUFFIX = frozenset(
    ["е", "й", "я", "го", "ого", "его", "ое", "ой", "ый", "ей", "ему", "ому", "ом", "ем", "ье", "st", "nd", "rd", "th"]
)

# ---------------------------------------------------------------- months
_MONTHS = {
    1: "январь января январе январю янв jan january",
    2: "февраль февраля феврале февралю фев февр feb february",
    3: "март марта марте марту мар mar march",
    4: "апрель апреля апреле апрелю апр apr april",
    5: "май мая мае маю may",
    6: "июнь июня июне июню июн jun june",
    7: "июль июля июле июлю июл jul july",
    8: "август августа августе августу авг aug august",
    9: "сентябрь сентября сентябре сентябрю сен сент sep sept september",
    10: "октябрь октября октябре октябрю окт oct october",
    11: "ноябрь ноября ноябре ноябрю ноя нояб nov november",
    12: "декабрь декабря декабре декабрю дек dec december",
}
MONTHS: dict[str, int] = {w: n for n, ws in _MONTHS.items() for w in ws.split()}
# Month words that are also ordinary words; they need a day number beside them.
AMBIGUOUS_MONTHS = frozenset({"may", "mar", "march", "jan", "sat", "sun", "dec", "мар"})

# ---------------------------------------------------------------- weekdays
_WEEKDAYS = {
    0: "понедельник понедельника понедельнику понедельником понедельнике пн пнд "
    "monday mon",
    1: "вторник вторника вторнику вторником вторнике вт втр tuesday tue tues",
    2: "среда среду среды среде средой ср wednesday wed weds",
    3: "четверг четверга четвергу четвергом четверге чт чтв thursday thu thur thurs",
    4: "пятница пятницу пятницы пятнице пятницей пт птн friday fri",
    5: "суббота субботу субботы субботе субботой сб суб saturday sat",
    6: "воскресенье воскресенья воскресенью воскресеньем воскресение вс вск sunday sun",
}
WEEKDAYS: dict[str, int] = {w: n for n, ws in _WEEKDAYS.items() for w in ws.split()}
_WEEKDAYS_PLURAL = {
    0: "понедельникам понедельники mondays",
    1: "вторникам вторники tuesdays",
    2: "средам wednesdays",
    3: "четвергам четверги thursdays",
    4: "пятницам fridays",
    5: "субботам saturdays",
    6: "воскресеньям sundays",
}
WEEKDAYS_PLURAL: dict[str, int] = {
    w: n for n, ws in _WEEKDAYS_PLURAL.items() for w in ws.split()
}
# Abbreviations that are also common words: only with a preposition or beside a time.
WEAK_WEEKDAYS = frozenset({"ср", "вс", "sat", "sun", "wed", "mon", "сб", "вт", "пт", "чт", "пн"})
# Of those, the ones that are also everyday words need that company even at the end of
# the message ("I sat", "in the sun"); the rest may end it ("созвон с юристом ср").
WEAKEST_WEEKDAYS = frozenset({"sat", "sun", "wed"})
# Abbreviations that are hardly anything else, so no company is needed ("remind me mon
# to call the bank", "пт купить билеты").
FREE_WEEKDAYS = frozenset({"mon", "пн", "вт", "чт", "пт"})
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# ---------------------------------------------------------------- units
MINUTE_WORDS = frozenset(
    ["минута", "минуты", "минут", "минуту", "минутку", "минутки", "мин", "м", "minute", "minutes", "min", "mins"]
)
HOUR_WORDS = frozenset(["час", "часа", "часов", "часик", "часика", "часок", "часочек", "ч", "hour",
                        "hours", "hr", "hrs", "h"])
SECOND_WORDS = frozenset(["секунда", "секунды", "секунд", "секунду", "сек", "second", "seconds", "sec", "secs"])
DAY_WORDS = frozenset(["день", "дня", "дней", "денек", "денька", "деньков", "day", "days"])
DAY24_WORDS = frozenset(["сутки", "суток"])  # a day of 24 hours: elapsed time
WEEK_WORDS = frozenset(["неделя", "неделю", "недели", "недель", "неделе", "недельку", "недельки",
                        "week", "weeks"])
MONTH_WORDS = frozenset(["месяц", "месяца", "месяцев", "месяцу", "month", "months"])
YEAR_WORDS = frozenset(["год", "года", "лет", "году", "year", "years"])

# ---------------------------------------------------------------- parts of day
# morning / day / evening / night, after a clock time or on their own.
PART_OF_DAY = {
    "утра": "am",
    "утром": "am",
    "am": "am",
    "a": "am",
    "дня": "day",
    "днем": "day",
    "пополудни": "day",
    "pm": "pm",
    "p": "pm",
    "вечера": "pm",
    "вечером": "pm",
    "ночи": "night",
    "ночью": "night",
}
EN_PART_OF_DAY = {
    "morning": "am",
    "afternoon": "day",
    "evening": "pm",
    "night": "night",
    "tonight": "pm",
}

# ---------------------------------------------------------------- informal spellings
# Chat abbreviations and common misspellings of date/time words, read as the full word
# by every matcher (the title still cuts the writer's own spelling, by span).
ALIASES = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrrw": "tomorrow", "tmw": "tomorrow",
    "tmrow": "tomorrow", "tomoz": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow",
    "tommorrow": "tomorrow", "tomorrw": "tomorrow", "tmorrow": "tomorrow",
    "tonite": "tonight", "tonigh": "tonight", "tdy": "today", "tday": "today",
    "nxt": "next", "wk": "week", "wks": "weeks", "wkend": "weekend", "wknd": "weekend",
    "weeknd": "weekend", "mnth": "month", "mth": "month", "yr": "year", "yrs": "years",
    "arvo": "afternoon", "morn": "morning", "midnite": "midnight",
    "сег": "сегодня", "сегодн": "сегодня", "седня": "сегодня", "сення": "сегодня",
    "севодня": "сегодня", "завтро": "завтра",
    "зафтра": "завтра", "послезавтр": "послезавтра", "послезавра": "послезавтра",
    "нед": "недели", "недел": "недели", "мес": "месяц", "выхи": "выходные",
    "выхах": "выходных", "выхих": "выходных",
}
# A digit glued to these word parts spells a day word: "2moro", "2nite", "2day".
DIGIT_ALIASES = {("2", "moro"): "tomorrow", ("2", "morrow"): "tomorrow",
                 ("2", "morow"): "tomorrow", ("2", "mrw"): "tomorrow",
                 ("2", "nite"): "tonight"}
# Words whose possessive ("Friday's", "next week's", "tomorrow's") means the word itself.
POSSESSIVE_BASES = frozenset(set(WEEKDAYS) | {
    "today", "tomorrow", "tonight", "yesterday", "week", "weekend", "month", "year",
    "morning", "afternoon", "evening", "night", "noon", "midnight"})
