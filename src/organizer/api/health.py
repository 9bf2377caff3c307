"""GET /health and GET /metrics: open to anyone (details of /health need the token)."""

from typing import Any, Literal

from fastapi import Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from organizer import __version__
from organizer.api.models import HealthOut, ServiceOut
from organizer.api.snapshot import health_report
from organizer.apiguard import bearer_ok
from organizer.config import Settings
from organizer.model import utcnow


def add_routes(app: Any, settings: Settings) -> None:
    @app.get(
        "/health",
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "not healthy; see problems"}},
    )
    def health(request: Request) -> JSONResponse:
        """200 when the DB is readable, its schema current, the services alive on this
        database and the data disk not full; 503 with `problems` otherwise.

        Without a valid bearer token only `status` (and path-free `problems`) is shown."""
        r = health_report(settings, utcnow())
        code = 200 if r.ok else 503
        # The token is optional here (not a security requirement of the route).
        if not bearer_ok(request.headers.get("authorization", "").encode(), settings.api_token):
            anon = HealthOut(status=_status(r.ok), problems=[p.summary for p in r.problems] or None)
            return JSONResponse(anon.model_dump(exclude_none=True), status_code=code)
        return JSONResponse(_details(r).model_dump(), status_code=code)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def metrics() -> Response:
        """Prometheus text format: queue, items, latencies, outbox lag, heartbeats."""
        from organizer.metrics import metrics_text

        return Response(metrics_text(settings, utcnow()), media_type="text/plain; version=0.0.4")


def _status(ok: bool) -> Literal["ok", "fail"]:
    return "ok" if ok else "fail"


def _details(r: Any) -> HealthOut:
    """The whole snapshot, for a caller with the token."""
    return HealthOut(
        status=_status(r.ok),
        version=__version__,
        db_path=r.db_path,
        schema_version=r.schema_version,
        schema_latest=r.schema_latest,
        instance_id=r.instance_id,
        queue=r.queue,
        oldest_new_age_s=r.oldest_new_age_s,
        worker_beat_age_s=r.worker_beat_age_s,
        services=[ServiceOut(**b.__dict__) for b in r.services],
        disk_free_bytes=r.disk.free_bytes if r.disk else None,
        disk_total_bytes=r.disk.total_bytes if r.disk else None,
        problems=[p.detail for p in r.problems],
    )
