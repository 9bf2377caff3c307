"""`organizer api`: /health, /metrics, and the token-protected /items and /inbox.

FastAPI and uvicorn are imported inside `create_app`/`run` only, so the CLI starts
fast. Every request opens its own short-lived connection to DB_URL's store, SQLite or
PostgreSQL (read-only for the read routes; organizer.db.api_store holds the SQL); the
service's own connection is used only for its heartbeat.

Health (`GET /health`) is 200 when the DB opens, its schema is current, the worker's
(and with a Telegram token the bot's) heartbeat in this database is fresh, no heartbeat
names another database, and the data disk has DISK_MIN_FREE_MB free; 503 otherwise
with the reasons in `problems` (organizer.health decides).

The package, one job per module (docs/DESIGN.md has the map):
  app       create_app: the FastAPI object, its lifespan (heartbeat), guard, errors
  service   run: the `organizer api` process (uvicorn until SIGTERM)
  models    the request and response shapes (the OpenAPI schema)
  auth      the bearer-token dependency of /items and /inbox
  health    GET /health, GET /metrics
  items     GET /items
  inbox     POST /inbox
A new route goes into the module of its group (or a new one) as `add_routes(app, …)`,
called from app.create_app.
"""

from organizer.api.app import HEARTBEAT_EVERY_S, create_app
from organizer.api.service import run
from organizer.api.snapshot import health_report

__all__ = ["HEARTBEAT_EVERY_S", "create_app", "health_report", "run"]
