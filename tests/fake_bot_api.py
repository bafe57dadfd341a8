"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks (stdlib only).

It answers the methods a PTB bot uses (getMe, getUpdates long-poll, sendMessage, editMessageText,
answerCallbackQuery, answerInlineQuery, sendDocument, sendPoll, setMyCommands, deleteWebhook …),
records every call, lets a test push updates, inject failures (429 with retry_after, 5xx), and
can enforce Telegram's flood limits (~30 messages/s overall, 1/s per chat).

Typical use (see tests/test_telegram_e2e.py)::

    with FakeBotApi() as api, running_bot(build_application(api.settings(db_path), core)):
        api.message("共同富裕", user_id=7)
        call = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7)
        api.callback(call, call.button("下一页"), user_id=7)

Updates are dicts in the Bot API's JSON shape; helpers build the common ones.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl

import pytest

TOKEN = "123456789:TEST-fake-token-never-real_0123456789"
BOT_USER = {
    "id": 123456789, "is_bot": True, "first_name": "政策原文助手", "username": "policy_quote_bot",
    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
}
# Parameters PTB sends as plain strings (everything else is JSON-encoded).
STRING_PARAMS = {
    "text", "caption", "question", "explanation", "callback_query_id", "inline_query_id", "next_offset",
    "parse_mode", "type", "url", "description", "secret_token", "inline_message_id", "emoji", "action",
}
DROP = 0  # a "status" for fail(): hang up before acting on the request (it is recorded with status 0)
LOST = -1  # a "status" for fail(): act on the request (status 200), then hang up: the answer is lost on the way
SENDING = {"sendMessage", "editMessageText", "sendDocument", "sendPoll", "sendPhoto", "copyMessage", "forwardMessage"}


@dataclass
class Connection:
    """One TCP connection the server accepted: when, how many requests it carried and who closed it
    ("client", or "server" after a DROP/LOST fault)."""

    serial: int
    opened: float  # time.monotonic() when accepted
    requests: int = 0
    closed: float | None = None
    closed_by: str = ""


@dataclass
class Call:
    """One request the bot made, with the server's answer."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when it arrived
    status: int = 200
    result: Any = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (filename, data)
    connection: Connection | None = None  # the connection it came on (requests > 1 then: a reused one)

    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, label: str) -> dict:
        """The first button whose label contains `label`."""
        for b in self.buttons():
            if label in b["text"]:
                return b
        raise KeyError(f"no button {label!r} in {[b['text'] for b in self.buttons()]}")


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self) -> float:
        """0 when allowed, else seconds until a token is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Server(ThreadingHTTPServer):
    """The HTTP server, with a listen queue of a real server's size and an accept loop a test can hold up.

    socketserver's default listen backlog is 5: when the accept loop fell behind (the soak process starved of
    CPU) and the bot opened more new connections at once, the kernel overflowed the queue (SYN cookies) and
    reset connections whose request the client had already written: the server never read it and the bot saw
    httpx.ReadError on a send it must not repeat (the soak's lost answers). Telegram's servers do not do that."""

    request_queue_size = 1024  # capped by net.core.somaxconn
    daemon_threads = True

    def __init__(self, *args, **kwargs) -> None:
        self.accepting = threading.Event()
        self.accepting.set()
        super().__init__(*args, **kwargs)

    def get_request(self):
        self.accepting.wait()  # held by FakeBotApi.not_accepting(): connections wait in the listen queue
        return super().get_request()


