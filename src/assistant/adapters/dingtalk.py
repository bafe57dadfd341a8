"""DingTalk (钉钉 / 浙政钉) enterprise-internal robot: every protocol detail of the channel lives here.

Two ways in, one way out:
- HTTP callback mode (DINGTALK_MODE=http): DingTalk POSTs each message to `serve`'s /dingtalk/callback with
  `timestamp` and `sign` headers; `check_signature` refuses unsigned (401), wrong or stale (403) requests.
- Stream mode (DINGTALK_MODE=stream, the default): the official `dingtalk-stream` SDK opens a WebSocket to
  DingTalk (no public endpoint needed inside a government network); `StreamHandler` gets the same message.
Either way the reply goes back through the message's `sessionWebhook` (valid ~1.5 h) as markdown.

Buttons do not exist here: DingTalk's action cards need card templates registered on the developer console and
their callbacks, and on the mobile client an actionCard's buttons open URLs rather than call back into a chat
robot. So a reply's buttons become short follow-up commands the user types (`下一页`, `上下文 1`, `来源 2`,
`收藏 1`, `摘编`), listed under the answer; they press the last answer's buttons for that user in that chat,
typed loosely too (下一条。/更多 for 下一页, 上下文 ② for 上下文 2: typed_key).
A 摘编 reply links its Word/Markdown file from the HTTP service (PUBLIC_BASE_URL/api/digest).
In a group the robot answers only when @-mentioned (`isInAtList`); the reply @-mentions the asker.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Awaitable, Callable
from urllib.parse import urlencode

import httpx
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, ChatbotMessage

from assistant.chat.core import ChatCore, Request, clean_text, parse_command
from assistant.chat.followups import LABEL_WORDS, typed_key
from assistant.chat.render import highlight, ordinal
from assistant.chat.reply import Button, Context, Quote, Reply, Text
from assistant.config import Settings
from assistant.runtime import numeric_id

log = logging.getLogger(__name__)

MAX_AGE_MS = 3600 * 1000  # a callback's timestamp may be this far from now
MAX_MARKDOWN_CHARS = 4000  # per message: below what DingTalk's clients show without cutting
MAX_MESSAGES = 2  # per answer: the robot may send 20 messages a minute to a chat
FOLLOWUP_CHATS = 10_000  # (chat, user) pairs whose last answer's buttons are kept
TITLE = "政策原文"  # the markdown title: what the notification and the chat list show
TRIMMED = "……（内容较长，余下部分未显示{hint}）"
NO_FILES = "（文件请在网页版或 Telegram 中下载）"
PRIVATE, GROUP = "1", "2"  # conversationType
DIGEST_LABEL = "摘编"
DIGEST_FILES = (("docx", "Word"), ("md", "Markdown"))
SEND_TIMEOUT = 10.0


# Signatures -----------------------------------------------------------------------------------------------


def sign(timestamp: str, secret: str) -> str:
    """DingTalk's callback signature: Base64(HMAC-SHA256(key=appSecret, msg=timestamp + "\\n" + appSecret))."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_signature(timestamp: str | None, signature: str | None, secret: str, now_ms: int | None = None) -> tuple[int, str]:
    """(HTTP status, reason): 200 for a good, fresh signature; 401 unsigned; 403 wrong or stale."""
    if not timestamp or not signature:
        return 401, "unsigned"
    if not timestamp.isdigit():
        return 403, "bad timestamp"
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now_ms - int(timestamp)) > MAX_AGE_MS:
        return 403, "stale timestamp"
    if not hmac.compare_digest(sign(timestamp, secret), signature):
        return 403, "wrong signature"
    return 200, "ok"


def link_signature(secret: str, topic: str, fmt: str) -> str:
    """Signs a 摘编 download link, so it opens without an API key (see the HTTP API's key check)."""
    return hmac.new(secret.encode(), f"digest\n{topic}\n{fmt}".encode(), hashlib.sha256).hexdigest()[:32]


# Markdown ---------------------------------------------------------------------------------------------------

_MARKUP = re.compile(r"([\\`*_#>\[\]])")


def escape(text: str) -> str:
    """Corpus or user text inside DingTalk markdown: markup characters lose their meaning."""
    return _MARKUP.sub(r"\\\1", text)


def lines(*parts: str) -> str:
    """Markdown lines: DingTalk needs two trailing spaces for a line break inside a paragraph."""
    return "  \n".join(p for p in parts if p)


