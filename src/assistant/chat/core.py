"""The IM-independent chat core: a Request (text + who/where) in, a Reply (plain data) out.

Adapters (assistant.adapters.telegram, assistant.adapters.console) only translate: they build a
Request from a messenger update, call one of ChatCore.handle_message / handle_action /
handle_inline, and render the Reply. Nothing here knows about Telegram.

Adding a command or feature (e.g. assistant.study) without touching the dispatcher::

    def setup(core: ChatCore, settings: Settings) -> None:
        reg = core.registry
        reg.command("digest", "生成摘编", digest, slow=True)   # /digest ARGS -> digest(req) with req.text == ARGS
        reg.action("dg", on_digest_button, slow=True)           # button data "dg:ARG" -> on_digest_button(req, "ARG")
        reg.quote_button(lambda quote, req: Button("⭐", core.callback_data("save", quote.passage_id)))
        reg.answer_button(lambda session, hits, req: Button("摘编", core.callback_data("dg", session.id)))
        reg.on_start(lambda scheduler: ...)                     # re-schedule stored /daily subscriptions
        reg.on("poll_answer", on_poll_answer)                   # messenger events, see ChatCore.emit

    - Handlers are plain functions returning a Reply (or None to stay silent). A Reply may carry
      documents (.docx/.md) and a quiz Poll; the adapter sends them.
    - slow=True marks a handler that may take long (builds a digest, a quiz pool, a file): the adapter
      runs it in a worker thread so other chats are not kept waiting, so it must be thread-safe.
      Quick handlers (a search takes ~2 ms) run inline, sparing the thread hand-off.
    - Callback data is "action:arg" and must fit 64 bytes: build it with core.callback_data(),
      which keeps a long arg server-side under a short key; the action handler gets the original arg.
    - A search answer's query lives in core.sessions under a short id (Session); answer buttons get it
      and the search hits behind the answer (best first).
      With a state database (bot.py) sessions and stashed args survive a restart (chat.sessions).
    - Out of band (jobs, broadcasts): core.scheduler, set by the adapter before on_start hooks run,
      offers daily(), once(), cancel() and send(chat_id, reply). See Scheduler.
    - bot.py calls setup(core, settings) of every module in its FEATURES list that is installed.
    - End-to-end tests: tests/fake_bot_api.py (a fake Bot API server, `serving(core, db_path)`).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Callable, Protocol, Sequence

from assistant.chat.corpus_switch import CorpusSwitch
from assistant.chat.reply import MAX_CALLBACK_BYTES, Button, InlinePage, Quote, Reply, Text
from assistant.chat.sessions import Scopes, Session, Sessions
from assistant.state import StateDB
from assistant.state.querylog import QueryEntry, QueryLog

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200  # longer input is cut: nobody types more, and it keeps every search fast

REFUSAL = "抱歉，本机器人目前仅向授权用户开放。如需使用，请联系管理员。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看用法。"
ADMIN_ONLY = "这个命令只有管理员可以使用。"
EXPIRED = "这条结果已过期，请重新提问。"
NUMBER = re.compile(r"[0-9]{1,9}")


def parse_number(raw: str) -> int | None:
    """A page, offset or id carried by button data or an inline offset; None when it is not one.

    Strict on purpose: the data comes back from the client and can be forged. `str.isdigit()` accepts `²`
    and `١`, which int() refuses or reads differently, and a 5000-digit number exceeds int()'s limit."""
    return int(raw) if NUMBER.fullmatch(raw) else None



# The searches made while one message is handled (ChatCore.search notes them; handle_message logs the first).
_searches: ContextVar[list | None] = ContextVar("searches", default=None)


@dataclass(frozen=True)
class Request:
    """Who says what, where. For commands and button presses `text` is the argument part."""

    chat_id: int
    user_id: int
    text: str = ""
    chat_kind: str = "private"  # private | group | channel
    user_name: str = ""
    chat_admin: bool = False  # sender administers this group; looked up only for commands registered chat_admin=True
    channel: str = ""  # telegram | console | dingtalk | http: set by the adapter, counted in the query log

    @property
    def in_group(self) -> bool:
        return self.chat_kind == "group"


