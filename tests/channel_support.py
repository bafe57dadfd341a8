"""Helpers for the HTTP-service and DingTalk tests: the real app on uvicorn over loopback, a fake DingTalk
sessionWebhook that records what the robot posts, and signed callback requests."""
from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import uvicorn

from assistant.adapters import dingtalk
from assistant.config import Settings

APP_KEY, APP_SECRET = "dingtest-app-key", "test-app-secret-never-real"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_for(db_path, tmp_path, **overrides) -> Settings:
    return replace(Settings(db_path=db_path, state_db_path=tmp_path / "state.db"), **overrides)


@contextmanager
def running_service(settings: Settings, app=None) -> Iterator[str]:
    """`serve`'s app (built from `settings` unless given) on uvicorn in a thread; yields its base URL."""
    from assistant.adapters.http.server import build

    port = free_port()
    config = uvicorn.Config(app or build(settings), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="http-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("HTTP service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def json_server(respond: Callable[[str, dict], dict]) -> ThreadingHTTPServer:
    """A loopback HTTP server in a thread answering each POST with `respond(path, json body)` as JSON."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            data = json.dumps(respond(self.path, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class FakeWebhook:
    """A stand-in for DingTalk's sessionWebhook: records each posted JSON body, answers errcode 0."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self._cond = threading.Condition()
        self.server = json_server(self._record)

    def _record(self, path: str, body: dict) -> dict:
        with self._cond:
            self.posts.append({"path": path, **body})
            self._cond.notify_all()
        return {"errcode": 0, "errmsg": "ok"}

    def url(self, session: str = "s1") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/robot/sendBySession?session={session}"

    def wait(self, count: int, timeout: float = 15.0) -> list[dict]:
        """The first `count` posts, waiting for them to arrive."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.posts) >= count, timeout):
                raise AssertionError(f"expected {count} webhook posts, got {len(self.posts)}: {self.posts}")
            return list(self.posts[:count])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeWebhook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def robot_message(text: str, webhook: str, staff: str = "staff-1", group: bool = False, at: bool = True) -> dict:
    """A robot message in DingTalk's JSON shape (the same body in HTTP callback and stream mode)."""
    return {
        "conversationId": "cid-group-1" if group else f"cid-private-{staff}",
        "conversationType": "2" if group else "1",
        "conversationTitle": "学习小组" if group else "",
        "atUsers": [{"dingtalkId": "$:LWCP_v1:$robot"}] if group and at else [],
        "chatbotCorpId": "ding-corp", "chatbotUserId": "$:LWCP_v1:$robot", "msgId": f"msg-{time.monotonic_ns()}",
        "senderNick": "张三", "isAdmin": False, "senderStaffId": staff, "sessionWebhookExpiredTime": 4102444800000,
        "createAt": int(time.time() * 1000), "senderCorpId": "ding-corp", "senderId": f"$:LWCP_v1:${staff}",
        "isInAtList": bool(group and at) if group else True, "sessionWebhook": webhook, "robotCode": APP_KEY,
        "msgtype": "text", "text": {"content": text},
    }


def signed_headers(secret: str = APP_SECRET, timestamp_ms: int | None = None) -> dict[str, str]:
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    return {"timestamp": ts, "sign": dingtalk.sign(ts, secret)}