def emphasised(text: str, terms: tuple[str, ...]) -> str:
    return "".join(f"**{escape(s)}**" if bold else escape(s) for s, bold in highlight(text, terms))


@dataclass(frozen=True)
class FollowUp:
    """A button the user can press by typing `word` (and the quote's number, for a quote's own buttons)."""

    word: str
    number: int | None
    button: Button

    @property
    def typed(self) -> str:
        return f"{self.word} {self.number}" if self.number else self.word


def follow_word(label: str) -> str | None:
    """What the user types for a button: its label up to any "：" (摘编：共同富裕 → 摘编); None for a
    label one cannot type (a numbered list entry)."""
    word = LABEL_WORDS.get(label, label.split("：", 1)[0].strip())
    return None if not word or word[0].isdigit() else word


class Renderer:
    """A Reply as DingTalk markdown messages, and the follow-up commands standing for its buttons."""

    def __init__(self, core: ChatCore, settings: Settings) -> None:
        self.core, self.settings = core, settings

    @staticmethod
    def quote(q: Quote, number: int | None) -> str:
        """①“quote, matched words bold”（《全称》，date）: the standard 出处, ready to paste into a 材料."""
        head = f"**{ordinal(number)}** " if number else ""
        standard = escape(q.citation.standard) if q.citation else ""
        return f"{head}“{emphasised(q.text, q.terms)}”{standard}"

    @staticmethod
    def context(c: Context) -> str:
        text = lines(*(f"**{escape(t)}**" if i == c.focus else escape(t) for i, t in enumerate(c.lines)))
        return lines(escape(c.citation.line), text) if c.citation else text

    def block(self, block, number: int | None) -> str:
        if isinstance(block, Quote):
            return self.quote(block, number)
        if isinstance(block, Context):
            return self.context(block)
        text = lines(*(escape(line) for line in block.text.split("\n")))
        return f"**{text}**" if block.bold else text

    def followups(self, reply: Reply) -> list[FollowUp]:
        out: list[FollowUp] = []
        number = 0
        for block in reply.blocks:
            if isinstance(block, Quote) and block.buttons:
                number += 1
                out += [FollowUp(w, number, b) for b in block.buttons if b.data and (w := follow_word(b.label))]
        for row in reply.buttons:
            out += [FollowUp(w, None, b) for b in row if b.data and (w := follow_word(b.label))
                    and not b.data.startswith("dgf:")]  # the 摘编's file buttons become links (digest_links)
        return out

    def hint(self, followups: list[FollowUp]) -> str:
        """`可回复：上下文 1～3 · 来源 1～3 · 下一页`: the follow-ups, a quote's ones folded into a range."""
        words: dict[str, list[int]] = {}
        for f in followups:
            words.setdefault(f.word, []).extend([f.number] if f.number else [])
        shown = []
        for word, numbers in words.items():
            if not numbers:
                shown.append(f"“{word}”")
            else:
                span = str(numbers[0]) if len(numbers) == 1 else f"{min(numbers)}～{max(numbers)}"
                shown.append(f"“{word} {span}”")
        return "可回复：" + " · ".join(shown) if shown else ""

    def digest_links(self, topic: str) -> str:
        base = self.settings.public_url
        if not base:
            return ""
        links = []
        for fmt, label in DIGEST_FILES:
            params = {"topic": topic, "format": fmt}
            if self.settings.api_keys:
                params["sig"] = link_signature(self.settings.dingtalk_app_secret, topic, fmt)
            links.append(f"[下载 {label}]({base}/api/digest?{urlencode(params)})")
        return " · ".join(links)

    def messages(self, reply: Reply, followups: list[FollowUp], digest_topic: str | None) -> list[str]:
        """The reply in at most MAX_MESSAGES markdown texts of MAX_MARKDOWN_CHARS, cut between blocks; what does
        not fit is dropped with a pointer to the follow-up that shows more."""
        parts, number = [], 0
        if reply.notice:
            parts.append(escape(reply.notice))
        for block in reply.blocks:
            if isinstance(block, Quote) and block.buttons:
                number += 1
                parts.append(self.block(block, number))
            else:
                parts.append(self.block(block, None))
        if reply.documents:
            parts.append(NO_FILES)
        if digest_topic:
            parts.append(self.digest_links(digest_topic))
        tail = self.hint(followups)
        more = "；回复“下一页”继续" if any(f.word == "下一页" for f in followups) else ""
        return pack([p for p in parts if p], tail, TRIMMED.format(hint=more))


