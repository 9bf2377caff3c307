"""The intent canon: trigger vocabulary per intent, loaded from YAML and validated.

Every mistake is reported as `CanonError` naming the file, the line and the field
(`canon/intents_v2.yml:14: intents.meeting.needs: unknown field 'tiem'`), so an operator who
edits the vocabulary finds the line at once. The default canon is the bundled
`canon/intents_v2.yml`; `CANON_PATH` (settings.canon_path) points at another copy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from organizer.errors import CanonError

INTENTS = ("task", "meeting", "note", "cancel", "reschedule", "complete", "agenda")
NEED_FIELDS = ("date", "time", "title")
LANGS = ("ru", "en")
# Optional vocabulary groups beside ru/en, per intent.
GROUPS = {"task": ("reminder", "lead", "create"), "meeting": ("whole_day",)}

Phrase = tuple[str, ...]  # normalised words; a word ending in "*" is a prefix


@dataclass(frozen=True)
class IntentSpec:
    name: str
    needs: tuple[str, ...]
    phrases: tuple[Phrase, ...]
    groups: dict[str, tuple[Phrase, ...]]


@dataclass(frozen=True)
class Canon:
    """A validated canon. `source` is the file it came from."""

    source: str
    intents: dict[str, IntentSpec]
    unknown: tuple[Phrase, ...]
    # first word (or its stem) -> ((intent or "unknown", group or "", phrase), ...);
    # prefix phrases ("созвон*") are under the key "*".
    index: dict[str, tuple[tuple[str, str, Phrase], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def phrases(self, intent: str, group: str | None = None) -> tuple[Phrase, ...]:
        spec = self.intents[intent]
        if group is None:
            return spec.phrases
        return spec.groups.get(group, ())

    def needs(self, intent: str) -> tuple[str, ...]:
        return self.intents[intent].needs


def bundled_canon_path() -> Path:
    """Installed wheel: organizer/canon/intents_v2.yml. Editable checkout: <root>/canon/."""
    packaged = resources.files("organizer") / "canon" / "intents_v2.yml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "canon" / "intents_v2.yml"


def _phrase(text: str) -> Phrase:
    from organizer.parsing.tokens import tokenize

    words = []
    star = text.strip().endswith("*")
    for tok in tokenize(text.strip().rstrip("*")):
        words.append(tok.t)
    if star and words:
        words[-1] += "*"
    return tuple(words)


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, node: Any, field: str, message: str) -> CanonError:
        line = node.start_mark.line + 1 if node is not None else 1
        return CanonError(
            f"{self.path}:{line}: {field}: {message}",
            "fix that line of the canon (see the comments at the top of the bundled "
            "canon/intents_v2.yml), or unset CANON_PATH to use the bundled file",
        )

    def mapping(self, node: Any, field: str) -> list[tuple[str, Any, Any]]:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, field, "expected a mapping")
        out = []
        seen = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, field, "keys must be plain words")
            key = str(key_node.value)
            if key in seen:
                raise self.fail(key_node, f"{field}.{key}", "duplicate key")
            seen.add(key)
            out.append((key, key_node, value_node))
        return out

    def strings(self, node: Any, field: str, allowed: tuple[str, ...] | None = None
                ) -> list[str]:
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, field, "expected a list of strings")
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or item.tag.endswith(":null"):
                raise self.fail(item, field, "expected a non-empty string")
            value = str(item.value).strip()
            if not value:
                raise self.fail(item, field, "empty string")
            if allowed is not None and value not in allowed:
                raise self.fail(
                    item, field, f"unknown value {value!r} (allowed: {', '.join(allowed)})"
                )
            if allowed is None and not _phrase(value):
                raise self.fail(item, field, f"{value!r} has no words")
            out.append(value)
        return out

    def vocabulary(self, node: Any, field: str) -> tuple[Phrase, ...]:
        phrases: list[Phrase] = []
        for key, key_node, value in self.mapping(node, field):
            if key not in LANGS:
                raise self.fail(key_node, f"{field}.{key}",
                                f"unknown language (expected {' or '.join(LANGS)})")
            phrases.extend(_phrase(s) for s in self.strings(value, f"{field}.{key}"))
        return tuple(phrases)


def parse_canon(text: str, path: str) -> Canon:
    """Validate canon YAML `text` (read from `path`, for messages) into a Canon."""
    check = _Checker(path)
    top = _top(check, _compose(text, path))
    intents = _intents(check, top["intents"][1])
    unknown: tuple[Phrase, ...] = ()
    if "unknown" in top:
        unknown = check.vocabulary(top["unknown"][1], "unknown")
    return Canon(path, intents, unknown, _index(intents, unknown))


def _compose(text: str, path: str) -> Any:
    """The YAML node tree; a syntax error or an empty file is a CanonError."""
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise CanonError(f"{path}:{line}: not valid YAML: {getattr(e, 'problem', e)}",
                         "fix the YAML syntax on that line") from None
    if root is None:
        raise CanonError(f"{path}:1: (top): the file is empty",
                         "copy the bundled canon/intents_v2.yml and edit it")
    return root


def _top(check: _Checker, root: Any) -> dict[str, tuple[Any, Any]]:
    """The top-level fields (key node, value node): only version (2), intents, unknown."""
    import yaml

    top = {k: (kn, v) for k, kn, v in check.mapping(root, "(top)")}
    for key, (kn, _) in top.items():
        if key not in ("version", "intents", "unknown"):
            raise check.fail(kn, key, "unknown field (expected version, intents, unknown)")
    if "version" not in top:
        raise check.fail(root, "version", "missing (expected: version: 2)")
    vnode = top["version"][1]
    if not (isinstance(vnode, yaml.ScalarNode) and vnode.value == "2"):
        raise check.fail(vnode, "version", f"expected 2, found {getattr(vnode, 'value', '?')!r}")
    if "intents" not in top:
        raise check.fail(root, "intents", "missing")
    return top


def _intents(check: _Checker, inode: Any) -> dict[str, IntentSpec]:
    """Every intent of INTENTS, each validated; an unknown or a missing one is an error."""
    intents: dict[str, IntentSpec] = {}
    for name, kn, spec_node in check.mapping(inode, "intents"):
        if name not in INTENTS:
            raise check.fail(kn, f"intents.{name}",
                             f"unknown intent (expected one of {', '.join(INTENTS)})")
        intents[name] = _intent_spec(check, name, spec_node)
    missing = [name for name in INTENTS if name not in intents]
    if missing:
        raise check.fail(inode, f"intents.{missing[0]}", "missing intent")
    return intents


def _intent_spec(check: _Checker, name: str, spec_node: Any) -> IntentSpec:
    """One intent: its needs, its ru/en trigger words and its optional groups."""
    field = f"intents.{name}"
    needs: tuple[str, ...] | None = None
    phrases: list[Phrase] = []
    groups: dict[str, tuple[Phrase, ...]] = {}
    for key, key_node, value in check.mapping(spec_node, field):
        sub = f"{field}.{key}"
        if key == "needs":
            needs = tuple(check.strings(value, sub, NEED_FIELDS))
        elif key in LANGS:
            phrases.extend(_phrase(s) for s in check.strings(value, sub))
        elif key in GROUPS.get(name, ()):
            groups[key] = check.vocabulary(value, sub)
        else:
            allowed = ("needs", *LANGS, *GROUPS.get(name, ()))
            raise check.fail(key_node, sub, f"unknown field (expected {', '.join(allowed)})")
    if needs is None:
        raise check.fail(spec_node, f"{field}.needs", "missing")
    if not phrases and name != "agenda":
        raise check.fail(spec_node, f"{field}.ru", "no trigger words for this intent")
    return IntentSpec(name, needs, tuple(phrases), groups)


def _index(intents: dict[str, IntentSpec], unknown: tuple[Phrase, ...]
           ) -> dict[str, tuple[tuple[str, str, Phrase], ...]]:
    from organizer.parsing.tokens import stem

    index: dict[str, list[tuple[str, str, Phrase]]] = {}
    entries: list[tuple[str, str, Phrase]] = [("unknown", "", p) for p in unknown]
    for spec in intents.values():
        entries.extend((spec.name, "", p) for p in spec.phrases)
        for group, phrases in spec.groups.items():
            entries.extend((spec.name, group, p) for p in phrases)
    for entry in entries:
        first = entry[2][0]
        keys = {"*"} if first.endswith("*") else {first, stem(first)}
        for key in keys:
            index.setdefault(key, []).append(entry)
    return {k: tuple(v) for k, v in index.items()}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CanonError(f"canon file {path} does not exist",
                         "fix CANON_PATH or unset it to use the bundled canon") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CanonError(f"cannot read canon file {path}: {e}",
                         "check the file's permissions and encoding") from None


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> Canon:
    return parse_canon(_read(path), str(path))


@functools.lru_cache(maxsize=1)
def _bundled() -> Canon:
    return _load(bundled_canon_path())


def load_canon(path: Path | None = None) -> Canon:
    """Load and validate a canon; the bundled one when `path` is None. Cached per path."""
    if path is None:
        return _bundled()
    return _load(Path(path))
