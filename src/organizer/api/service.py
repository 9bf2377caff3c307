"""run: the `organizer api` process: schema check, heartbeat, uvicorn until SIGTERM."""

import logging
import threading
from typing import Any

from organizer.config import Settings

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """The `organizer api` process: schema check, then uvicorn until SIGTERM."""
    import uvicorn

    from organizer.api.app import create_app
    from organizer.httpserver import server_options
    from organizer.runtime import Heart, install_signal_handlers, open_service_db
    from organizer.systemd import Notifier

    # uvicorn installs its own SIGTERM handler while serving and re-raises the signal
    # after a graceful shutdown; with ours underneath, that re-raise is harmless and
    # the process exits 0 instead of dying by the signal.
    install_signal_handlers(threading.Event())
    notifier = Notifier()
    conn, _ = open_service_db(settings, "api")
    heart = Heart(conn, "api", notifier)
    servers: list[Any] = []
    app = create_app(
        settings,
        heart=heart,
        notifier=notifier,
        is_serving=lambda: bool(servers and servers[0].started),
    )
    if not settings.api_token:
        log.warning("API_TOKEN is empty: /items and /inbox are off (404)")
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # our logging setup (journald-friendly) stays in charge
        access_log=False,
        lifespan="on",
        **server_options(settings.http_read_timeout_sec),  # no half-open client held forever
    )
    server = uvicorn.Server(config)
    servers.append(server)
    log.info("api listening on http://%s:%d", settings.api_host, settings.api_port)
    try:
        server.run()  # uvicorn handles SIGTERM/SIGINT: finish requests, then return
    finally:
        heart.stopped()
        conn.close()
    return 0 if server.started else 1
