"""Every text a person reads, one catalogue per language. PURE.

A catalogue is the module `organizer.texts.<lang>`: `MESSAGES` maps a key to a
`str.format` template, or, for a text that depends on a number, to its plural forms
keyed by CLDR category (one, few, many, other), chosen with Babel's plural rules.
Adding a language is adding such a file and its code to LANGS; a test checks that every
catalogue has the same keys and placeholders as the Russian one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from types import ModuleType

LANGS = ("ru", "en")
FALLBACK = "en"

Template = str | Mapping[str, str]


@cache
def _module(lang: str) -> ModuleType:
    return importlib.import_module(f"organizer.texts.{lang if lang in LANGS else FALLBACK}")


def catalogue(lang: str) -> Mapping[str, Template]:
    messages: Mapping[str, Template] = _module(lang).MESSAGES
    return messages


def tr(lang: str, key: str, /, **values: object) -> str:
    """The text `key` in `lang`, its {placeholders} filled from `values`."""
    template = catalogue(lang)[key]
    if not isinstance(template, str):
        raise TypeError(f"{key} has plural forms: use trn()")
    return template.format(**values)


def trn(lang: str, key: str, n: int, /, **values: object) -> str:
    """The plural form of `key` that fits `n` in `lang` ({n} is filled in too)."""
    forms = catalogue(lang)[key]
    if isinstance(forms, str):
        return forms.format(n=n, **values)
    form = forms.get(plural_category(lang, n)) or forms["other"]
    return form.format(n=n, **values)


@cache
def plural_category(lang: str, n: int) -> str:
    from babel import Locale

    return str(Locale.parse(lang if lang in LANGS else FALLBACK).plural_form(abs(n)))
