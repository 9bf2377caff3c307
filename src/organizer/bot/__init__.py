"""`organizer bot`: the only process that talks to Telegram.

Long-polls updates into the inbox (committed before they are acknowledged), or takes
them from Telegram's webhook (`--webhook`, answered after the commit), and delivers the
outbox within Telegram's limits. See docs/BOT.md.
"""

from __future__ import annotations

import logging
import re

from organizer.config import Settings
from organizer.errors import ConfigError, OrganizerError

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")


def check_settings(settings: Settings) -> None:
    """What the bot needs beyond config.validate; each error names the variable and the fix."""
    token = settings.telegram_bot_token
    if not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set",
            "create a bot with @BotFather and put its token in the env file",
        )
    if not _TOKEN.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<35 characters>)",
            "copy the whole token from @BotFather",
        )
    base = settings.telegram_api_base_url
    if not (base.rstrip("/").endswith("/bot") or "{token}" in base):
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL={base!r} must end in /bot (the token is appended to it)",
            "e.g. TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot for a self-hosted server",
        )


def run(settings: Settings, *, webhook: bool = False) -> int:
    """The `organizer bot` process (long polling, or Telegram's webhook); the exit code."""
    check_settings(settings)
    if webhook:
        from organizer.bot.webhook import check_settings as check_webhook

        check_webhook(settings)
    settings = settings.replace(
        telegram_api_base_url=settings.telegram_api_base_url.rstrip("/"),
        spool_dir=settings.spool.absolute(),  # a relative SPOOL_DIR is fixed once, at start
    )
    from organizer.runtime import open_service_db

    conn, st = open_service_db(settings, "bot")
    try:
        settings.spool.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OrganizerError(
            f"cannot create the spool folder {settings.spool}: {e.strerror}",
            "set SPOOL_DIR to a folder the service user can write",
        ) from None
    from organizer.bot.service import run_service

    try:
        return run_service(settings, conn, st.instance_id or "", webhook=webhook)
    finally:
        conn.close()