def pack(parts: list[str], tail: str, trimmed: str) -> list[str]:
    """Parts joined into messages of at most MAX_MARKDOWN_CHARS (a part longer than that is cut), at most
    MAX_MESSAGES of them, the tail line closing the last; `trimmed` marks a cut."""
    budget = MAX_MARKDOWN_CHARS - len(tail) - len(trimmed) - 8
    messages: list[str] = []
    current = ""
    cut = False
    for part in parts:
        if len(part) > budget:
            part, cut = part[:budget], True
        joined = f"{current}\n\n{part}" if current else part
        if len(joined) <= budget:
            current = joined
            continue
        messages.append(current)
        current = part
        if len(messages) == MAX_MESSAGES:
            current, cut = "", True
            break
    if current:
        messages.append(current)
    messages = messages[:MAX_MESSAGES] or [""]
    last = messages[-1]
    messages[-1] = "\n\n".join(p for p in (last, trimmed if cut else "", tail) if p)
    return messages


# The robot -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One markdown message for the sessionWebhook."""

    webhook: str
    title: str
    text: str
    at_staff: str = ""

    def payload(self) -> dict:
        body = {"msgtype": "markdown", "markdown": {"title": self.title, "text": self.text}}
        if self.at_staff:
            body["at"] = {"atUserIds": [self.at_staff], "isAtAll": False}
        return body


class Robot:
    """Messages in (the SDK's ChatbotMessage, whichever mode delivered it), markdown messages out."""

    def __init__(self, core: ChatCore, settings: Settings) -> None:
        self.core, self.settings = core, settings
        self.render = Renderer(core, settings)
        self._followups: OrderedDict[tuple[int, int], list[FollowUp]] = OrderedDict()

    def request(self, msg: ChatbotMessage, text: str) -> Request:
        staff = msg.sender_staff_id or msg.sender_id or ""
        kind = "group" if msg.conversation_type == GROUP else "private"
        return Request(numeric_id(msg.conversation_id or staff), numeric_id(staff), text, kind, msg.sender_nick or "",
                       channel="dingtalk")

    def answer(self, msg: ChatbotMessage) -> list[Outgoing]:
        """The messages answering `msg` (none: stay silent). Blocking: runs the core."""
        if msg.conversation_type == GROUP and not msg.is_in_at_list:
            return []  # group chatter not addressed to the robot
        text = clean_text(" ".join(msg.get_text_list() or []) if msg.message_type in ("text", "richText") else "")
        req = self.request(msg, text)
        key = (req.chat_id, req.user_id)
        pressed = self.pressed(key, text)
        digest_topic = None
        if pressed is not None:
            reply = self.core.handle_action(req, pressed.button.data)
            if pressed.word == DIGEST_LABEL:
                digest_topic = pressed.button.label.partition("：")[2] or None
        else:
            reply = self.core.handle_message(req)
            command = parse_command(text)
            if command and command[0] == "digest" and command[1]:
                digest_topic = command[1]
        if reply is None or (reply.empty and not reply.notice):
            return []
        followups = self.remember(key, reply)
        at = msg.sender_staff_id if req.in_group else ""
        return [Outgoing(msg.session_webhook, TITLE, t, at) for t in self.render.messages(reply, followups, digest_topic)]

    def pressed(self, key: tuple[int, int], text: str) -> FollowUp | None:
        """The follow-up `text` types (`下一页`, `上下文 1`, loosely: typed_key), among the last answer's; None: a
        new question."""
        typed = typed_key(text)
        return next((f for f in self._followups.get(key, []) if typed == typed_key(f.typed)), None)

    def remember(self, key: tuple[int, int], reply: Reply) -> list[FollowUp]:
        """The follow-ups usable after `reply`: a new list of quotes brings its own; anything else (上下文 1,
        来源 2) adds its own to the answer's, so 下一页 still pages the answer."""
        new = self.render.followups(reply)
        if not any(f.number for f in new):
            typed = {f.typed for f in new}
            new = [f for f in self._followups.get(key, []) if f.typed not in typed] + new
        self._followups[key] = new
        self._followups.move_to_end(key)
        while len(self._followups) > FOLLOWUP_CHATS:
            self._followups.popitem(last=False)
        return new


Sender = Callable[[Outgoing], Awaitable[None]]


