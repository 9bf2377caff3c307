"""organizer: a self-hosted personal organizer you talk to in Telegram."""

__version__ = "0.1.0"
