"""A Bot API server of our own on 127.0.0.1, for tests and bench/bot.py.

It speaks what `organizer bot` uses: getMe, deleteWebhook, setWebhook, getUpdates (offset +
long-poll timeout), sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, getFile and the file download route, setMyCommands.

It records every call, lets a test inject updates, can answer with scripted faults
(429 with retry_after, 5xx, slow answers, dropped connections before or after the
call took effect), can be stopped and
started again on the same port (Telegram unreachable), and can enforce the rate
limits (30 messages/s overall, 1/s per chat) by answering 429 and recording the
violation.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Fake", "username": "fake_organizer_bot"}
MAX_FILE = 20 * 1024 * 1024
# Tolerance for the measuring side: arrival times jitter by tens of ms on a busy box.
GLOBAL_LIMIT, GLOBAL_WINDOW_S = 30, 0.95
CHAT_MIN_GAP_S = 0.9
RATED = ("sendMessage", "editMessageText", "editMessageReplyMarkup")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() at arrival
    status: int = 200


@dataclass
class Fault:
    status: int = 500
    times: int = 1
    retry_after: int | None = None
    delay_s: float = 0.0
    drop: bool = False  # close the connection without an answer (after the delay)
    after: bool = False  # with drop: act on the call first (the message is delivered)
    description: str = ""
    chat_id: int | None = None  # only calls for this chat


@dataclass
class FakeTelegram:
    token: str = TOKEN
    enforce_limits: bool = False
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted sendMessage, in order
    edits: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    files: dict[str, tuple[str, bytes, int]] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    confirmed: int = 0  # highest offset a getUpdates acknowledged
    returned_at: dict[int, float] = field(default_factory=dict)  # update id -> time.time()
    downloads: list[str] = field(default_factory=list)  # file paths served by the file route
    file_length_header: bool = True  # False: file bodies without Content-Length
    file_faults: dict[str, int] = field(default_factory=dict)  # file path -> 500s left
    file_delays: dict[str, float] = field(default_factory=dict)  # file path -> seconds
    webhook: dict[str, Any] | None = None  # the last setWebhook's parameters

    def __post_init__(self) -> None:
        self.lock = threading.Condition()
        self.next_update = 1
        self.next_message = 1000
        self.next_user_message = 1
        self.next_file = 1
        self.next_callback = 1
        self.window: deque[float] = deque()
        self.chat_last: dict[int, float] = {}
        self.down = True
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self.server = server
        with self.lock:
            self.down = False
        self.thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Telegram unreachable: connections are refused until start() again."""
        with self.lock:
            self.down = True
            self.lock.notify_all()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- injecting updates

    def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (given an update_id unless it has one); returns the id."""
        with self.lock:
            if "update_id" not in update:
                update = {"update_id": self.next_update, **update}
            if isinstance(update.get("update_id"), int):
                self.next_update = max(self.next_update, update["update_id"] + 1)
            self.updates.append(update)
            self.lock.notify_all()
            return int(update.get("update_id") or 0)

    def _user(self, user_id: int, lang: str | None) -> dict[str, Any]:
        u: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        if lang:
            u["language_code"] = lang
        return u

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        lang: str | None = "ru",
        edited: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """A message update from a user (a private chat has the user's id)."""
        with self.lock:
            mid = self.next_user_message
            self.next_user_message += 1
        chat = {"id": chat_id or user_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"U{user_id}"
        else:
            chat["title"] = "A group"
        msg: dict[str, Any] = {
            "message_id": mid,
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(user_id, lang),
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                word = text.split(" ", 1)[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        msg.update(extra)
        if edited:
            msg["edit_date"] = int(time.time())
            return {"edited_message": msg}
        return {"message": msg}

    def callback(
        self, user_id: int, data: str, message_id: int, *, lang: str | None = "ru"
    ) -> dict[str, Any]:
        with self.lock:
            qid = f"cbq{self.next_callback}"
            self.next_callback += 1
            held = self.messages.get(message_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"U{user_id}"},
            "from": BOT_USER,
            "text": held["text"] if held else "card",
        }
        return {
            "callback_query": {
                "id": qid,
                "from": self._user(user_id, lang),
                "chat_instance": "ci1",
                "message": message,
                "data": data,
            }
        }

    def add_file(self, data: bytes, path: str, size: int | None = None) -> str:
        """Register a downloadable file; `size` can claim more than `data` holds."""
        with self.lock:
            fid = f"file{self.next_file}"
            self.next_file += 1
            self.files[fid] = (path, data, len(data) if size is None else size)
        return fid

    def fail_file(self, file_id: str, times: int) -> None:
        """The file route answers 500 for this file the next `times` downloads."""
        with self.lock:
            self.file_faults[self.files[file_id][0]] = times

    def delay_file(self, file_id: str, seconds: float) -> None:
        """The file route waits `seconds` before serving this file (a slow download)."""
        with self.lock:
            self.file_delays[self.files[file_id][0]] = seconds

    def voice(
        self,
        user_id: int,
        data: bytes,
        *,
        kind: str = "voice",
        duration: int = 2,
        size: int | None = None,
        lang: str | None = "ru",
        file_path: str | None = None,
    ) -> dict[str, Any]:
        """A voice note / audio file / round video note message carrying `data`.

        `file_path` is what getFile answers (a hostile server may answer `/etc/passwd`).
        """
        ext = {"voice": "oga", "audio": "mp3", "video_note": "mp4"}[kind]
        fid = self.add_file(data, file_path or f"{kind}s/file_{self.next_file}.{ext}", size)
        size = len(data) if size is None else size
        media: dict[str, Any] = {
            "file_id": fid,
            "file_unique_id": f"u{fid}",
            "duration": duration,
            "file_size": size,
        }
        if kind == "voice":
            media["mime_type"] = "audio/ogg"
        elif kind == "audio":
            media.update({"mime_type": "audio/mpeg", "file_name": "memo.mp3"})
        else:
            media["length"] = 240
        return self.message(user_id, None, lang=lang, **{kind: media})

    # -- scripting faults

    def fail(self, method: str, **kw: Any) -> None:
        """The next `times` calls of `method` get this fault (see Fault)."""
        with self.lock:
            self.faults.setdefault(method, []).append(Fault(**kw))

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self.lock:
            for f in self.faults.get(method, []):
                if f.chat_id is not None and str(params.get("chat_id")) != str(f.chat_id):
                    continue
                f.times -= 1
                if f.times <= 0:
                    self.faults[method].remove(f)
                return f
            return None

    # -- reading what happened

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def pending_updates(self) -> int:
        with self.lock:
            return sum(1 for u in self.updates if _uid(u) >= self.confirmed)

    # -- the methods

    def handle(self, method: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fn = getattr(self, f"m_{method}", None)
        if fn is None:
            return 404, _err(404, "Not Found: method not found")
        return fn(p)

    def m_getMe(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, _ok({**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False})

    def m_deleteWebhook(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.webhook = None
        return 200, _ok(True)

    def m_setWebhook(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Recorded only: the tests post updates to the bot's webhook themselves."""
        with self.lock:
            self.webhook = dict(p)
        return 200, _ok(True)

    def m_setMyCommands(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.commands[p.get("language_code") or ""] = p.get("commands") or []
        return 200, _ok(True)

    def m_getUpdates(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        limit = int(p.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self.lock:
            if offset > self.confirmed:
                self.confirmed = offset
            while True:
                ready = [u for u in self.updates if _uid(u) >= self.confirmed]
                left = deadline - time.monotonic()
                if ready or left <= 0 or self.down:
                    break
                self.lock.wait(left)
            if self.down:
                raise ConnectionAbortedError("server going down")
            now = time.time()
            for u in ready[:limit]:
                self.returned_at.setdefault(_uid(u), now)
            return 200, _ok(ready[:limit])

    def _rate(self, chat_id: int) -> tuple[int, dict[str, Any]] | None:
        if not self.enforce_limits:
            return None
        now = time.monotonic()
        while self.window and now - self.window[0] >= GLOBAL_WINDOW_S:
            self.window.popleft()
        if len(self.window) >= GLOBAL_LIMIT:
            self.violations.append(f"global: {len(self.window) + 1} in {GLOBAL_WINDOW_S}s")
            return 429, _err(429, "Too Many Requests: retry after 1", retry_after=1)
        last = self.chat_last.get(chat_id)
        if last is not None and now - last < CHAT_MIN_GAP_S:
            self.violations.append(f"chat {chat_id}: {now - last:.3f}s after the previous one")
            return 429, _err(429, "Too Many Requests: retry after 1", retry_after=1)
        self.window.append(now)
        self.chat_last[chat_id] = now
        return None

    def _check_text(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            return 400, _err(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return 400, _err(400, "Bad Request: message is too long")
        if p.get("parse_mode") == "HTML" and _html_broken(text):
            return 400, _err(400, "Bad Request: can't parse entities: unclosed tag")
        return self._check_markup(p)

    def _check_markup(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        markup = p.get("reply_markup")
        if markup:
            for row in markup.get("inline_keyboard", []):
                for b in row:
                    if len(b.get("callback_data", "").encode()) > 64:
                        return 400, _err(400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    def m_sendMessage(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(p["chat_id"])
        with self.lock:
            bad = self._check_text(p) or self._rate(chat_id)
            if bad:
                return bad
            mid = self.next_message
            self.next_message += 1
            msg = {
                "message_id": mid,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": p["text"],
            }
            if p.get("reply_markup"):
                msg["reply_markup"] = p["reply_markup"]
            self.messages[mid] = dict(msg, parse_mode=p.get("parse_mode"))
            self.sent.append(dict(msg, parse_mode=p.get("parse_mode")))
        return 200, _ok(msg)

    def _edit(self, p: dict[str, Any], text_edit: bool) -> tuple[int, dict[str, Any]]:
        chat_id, mid = int(p["chat_id"]), int(p["message_id"])
        with self.lock:
            bad = (self._check_text(p) if text_edit else self._check_markup(p)) or self._rate(chat_id)
            if bad:
                return bad
            held = self.messages.get(mid)
            if held is None or held["chat"]["id"] != chat_id:
                return 400, _err(400, "Bad Request: message to edit not found")
            text = p["text"] if text_edit else held["text"]
            markup = p.get("reply_markup")
            if text == held["text"] and markup == held.get("reply_markup"):
                return 400, _err(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            held["text"] = text
            if markup is None:
                held.pop("reply_markup", None)
            else:
                held["reply_markup"] = markup
            self.edits.append({"message_id": mid, "chat_id": chat_id, "text": text, "reply_markup": markup})
            out = {k: v for k, v in held.items() if k != "parse_mode"}
        return 200, _ok(out)

    def m_editMessageText(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._edit(p, True)

    def m_editMessageReplyMarkup(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._edit(p, False)

    def m_answerCallbackQuery(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.answers.append(p)
        return 200, _ok(True)

    def m_getFile(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fid = p.get("file_id", "")
        with self.lock:
            held = self.files.get(fid)
        if held is None:
            return 400, _err(400, "Bad Request: invalid file_id")
        path, _data, size = held
        if size > MAX_FILE:
            return 400, _err(400, "Bad Request: file is too big")
        return 200, _ok({"file_id": fid, "file_unique_id": f"u{fid}", "file_size": size, "file_path": path})

    def file_bytes(self, path: str) -> bytes | None:
        with self.lock:
            for p, data, _size in self.files.values():
                if p == path:
                    return data
        return None


def _html_broken(text: str) -> bool:
    """Roughly Telegram's HTML check: every opened tag is closed, no stray '<'."""
    opened = re.findall(r"<([a-z-]+)(?:\s[^>]*)?>", text)
    closed = re.findall(r"</([a-z-]+)>", text)
    stray = text.count("<") != len(opened) + len(closed)
    return stray or sorted(opened) != sorted(closed)


def _uid(u: dict[str, Any]) -> int:
    v = u.get("update_id")
    return v if isinstance(v, int) else 0


def _ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def _err(code: int, description: str, retry_after: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def _value(v: str) -> Any:
    if v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


class _Handler(BaseHTTPRequestHandler):
    owner: FakeTelegram

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _params(self) -> dict[str, Any]:
        url = urlsplit(self.path)
        params: dict[str, Any] = {k: _value(v) for k, v in parse_qsl(url.query)}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ctype = self.headers.get("Content-Type", "")
        if body and "json" in ctype:
            params.update(json.loads(body))
        elif body:
            params.update({k: _value(v) for k, v in parse_qsl(body.decode())})
        return params

    def _send(
        self, status: int, body: bytes, ctype: str = "application/json", length: bool = True
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:  # the body ends when the connection closes
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.owner
        path = unquote(urlsplit(self.path).path)
        if path.startswith("/file/bot"):
            rest = path[len("/file/bot") :]
            token, _, fpath = rest.partition("/")
            data = fake.file_bytes(fpath) if token == fake.token else None
            time.sleep(fake.file_delays.get(fpath, 0.0))
            with fake.lock:
                failing = fake.file_faults.get(fpath, 0) > 0
                if failing:
                    fake.file_faults[fpath] -= 1
            if failing:
                self._send(500, b'{"ok":false,"error_code":500,"description":"Internal"}')
            elif data is None:
                self._send(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
            else:
                fake.downloads.append(fpath)
                self._send(200, data, "application/octet-stream", fake.file_length_header)
            return
        if not path.startswith("/bot"):
            self._send(404, json.dumps(_err(404, "Not Found")).encode())
            return
        token, _, method = path[len("/bot") :].partition("/")
        params = self._params()
        call = Call(method, params, time.monotonic())
        with fake.lock:
            fake.calls.append(call)
        if token != fake.token:
            call.status = 401
            self._send(401, json.dumps(_err(401, "Unauthorized")).encode())
            return
        fault = fake._fault(method, params)
        if fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.drop:
                if fault.after:  # Telegram acted, its answer is lost on the way
                    fake.handle(method, params)
                call.status = -1
                self.close_connection = True
                return
            if fault.status != 200:
                call.status = fault.status
                desc = fault.description or (
                    f"Too Many Requests: retry after {fault.retry_after}"
                    if fault.status == 429
                    else "Internal Server Error"
                )
                self._send(fault.status, json.dumps(_err(fault.status, desc, fault.retry_after)).encode())
                return
        try:
            status, body = fake.handle(method, params)
        except ConnectionAbortedError:
            self.close_connection = True
            return
        except (KeyError, ValueError, TypeError) as e:
            status, body = 400, _err(400, f"Bad Request: {e}")
        call.status = status
        self._send(status, json.dumps(body, ensure_ascii=False).encode())
