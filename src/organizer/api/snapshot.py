"""What /health says, from the one place that computes it (organizer.health).

Its own light module: the route module imports FastAPI, `organizer.api` must not.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from organizer.config import Settings

if TYPE_CHECKING:
    from organizer.health import Snapshot


def health_report(settings: Settings, now: datetime) -> "Snapshot":
    """Everything /health says (organizer.health); never raises for a broken DB."""
    from organizer.health import gather

    return gather(settings, now)
