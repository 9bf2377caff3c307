"""Errors that reach an operator as one line plus a hint, never a traceback."""

from __future__ import annotations


class OrganizerError(Exception):
    """An error with a one-line message and a hint saying how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(OrganizerError):
    """A setting is missing, malformed or breaks a rule."""


class SchemaError(OrganizerError):
    """The database schema is missing, behind the code, or was tampered with."""


class DatabaseError(OrganizerError):
    """The database file cannot be opened or used."""


class CanonError(OrganizerError):
    """The intent canon YAML is invalid (message names file, line and field)."""


class NotFound(OrganizerError):
    """An operator asked about a row that does not exist."""
