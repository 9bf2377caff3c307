"""Slow and half-open clients against the real `organizer api` and `organizer asr`.

uvicorn alone keeps a connection that never completes its request head forever, and
the ASR took its only slot before reading the body. With HTTP_READ_TIMEOUT_SEC=1-2:
half-open connections are closed after the deadline, at most MAX_CONNECTIONS are held
at any time (a real client still gets in), a dripped body gets 408, and a
drip-feeding client never makes a normal transcription wait for a slot (429).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from fixtures.asr import clip, needs_model, start_service
from fixtures.ops import API_TOKEN
from organizer.httpserver import MAX_CONNECTIONS

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def half_open(port: int, n: int) -> list[socket.socket]:
    """n connections: half send nothing, half an unfinished request head."""
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    return socks


def closed_by_server(socks: list[socket.socket], within_s: float) -> int:
    """How many of `socks` see EOF or a reset within `within_s` (bounded wait)."""
    deadline = time.monotonic() + within_s
    open_ = list(socks)
    while open_ and time.monotonic() < deadline:
        ready, _, _ = select.select(open_, [], [], 0.2)
        for s in ready:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                open_.remove(s)
    return len(socks) - len(open_)


def fds_of(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_api_closes_half_open_connections_and_caps_them(start_api) -> None:
    api = start_api(HTTP_READ_TIMEOUT_SEC="1")
    base_fds = fds_of(api.proc.pid)
    socks = half_open(port_of(api.url), 300)
    try:
        time.sleep(0.3)
        assert fds_of(api.proc.pid) <= base_fds + MAX_CONNECTIONS + 5  # the cap holds
        # a real client gets in at once: the longest-idle half-open socket makes room
        assert httpx.get(f"{api.url}/health", timeout=5).status_code in (200, 503)
        start = time.monotonic()
        assert closed_by_server(socks, within_s=4) == 300
        assert time.monotonic() - start < 3
        assert httpx.get(f"{api.url}/health", timeout=5).status_code in (200, 503)
    finally:
        for s in socks:
            s.close()


def test_api_answers_408_to_a_dripped_body(start_api) -> None:
    api = start_api(HTTP_READ_TIMEOUT_SEC="1")
    with socket.create_connection(("127.0.0.1", port_of(api.url)), timeout=5) as s:
        s.sendall(b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Authorization: Bearer " + API_TOKEN.encode() + b"\r\n"
                  b"Content-Length: 100\r\n\r\n{\"text\": ")
        started = time.monotonic()
        answer = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in answer and time.monotonic() - started < 5:
                s.sendall(b" ")  # one byte now and then: never the whole body
                ready, _, _ = select.select([s], [], [], 0.3)
                if ready:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < 3


def drip(port: int, stop: threading.Event, answers: list[bytes]) -> None:
    """POST /asr declaring 50 kB, then one byte every 0.2 s until answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /asr HTTP/1.1\r\nHost: x\r\nContent-Type: audio/ogg\r\n"
                  b"Content-Length: 50000\r\n\r\nOggS")
        answer = b""
        with contextlib.suppress(OSError):
            while not stop.is_set() and b"\r\n\r\n" not in answer:
                s.sendall(b"\x00")
                ready, _, _ = select.select([s], [], [], 0.2)
                if ready:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
        answers.append(answer)


@needs_model
def test_asr_drip_feeder_never_holds_the_slot(tmp_path: Path) -> None:
    svc = start_service(tmp_path, ASR_MAX_CONCURRENCY="1", ASR_LANGUAGE="ru",
                        HTTP_READ_TIMEOUT_SEC="2")
    stop, answers = threading.Event(), []
    dripper = threading.Thread(target=drip, args=(port_of(svc.url), stop, answers), daemon=True)
    try:
        dripper.start()
        time.sleep(0.5)  # the dripper's head is in, its body is trickling
        with svc.client(timeout=30) as http:
            r = http.post("/asr", files={"file": ("milk.ogg", clip("ru_milk.ogg"), "audio/ogg")})
        assert r.status_code == 200, r.text  # not 429: the dripper holds no slot
        dripper.join(timeout=6)
        assert answers and answers[0].startswith(b"HTTP/1.1 408"), answers
        socks = half_open(port_of(svc.url), 40)
        try:
            assert closed_by_server(socks, within_s=5) == 40
        finally:
            for s in socks:
                s.close()
        assert svc.health()["busy"] == 0
    finally:
        stop.set()
        svc.stop()
