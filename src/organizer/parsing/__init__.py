"""Understanding one message: `parse(text, now, tz) -> ParseResult`.

Pure: no I/O, no clock reads, no global mutable state. See docs/PARSING.md.
"""

from organizer.parsing.api import ParseResult, parse

__all__ = ["ParseResult", "parse"]
