"""Deterministic calendar identity: the same item always maps to the same iCalUID."""

from __future__ import annotations


def event_uid(instance_id: str, item_id: int) -> str:
    """iCalUID of an item's event: stable across restarts, unique per database."""
    return f"organizer-{instance_id}-{item_id}@organizer.local"
