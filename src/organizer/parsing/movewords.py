"""English move verbs the canon cannot list as words. PURE.

"shift" is also a noun ("shift at the hospital from 11pm"), "bring"/"pull" are moves only
with "forward" ("bring lunch forward by half an hour", "pull the review forward to 10"):
before the grammar runs, such a verb leading the message becomes "move" when its object
follows ("shift it to 5pm", "shift the review to 11"). docs/PARSING.md, "Relative shifts".
"""

from __future__ import annotations

import re

_LEAD = r"^(?P<lead>\W*(?:(?:so|ok|okay|please|pls|uh|um|well|actually|oh|hey|and|no|just)\W+)*)"
_OBJECT = r"(?:it|the|my|our|this|that|his|her|them|those|these|\d)"
_SHIFT = re.compile(rf"{_LEAD}shift(?=\s+{_OBJECT})", re.IGNORECASE)
_FORWARD = re.compile(rf"{_LEAD}(?:bring|pull)(?=\s+\S.*\bforward\b)", re.IGNORECASE)
_FORWARD_TO = re.compile(r"\bforward\s+(?=to\b)", re.IGNORECASE)


def as_move(text: str) -> str:
    """`text` with a leading "shift" / "bring … forward" read as "move"."""
    for verb in (_SHIFT, _FORWARD):
        m = verb.match(text)
        if m is not None:
            # "forward to 10" is just "to 10"; "forward by an hour" stays (earlier)
            rest = _FORWARD_TO.sub("", text[m.end() :])
            return f"{m.group('lead')}move{rest}"
    return text
