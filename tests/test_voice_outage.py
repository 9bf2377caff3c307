"""An ASR outage is waited out by the real `organizer worker`: nothing lost.

The ASR endpoint on 127.0.0.1 is first down (connection refused), then answers 503,
then comes up. ASR_RETRY_WINDOW_SEC=30 makes the whole back-off schedule short (first
wait 0.08 s, longest 2 s, the person told after 1 s); the row's attempt budget is 2,
which the old code spent within 3 s and then deleted the audio for good.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import ORGANIZER, free_port, make_env, wait_until
from organizer.db import queue
from organizer.db.connect import open_db
from organizer.model import utcnow


class ComingUpAsr:
    """POST /asr answers `status` (503 while loading, then 200 with a transcript)."""

    def __init__(self, port: int) -> None:
        self.status = 503
        self.requests: list[int] = []
        asr = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                asr.requests.append(asr.status)
                body = {"detail": "model is loading"}
                if asr.status == 200:
                    body = {"text": "купить молоко", "language": "ru", "duration_s": 2.0,
                            "processing_s": 0.1}
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(asr.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_asr_outage_of_many_attempts_is_waited_out(db_path: Path, tmp_path: Path) -> None:
    port = free_port()
    spool = tmp_path / "spool"
    spool.mkdir()
    audio = spool / "tg-7-1.ogg"
    audio.write_bytes(b"OggS fake opus")
    env = make_env(db_path, ASR_SERVICE_URL=f"http://127.0.0.1:{port}", SPOOL_DIR=str(spool),
                   ASR_RETRY_WINDOW_SEC="30", CALENDAR_BACKEND="none", ORGANIZER_TZ="Europe/Moscow")
    conn = open_db(db_path)
    row_id, _ = queue.enqueue(
        conn, message_key="tg:msg:7:1", chat_id=7, kind="voice", now=utcnow(), max_attempts=2,
        payload={"file_path": str(audio), "duration": 2, "mime": "audio/ogg", "message_id": 1,
                 "lang": "ru"},
    )
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=log.open("ab"),
                              stderr=subprocess.STDOUT)
    asr: ComingUpAsr | None = None
    try:
        time.sleep(2.5)  # down: nothing listens on the port
        assert queue.get(conn, row_id).status in ("NEW", "CLAIMED"), log.read_text()
        assert audio.exists()
        asr = ComingUpAsr(port)  # up, but loading: 503
        wait_until(lambda: len(asr.requests) >= 2, timeout=10)
        assert queue.get(conn, row_id).status in ("NEW", "CLAIMED") and audio.exists()
        asr.status = 200
        # one read per look: two reads could see CLAIMED, then NEW (deferred once more)
        wait_until(lambda: queue.get(conn, row_id).status not in ("NEW", "CLAIMED"),
                   timeout=10)
        row = queue.get(conn, row_id)
        assert row.status == "DONE", (row, log.read_text())
        texts = [r[0] for r in conn.execute(
            "SELECT text FROM outbox WHERE chat_id = 7 ORDER BY id")]
        assert len(texts) == 2, texts
        assert "недоступно" in texts[0]  # told once that the answer is delayed
        assert texts[1].startswith("🎤 «купить молоко»") and "Купить молоко" in texts[1]
        assert not audio.exists()  # removed only once answered
        assert asr.requests[-1] == 200 and asr.requests.count(200) == 1
        assert "Traceback" not in log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=15)
        if asr is not None:
            asr.close()
        conn.close()