Handler = Callable[[Request], "Reply | None"]
ActionHandler = Callable[[Request, str], "Reply | None"]
QuoteButton = Callable[[Quote, Request], "Button | None"]
AnswerButton = Callable[[Session, Sequence, Request], "Button | None"]  # (session, the answer's hits best first, request)


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # shown in Telegram's command menu and /help
    handler: Handler
    admin: bool = False
    menu: bool = True
    chat_admin: bool = False  # the adapter fills Request.chat_admin (a messenger lookup) before calling it
    slow: bool = False  # may take long: the adapter runs it off its event loop


class Scheduler(Protocol):
    """What an adapter offers for out-of-band messages (daily quotes, digests ready later …).

    `make` is called when the job fires and returns the Reply to send (None: send nothing).
    Names identify jobs: scheduling a name again replaces the old job.
    """

    def daily(self, name: str, at: dt.time, chat_id: int, make: Callable[[], Reply | None]) -> None: ...

    def once(self, name: str, delay: float, chat_id: int, make: Callable[[], Reply | None]) -> None: ...

    def cancel(self, name: str) -> bool: ...

    def send(self, chat_id: int, reply: Reply) -> None: ...


@dataclass
class Registry:
    """Commands, button actions and extension points, filled by setup() functions."""

    commands: dict[str, Command] = field(default_factory=dict)
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    slow_actions: set[str] = field(default_factory=set)
    quote_buttons: list[QuoteButton] = field(default_factory=list)
    answer_buttons: list[AnswerButton] = field(default_factory=list)
    startup: list[Callable[[Scheduler], None]] = field(default_factory=list)
    events: dict[str, list[Callable[..., None]]] = field(default_factory=dict)
    question: Handler | None = None  # free text that is not a command
    inline: Callable[[Request, str], InlinePage] | None = None  # (request, offset) -> page; req.text is the query

    def command(self, name: str, description: str, handler: Handler, *, admin: bool = False, menu: bool = True,
                chat_admin: bool = False, slow: bool = False) -> None:
        if name in self.commands:
            raise ValueError(f"command /{name} registered twice")
        self.commands[name] = Command(name, description, handler, admin, menu, chat_admin, slow)

    def action(self, name: str, handler: ActionHandler, *, slow: bool = False) -> None:
        if name in self.actions or ":" in name:
            raise ValueError(f"bad or duplicate action {name!r}")
        self.actions[name] = handler
        if slow:
            self.slow_actions.add(name)

    def quote_button(self, make: QuoteButton) -> None:
        self.quote_buttons.append(make)

    def answer_button(self, make: AnswerButton) -> None:
        self.answer_buttons.append(make)

    def on_start(self, hook: Callable[[Scheduler], None]) -> None:
        self.startup.append(hook)

    def on(self, event: str, hook: Callable[..., None]) -> None:
        """Call `hook` when the adapter emits `event` (see ChatCore.emit)."""
        self.events.setdefault(event, []).append(hook)


@dataclass(frozen=True)
class Access:
    """Who may use the bot: everyone when both lists are empty; admins always."""

    users: frozenset[int] = frozenset()
    chats: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()

    @property
    def restricted(self) -> bool:
        return bool(self.users or self.chats)

    def permits(self, req: Request) -> bool:
        if not self.restricted:
            return True
        return req.user_id in self.users or req.chat_id in self.chats or req.user_id in self.admins

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins


class NullScheduler:
    """Used until an adapter attaches its own; out-of-band messages are logged and dropped."""

    def daily(self, name: str, at: dt.time, chat_id: int, make: Callable[[], Reply | None]) -> None:
        log.warning("no scheduler attached; daily job %s ignored", name)

    def once(self, name: str, delay: float, chat_id: int, make: Callable[[], Reply | None]) -> None:
        log.warning("no scheduler attached; job %s ignored", name)

    def cancel(self, name: str) -> bool:
        return False

    def send(self, chat_id: int, reply: Reply) -> None:
        log.warning("no scheduler attached; message to %s dropped", chat_id)