class WebhookSender:
    """Posts markdown to a message's sessionWebhook (a short-lived URL DingTalk gives with each message)."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self.client = client or httpx.AsyncClient(timeout=SEND_TIMEOUT)

    async def __call__(self, out: Outgoing) -> None:
        response = await self.client.post(out.webhook, json=out.payload())
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or body.get("errcode", 0) != 0:
            log.warning("DingTalk sessionWebhook refused a reply: %s %s", response.status_code, response.text[:200])

    async def close(self) -> None:
        await self.client.aclose()


async def reply_to(robot: Robot, send: Sender, msg: ChatbotMessage) -> int:
    """Answer one message and send it; the core runs in a worker thread (it blocks). Returns messages sent."""
    if not msg.session_webhook:
        log.warning("DingTalk message %s has no sessionWebhook; not answered", msg.message_id)
        return 0
    try:
        outgoing = await asyncio.to_thread(robot.answer, msg)
    except Exception:
        log.exception("DingTalk message %s failed", msg.message_id)
        outgoing = [Outgoing(msg.session_webhook, TITLE, "抱歉，处理这条消息时出错了，请稍后再试。")]
    for out in outgoing:
        try:
            await send(out)
        except httpx.HTTPError as exc:
            log.warning("DingTalk reply not delivered: %s", exc)
    return len(outgoing)


# HTTP callback mode ----------------------------------------------------------------------------------------


class Callbacks:
    """DingTalk's HTTP callbacks, framework-free: `serve` hands over headers and the parsed body."""

    def __init__(self, robot: Robot, send: Sender, secret: str) -> None:
        self.robot, self.send, self.secret = robot, send, secret
        self.pending: set[asyncio.Task] = set()

    def receive(self, headers, body: object, client: str = "") -> tuple[int, dict]:
        """(status, JSON answer). A signed message is acknowledged at once and answered in the background."""
        status, reason = check_signature(headers.get("timestamp"), headers.get("sign"), self.secret)
        if status != 200:
            log.warning("DingTalk callback refused (%s) from %s", reason, client or "?")
            return status, {"error": "签名无效或已过期" if status == 403 else "缺少签名"}
        if not isinstance(body, dict) or "msgtype" not in body:
            return 400, {"error": "不是钉钉机器人消息"}
        try:
            msg = ChatbotMessage.from_dict(body)
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"error": f"消息格式无效：{exc}"}
        task = asyncio.get_running_loop().create_task(reply_to(self.robot, self.send, msg))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)
        return 200, {}

    async def drain(self) -> None:
        """Wait for replies still being sent (on shutdown)."""
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)


# Stream mode ------------------------------------------------------------------------------------------------


class StreamHandler(CallbackHandler):
    """The SDK's callback handler for robot messages (topic ChatbotMessage.TOPIC): acknowledges at once (DingTalk
    re-delivers an unacknowledged message) and answers in the background."""

    def __init__(self, robot: Robot, send: Sender) -> None:
        super().__init__()
        self.robot, self.send = robot, send
        self.pending: set[asyncio.Task] = set()

    async def process(self, callback: CallbackMessage) -> tuple[int, str]:
        try:
            msg = ChatbotMessage.from_dict(callback.data)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("DingTalk stream message not understood: %s", exc)
            return AckMessage.STATUS_BAD_REQUEST, "bad message"
        task = asyncio.get_running_loop().create_task(reply_to(self.robot, self.send, msg))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)
        return AckMessage.STATUS_OK, "OK"


def stream_client(robot: Robot, settings: Settings, send: Sender):
    """The SDK client subscribed to robot messages (its endpoint: DINGTALK_OPENAPI_ENDPOINT, read by the SDK)."""
    import dingtalk_stream

    client = dingtalk_stream.DingTalkStreamClient(
        dingtalk_stream.Credential(settings.dingtalk_app_key, settings.dingtalk_app_secret), logger=log)
    client.register_callback_handler(ChatbotMessage.TOPIC, StreamHandler(robot, send))
    return client


async def serve_stream(robot: Robot, settings: Settings, send: Sender) -> None:
    """Stream mode until cancelled (the SDK reconnects by itself); replies in flight are finished on the way out."""
    client = stream_client(robot, settings, send)
    handler: StreamHandler = client.callback_handler_map[ChatbotMessage.TOPIC]
    task = asyncio.ensure_future(client.start())
    try:
        await asyncio.shield(task)
    finally:
        while not task.done():  # the SDK's loop takes one cancellation for a network error and reconnects
            task.cancel()
            await asyncio.wait([task], timeout=1)
        await asyncio.gather(*handler.pending, return_exceptions=True)


async def run_stream(core: ChatCore, settings: Settings) -> None:
    sender = WebhookSender()
    try:
        await serve_stream(Robot(core, settings), settings, sender)
    finally:
        await sender.close()