class FakeBotApi:
    def __init__(self, token: str = TOKEN, flood_limits: bool = False, overall_per_second: float = 30,
                 chat_per_second: float = 1) -> None:
        self.token = token
        self.flood_limits = flood_limits
        self._overall = TokenBucket(overall_per_second, overall_per_second)
        self._chat_rate = chat_per_second
        self._chats: dict[int, TokenBucket] = {}
        self.calls: list[Call] = []
        self.rejected = 0  # 429s served by the flood limits
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._pushed_at: dict[int, float] = {}
        self._failures: dict[str, list[tuple[int, int | None]]] = {}
        self._delays: dict[str, list[float]] = {}
        self._known_chats: dict[int, dict] = {}
        self.broken: dict[int, tuple[int, dict]] = {}  # chat -> (status, error payload) for every send to it
        self._cond = threading.Condition()
        self._closing = False
        self.connections: list[Connection] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakeBotApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else small responses wait ~40 ms for delayed ACKs

            def setup(self) -> None:
                super().setup()
                with api._cond:
                    self.connection_record = Connection(len(api.connections), time.monotonic())
                    api.connections.append(self.connection_record)

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    record = self.connection_record
                    record.closed, record.closed_by = time.monotonic(), record.closed_by or "client"

            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                api._serve(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-bot-api",
                                        daemon=True)  # a short poll interval makes stop() prompt
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server:
            self._server.accepting.set()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)

    def __enter__(self) -> "FakeBotApi":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be set to."""
        return f"http://127.0.0.1:{self.port}/bot"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment variables pointing a bot process at this server."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_BASE_URL": self.base_url, **extra}

    def settings(self, db_path, **overrides):
        """assistant.config.Settings pointing an in-process Application at this server."""
        from dataclasses import replace

        from assistant.config import load_settings

        base = load_settings({**self.env(), "ASSISTANT_DB": str(db_path)}, dotenv_path=None)
        return replace(base, **overrides)

    # Pushing updates --------------------------------------------------------------------------

    def push(self, update: dict) -> dict:
        """Queue an update for getUpdates; returns it with its update_id."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._pushed_at[update["update_id"]] = time.monotonic()
            self._cond.notify_all()
        return update

    def pushed_at(self, update_id: int) -> float:
        return self._pushed_at[update_id]

    @staticmethod
    def user(user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}", "language_code": "zh-hans"}

    def chat(self, chat_id: int, chat_type: str = "private") -> dict:
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"title": "学习小组"} if chat_type != "private" else {"first_name": f"用户{chat_id}"})
        self._known_chats[chat_id] = chat
        return chat

    def message(self, text: str, user_id: int = 1001, chat_id: int | None = None, chat_type: str = "private",
                reply_to: dict | None = None, entities: list[dict] | None = None) -> dict:
        """A user's text message; commands get their bot_command entity like real clients send."""
        msg = {
            "message_id": next(self._message_ids), "date": int(time.time()), "text": text,
            "chat": self.chat(user_id if chat_id is None else chat_id, chat_type), "from": self.user(user_id),
        }
        found = list(entities or [])
        if text.startswith("/"):
            found.insert(0, {"type": "bot_command", "offset": 0, "length": utf16_len(text.split(maxsplit=1)[0])})
        if found:
            msg["entities"] = found
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        return self.push({"message": msg})

    def mention(self, before: str = "", after: str = "") -> tuple[str, list[dict]]:
        """Text that mentions the bot, with its mention entity."""
        handle = "@" + BOT_USER["username"]
        return before + handle + after, [{"type": "mention", "offset": utf16_len(before), "length": utf16_len(handle)}]

    def callback(self, sent: Call, button: dict, user_id: int = 1001) -> dict:
        """A tap on `button` under the message the bot sent in `sent` (a sendMessage/editMessageText call)."""
        return self.push({"callback_query": {
            "id": str(next(self._message_ids)), "from": self.user(user_id), "chat_instance": "ci",
            "message": sent.result, "data": button["callback_data"],
        }})

    def inline(self, query: str, offset: str = "", user_id: int = 1001) -> dict:
        return self.push({"inline_query": {
            "id": str(next(self._message_ids)), "from": self.user(user_id), "query": query, "offset": offset,
            "chat_type": "private",
        }})

    # Failures ----------------------------------------------------------------------------------

    def fail(self, method: str, status: int = 502, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` get `status` (429 carries retry_after);
        status DROP closes the connection without any answer, like a network failure before the server acted;
        status LOST acts on the call and then closes the connection, so the answer never arrives."""
        with self._cond:
            self._failures.setdefault(method, []).extend([(status, retry_after)] * times)

    def gone(self, chat_id: int, status: int = 403, description: str = "Forbidden: bot was blocked by the user") -> None:
        """Every later send to `chat_id` fails: the user blocked the bot (403) or the chat is gone (400)."""
        self.broken[chat_id] = (status, {"ok": False, "error_code": status, "description": description})

    def migrated(self, chat_id: int, new_chat_id: int) -> None:
        """The group `chat_id` became the supergroup `new_chat_id`: sends to the old id are refused with its new id."""
        self.broken[chat_id] = (400, {
            "ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": new_chat_id},
        })

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `method` are acted on at once but answered `seconds` later (a slow server)."""
        with self._cond:
            self._delays.setdefault(method, []).extend([seconds] * times)

    @contextmanager
    def not_accepting(self) -> Iterator[None]:
        """Hold up the accept loop meanwhile, like a server process starved of CPU: new connections wait in
        the listen queue (connections already open keep being served)."""
        self._server.accepting.clear()
        try:
            yield
        finally:
            self._server.accepting.set()

    # Looking at calls ----------------------------------------------------------------------------

    def find(self, method: str | None = None, where: Callable[[Call], bool] | None = None,
             status: int | None = 200) -> list[Call]:
        with self._cond:
            calls = list(self.calls)
        return [c for c in calls if (method is None or c.method == method) and (status is None or c.status == status)
                and (where is None or where(c))]

    def wait_for(self, method: str, where: Callable[[Call], bool] | None = None, count: int = 1,
                 timeout: float = 10.0, status: int | None = 200) -> Call:
        """Block until `count` matching calls arrived; return the last one. Fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and (status is None or c.status == status)
                         and (where is None or where(c))]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status, str(c.params)[:120]) for c in self.calls[-10:]]
                    raise TimeoutError(f"no {method} call matched within {timeout}s; last calls: {seen}")
                self._cond.wait(left)

    def wait_idle(self, since: int, quiet: float = 0.3, timeout: float = 10.0) -> list[Call]:
        """Wait until the bot made no call (getUpdates aside) for `quiet` seconds; return the
        calls after index `since`. Use it to check that the bot stayed silent."""
        start = time.monotonic()
        deadline = start + timeout
        with self._cond:
            while True:
                active = [c for c in self.calls[since:] if c.method != "getUpdates"]
                last = max(active[-1].at if active else start, start)
                now = time.monotonic()
                if now - last >= quiet or now >= deadline:
                    return active
                self._cond.wait(min(quiet, deadline - now))

    # Serving ---------------------------------------------------------------------------------------

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        prefix = f"/bot{self.token}/"
        if not req.path.startswith(prefix):
            return self._send(req, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = req.path[len(prefix):].split("?", 1)[0]
        params, files = parse_body(req.headers.get("Content-Type", ""), body)
        connection = req.connection_record
        connection.requests += 1
        call = Call(method, params, time.monotonic(), files=files, connection=connection)
        failure, delay = self._take_faults(method)
        lost = failure is not None and failure[0] == LOST
        status, payload = self._answer(call, None if lost else failure)
        call.status = status
        call.result = payload.get("result")
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
        if status == DROP or lost:
            req.close_connection = True
            connection.closed_by = "server"
            return
        time.sleep(delay)
        self._send(req, status, payload)

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        try:
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the bot went away mid-long-poll
            pass

    def _take_faults(self, method: str) -> tuple[tuple[int, int | None] | None, float]:
        """The failure and the delay queued for this call of `method`, taken at once under the lock: taken in
        two steps, a failure queued in between by another thread was served as an HTTP status (LOST = -1 made
        the server fail without acting or recording the call, an answer lost that no fault explains)."""
        with self._cond:
            failures, delays = self._failures.get(method), self._delays.get(method)
            return (failures.pop(0) if failures else None), (delays.pop(0) if delays else 0.0)

    def _answer(self, call: Call, failure: tuple[int, int | None] | None = None) -> tuple[int, dict]:
        """The status and payload for `call`; `failure` (status, retry_after) replaces a success."""
        if call.method in SENDING and call.params.get("chat_id") in self.broken:
            return self.broken[call.params["chat_id"]]
        if failure:
            status, retry_after = failure
            payload = {"ok": False, "error_code": status, "description": HTTPStatus(status).phrase if status else ""}
            if retry_after is not None:
                payload["parameters"] = {"retry_after": retry_after}
            return status, payload
        if call.method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(call.params)}
        wait = self._flood_wait(call)
        if wait:
            self.rejected += 1
            return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {wait}",
                         "parameters": {"retry_after": wait}}
        return 200, {"ok": True, "result": self._result(call)}

    def _flood_wait(self, call: Call) -> int:
        if not self.flood_limits or "chat_id" not in call.params or call.method not in SENDING:
            return 0
        with self._cond:
            chat = self._chats.setdefault(call.params["chat_id"], TokenBucket(self._chat_rate, 1))
            wait = self._overall.take() or chat.take()
        return max(1, round(wait)) if wait else 0

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 30)
        with self._cond:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._closing or time.monotonic() >= deadline:
                    return list(self._updates[: int(params.get("limit") or 100)])
                self._cond.wait(max(deadline - time.monotonic(), 0.001))

    def _message(self, call: Call, **content) -> dict:
        chat_id = call.params["chat_id"]
        chat = self._known_chats.get(chat_id) or {"id": chat_id, "type": "private"}
        msg = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "from": BOT_USER,
               **content}
        if call.params.get("reply_markup"):
            msg["reply_markup"] = call.params["reply_markup"]
        return msg

    def _result(self, call: Call) -> Any:
        p = call.params
        if call.method == "getMe":
            return BOT_USER
        if call.method == "sendMessage":
            return self._message(call, text=p.get("text", ""))
        if call.method == "editMessageText":
            if "inline_message_id" in p:
                return True
            msg = self._message(call, text=p.get("text", ""), edit_date=int(time.time()))
            msg["message_id"] = p["message_id"]
            return msg
        if call.method == "sendDocument":
            name, data = call.files.get("document", ("document", b""))
            return self._message(call, document={"file_id": f"doc{len(data)}", "file_unique_id": "u",
                                                 "file_name": name, "file_size": len(data)},
                                 caption=p.get("caption", ""))
        if call.method == "sendPoll":
            options = [{"text": o if isinstance(o, str) else o.get("text", ""), "voter_count": 0,
                        "persistent_id": str(i)} for i, o in enumerate(p.get("options", []))]
            poll = {"id": str(next(self._message_ids)), "question": p.get("question", ""), "options": options,
                    "total_voter_count": 0, "is_closed": False, "is_anonymous": p.get("is_anonymous", True),
                    "type": p.get("type", "regular"), "allows_multiple_answers": False, "allows_revoting": False,
                    "members_only": False}
            if "correct_option_ids" in p:
                poll["correct_option_ids"] = p["correct_option_ids"]
            return self._message(call, poll=poll)
        if call.method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True  # answerCallbackQuery, answerInlineQuery, setMyCommands, deleteWebhook, sendChatAction …


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _value(key: str, raw: str) -> Any:
    if key in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Form-encoded or multipart parameters as PTB sends them; JSON-valued fields decoded."""
    if content_type.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        params, files = {}, {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = (part.get_filename(), data)
            else:
                params[name] = _value(name, data.decode())
        for name, (filename, _) in files.items():  # PTB refers to uploads as attach://name
            params.setdefault(name, filename)
        return params, files
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}"), {}
    return {k: _value(k, v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}, {}


@contextmanager
def running_bot(app, timeout: float = 15.0, run: Callable[[Any], None] | None = None) -> Iterator[Any]:
    """Run a PTB Application's real loop in a thread: `run(app)` (default run_polling; it must pass
    stop_signals=None, close_loop=False). Yields once post_init ran; stops the loop on exit."""
    loop = asyncio.new_event_loop()
    errors: list[BaseException] = []
    polling = threading.Event()

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            if run is None:
                app.run_polling(stop_signals=None, poll_interval=0, timeout=5, close_loop=False)
            else:
                run(app)
        except BaseException as exc:  # surfaced to the test below
            errors.append(exc)
        finally:
            polling.set()

    original = app.post_init

    async def post_init(a) -> None:
        if original:
            await original(a)
        polling.set()  # getUpdates starts right after; updates pushed meanwhile wait in the server

    app.post_init = post_init
    thread = threading.Thread(target=main, name="bot-under-test", daemon=True)
    thread.start()
    if not polling.wait(timeout) or errors:
        raise RuntimeError(f"bot did not start: {errors}")
    try:
        yield app
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        loop.close()
        if errors:
            raise errors[0]


@contextmanager
def serving(core, db_path, api: FakeBotApi | None = None, **settings) -> Iterator[FakeBotApi]:
    """A fake server plus the real Telegram adapter on `core`, polling it; yields the server.

    `settings` override assistant.config.Settings fields (e.g. rate_limit=False).
    """
    from assistant.adapters.telegram import build_application

    with (api or FakeBotApi()) as server:
        with running_bot(build_application(server.settings(db_path, **settings), core)):
            yield server


@pytest.fixture(scope="module")
def searcher(db_path):
    """The real search engine over the session's ingested corpus, shared by a test module."""
    from assistant.search.engine import Searcher

    return Searcher.open(db_path)