def clean_text(text: str) -> str:
    """Drop control and format characters (and U+FFFD), collapse whitespace: what a user meant to type."""
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat == "Cc":
            kept.append(" ")
        elif cat not in ("Cf", "Cs", "Co") and ch != "\ufffd":  # U+FFFD: bytes that were not text
            kept.append(ch)
    return " ".join("".join(kept).split())


def parse_command(text: str) -> tuple[str, str] | None:
    """"/s@bot 共同富裕" -> ("s", "共同富裕"); None when the text is not a command."""
    if not text.startswith("/"):
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name, rest.strip()) if name else None


class ChatCore:
    """Dispatches requests to registered handlers; holds the searcher, sessions and access policy."""

    def __init__(self, searcher, *, access: Access | None = None, reopen: Callable[[], object] | None = None,
                 sessions: Sessions | None = None, state: StateDB | None = None,
                 querylog: QueryLog | None = None) -> None:
        self.searcher = searcher
        self.access = access or Access()
        self.reopen = reopen  # builds a fresh searcher after a re-ingest (/reload)
        self.registry = Registry()
        self.sessions = sessions or Sessions()  # bot.py passes one on the state database: buttons outlive restarts
        self.state = state  # the state store features keep their data in (None: in memory only)
        self.querylog = querylog  # every question asked through handle_message lands here (None: not logged)
        self.switch: CorpusSwitch | None = None  # notices a re-ingested corpus between requests (watch_corpus)
        self.scheduler: Scheduler = NullScheduler()
        self.scopes = Scopes(state)  # (chat, user) -> source id for their next search
        self.bot_username = ""  # the messenger's name for the bot (@username), set by the adapter once known

    # Helpers for handlers ---------------------------------------------------------------

    def callback_data(self, action: str, arg: str = "") -> str:
        """"action:arg", with `arg` replaced by a short stash key ("~key") when it would not fit 64 bytes."""
        data = f"{action}:{arg}"
        if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            return data
        return f"{action}:~{self.sessions.stash(arg)}"

    def arg(self, raw: str) -> str | None:
        """The argument a button carried (undoing callback_data's stash); None if it expired."""
        return self.sessions.unstash(raw[1:]) if raw.startswith("~") else raw

    # Entry points for adapters ------------------------------------------------------------

    def start(self, scheduler: Scheduler) -> None:
        """Called once by the adapter when it is ready to send: runs the features' on_start hooks."""
        self.scheduler = scheduler
        for hook in self.registry.startup:
            hook(scheduler)

    def search(self, query: str, **kwargs):
        """The searcher's search; the first one made while a message is handled is its query-log entry."""
        results = self.searcher.search(query, **kwargs)
        noted = _searches.get()
        if noted is not None and not noted:
            noted.append(results)
        return results

    def log_question(self, req: Request, query: str, results, seconds: float) -> None:
        """Put one answered question on the query log (never blocks, never raises). handle_message does
        this for every channel; an adapter that searches by itself (the HTTP API) calls it directly."""
        if self.querylog is None:
            return
        top = results.hits[0].passage.id if results.hits else ""
        self.querylog.record(QueryEntry(req.channel, req.chat_kind, req.user_id, query, results.total, top,
                                        results.answered, seconds * 1000))

    def watch_corpus(self, path) -> CorpusSwitch:
        """Switch by itself to the corpus a re-ingest writes at `path` (needs `reopen`; see chat.corpus_switch)."""
        self.switch = CorpusSwitch(path, self.reopen, self.install)
        return self.switch

    def install(self, searcher) -> object:
        """Serve `searcher` from now on; the one it replaces is returned. Features drop what they derived from
        the old corpus at once ("corpus_changed"), so it is freed when the requests using it end, not at some
        later command."""
        old, self.searcher = self.searcher, searcher
        self.emit("corpus_changed")
        return old

    def between_requests(self) -> None:
        """Housekeeping before a request is handled: switch to a re-ingested corpus once it is loaded."""
        if self.switch is not None:
            self.switch.check()

    def handle_message(self, req: Request) -> Reply | None:
        """A text message addressed to the bot: a /command or a question. None means stay silent."""
        self.between_requests()
        started = time.perf_counter()
        noted: list = []
        token = _searches.set(noted)
        try:
            reply = self._dispatch_message(req)
        finally:
            _searches.reset(token)
        if noted:
            self.log_question(req, noted[0].query, noted[0], time.perf_counter() - started)
        return reply

    def _dispatch_message(self, req: Request) -> Reply | None:
        if not self.access.permits(req):
            return Reply([Text(REFUSAL)])
        text = clean_text(req.text)
        parsed = parse_command(text)
        if parsed is None:
            return self.registry.question(replace(req, text=text)) if self.registry.question else None
        name, args = parsed
        command = self.registry.commands.get(name)
        if command is None:
            return None if req.in_group else Reply([Text(UNKNOWN_COMMAND)])
        if command.admin and not self.access.is_admin(req.user_id):
            return Reply([Text(ADMIN_ONLY)])
        return command.handler(replace(req, text=args))

    def handle_action(self, req: Request, data: str) -> Reply:
        """A button press carrying callback `data` ("action:arg")."""
        self.between_requests()
        if not self.access.permits(req):
            return Reply(notice=REFUSAL)
        name, _, raw = data.partition(":")
        handler = self.registry.actions.get(name)
        arg = self.arg(raw)
        if handler is None or arg is None:
            return Reply(notice=EXPIRED)
        return handler(req, arg) or Reply()

    def handle_inline(self, req: Request, offset: str) -> InlinePage:
        """An inline query (`req.text`), `offset` as Telegram passes it back for the next page."""
        self.between_requests()
        if not self.access.permits(req):
            return InlinePage(help_text="无权使用：请联系管理员开通", cache_seconds=0, personal=True)
        if self.registry.inline is None:
            return InlinePage()
        page = self.registry.inline(replace(req, text=clean_text(req.text)), offset)
        # Telegram shares cached inline answers between users unless they are marked personal.
        return replace(page, personal=True) if self.access.restricted else page

    def _command(self, text: str) -> Command | None:
        parsed = parse_command(clean_text(text))
        return self.registry.commands.get(parsed[0]) if parsed else None

    def needs_chat_admin(self, text: str) -> bool:
        """Whether answering `text` needs Request.chat_admin, a lookup only the adapter can make."""
        command = self._command(text)
        return bool(command and command.chat_admin)

    def is_slow(self, text: str = "", data: str | None = None) -> bool:
        """Whether answering message `text` (or a button's callback `data`) may take long (see slow=True)."""
        if data is not None:
            return data.partition(":")[0] in self.registry.slow_actions
        command = self._command(text)
        return bool(command and command.slow)

    def emit(self, event: str, *args) -> None:
        """Messenger events an adapter reports to the features that registered for them:
        ("poll_sent", key, poll_id), ("poll_answer", poll_id, user_id, user_name, option or None),
        ("chat_gone", chat_id, reason) when a chat blocked or removed the bot or no longer exists,
        ("chat_moved", old_chat_id, new_chat_id) when a group became a supergroup; the core itself emits
        ("corpus_changed",) when it switched to another corpus."""
        for hook in self.registry.events.get(event, []):
            hook(*args)

    def reload(self) -> None:
        """Re-open the corpus after a re-ingest replaced the database file (through the switch when the file
        is watched: one load at a time)."""
        if self.switch is not None:
            self.switch.reload()
        elif self.reopen is not None:
            self.install(self.reopen())
