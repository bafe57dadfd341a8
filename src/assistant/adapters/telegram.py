"""Telegram adapter (python-telegram-bot v22): updates in, core Replies rendered as HTML out.

Translation only: which messages are addressed to the bot, how a Reply becomes messages,
keyboards, documents, polls and inline results, retries, and the scheduler for out-of-band sends.

Out-of-band sending for features: `core.scheduler` (a TelegramScheduler once the bot started)
runs jobs on PTB's JobQueue and sends Replies with `deliver()`.

Core calls block. Those the core marks slow (building a digest or a quiz takes up to a second when its
caches are cold) and scheduled jobs run in worker threads (`run_core`), so a slow command in one chat
does not stall every other chat; a search (~2 ms) runs inline, where it costs no thread hand-off
(measured: the hand-off on every question cut throughput by a fifth). The core's stores are thread-safe
for this (see chat.sessions, study.state; the corpus reader is a read-only connection).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import importlib.util
import logging
import threading
import warnings
from typing import Awaitable, Callable, TypeVar
from urllib.parse import urlparse

import httpx
from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from telegram import (
    BotCommand, CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
    InlineQueryResultsButton, InputFile, InputTextMessageContent, LinkPreviewOptions, Message, MessageEntity,
    ReplyParameters, Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackContext, CallbackQueryHandler, \
    ContextTypes, InlineQueryHandler, MessageHandler, PollAnswerHandler, filters
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from assistant.chat.core import ChatCore, Request
from assistant.chat.citation import pasteable
from assistant.chat.render import html_messages, keyboard, quiz_html
from assistant.chat.reply import Button, Reply
from assistant.config import Settings, SettingsError

log = logging.getLogger(__name__)

APOLOGY = "抱歉，处理这条消息时出错了，请稍后再试。"
# A call is tried this often on 429 / 5xx / failures that provably did not reach the server; the waits between
# (0.5 s doubling, ~15 s in all) outlast a short storm of 5xx answers (the soak run met one of four in a row).
SEND_ATTEMPTS = 6
BACKOFF_SECONDS = 0.5  # first wait after a 5xx or network error, doubled each time
# Seconds to wait for the Bot API to take and answer a request. Telegram sometimes needs several seconds for a
# sendMessage; giving up at PTB's 5 s default and sending again delivered the answer twice.
SEND_TIMEOUT = 30.0
# Transport failures that happened before the whole request was sent: the server cannot have acted on it.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)
MISFIRE_GRACE_SECONDS = 6 * 3600  # a daily job that fires late (busy loop, suspended VM) still runs
OVERALL_PER_SECOND = 25  # our ceiling, below Telegram's ~30 messages/s so a burst never meets a 429
GROUP_PER_MINUTE = 20  # Telegram's per-group limit
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

T = TypeVar("T")


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after in seconds (PTB 22 warns while it moves from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def run_core(slow: bool, call: Callable[..., T], *args) -> T:
    """Run a blocking core call: a slow one in a worker thread, keeping the event loop free for other chats."""
    return await asyncio.to_thread(call, *args) if slow else call(*args)


class Unconfirmed(Exception):
    """A send whose request reached the Bot API but got no answer: it may have been delivered, so it is not
    sent again (a user would see the answer twice)."""


def may_have_arrived(exc: NetworkError) -> bool:
    """Whether a failed request may have been acted on: it was sent whole and no answer came (read timeout,
    connection dropped while waiting). An error answer (5xx) or a failure before sending provably was not.
    A reset after the request was written (httpx.ReadError) counts as arrived: from the client it cannot be told
    apart from a server that acted and then died, even when, as with an overflowing listen queue, it never read it."""
    cause = exc.__cause__
    return isinstance(cause, Exception) and not isinstance(cause, (TelegramError, *NOT_SENT))


async def retrying(call: Callable[[], Awaitable[T]], idempotent: bool = True) -> T:
    """Run a Bot API call, waiting out 429s (retry_after) and retrying 5xx/network errors.

    A call that is not idempotent (a new message, document or poll) is retried only when it provably did not
    reach the server; otherwise Unconfirmed is raised."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == SEND_ATTEMPTS:
                raise
            wait = retry_seconds(exc)
            log.warning("Telegram asked to slow down; retrying in %.1fs", wait)
            await asyncio.sleep(wait)
        except BadRequest:
            raise
        except NetworkError as exc:
            if not idempotent and may_have_arrived(exc):
                raise Unconfirmed(str(exc)) from exc
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("Bot API call failed (%s); retry %d", exc, attempt)
            await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def parsable(update: object) -> object:
    """The update as received if PTB can read it; else only its id, so it is acknowledged and skipped.

    PTB reads a whole getUpdates batch at once: one update it cannot parse (a field an older Bot API server
    omits) failed the batch, the offset never moved, and the bot fetched the same batch forever."""
    try:
        Update.de_json(update, None)
        return update
    except Exception as exc:  # any parse failure: TypeError, KeyError, ValueError …
        update_id = update.get("update_id") if isinstance(update, dict) else None
        log.error("skipped update %s that cannot be read (%s: %s): %.500r",
                  update_id, type(exc).__name__, exc, update)
        return {"update_id": update_id} if isinstance(update_id, int) else None


class UpdatesRequest(HTTPXRequest):
    """The getUpdates connection: an unreadable update in a batch is acknowledged and skipped (see parsable)."""

    async def post(self, *args, **kwargs):
        result = await super().post(*args, **kwargs)
        if not isinstance(result, list):
            return result
        return [u for u in map(parsable, result) if u is not None]


def markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    def one(b: Button) -> InlineKeyboardButton:
        if b.url:
            return InlineKeyboardButton(b.label, url=b.url)
        if b.switch_inline is not None:
            return InlineKeyboardButton(b.label, switch_inline_query_current_chat=b.switch_inline)
        if b.copy:
            return InlineKeyboardButton(b.label, copy_text=CopyTextButton(b.copy))
        return InlineKeyboardButton(b.label, callback_data=b.data)

    return InlineKeyboardMarkup([[one(b) for b in row] for row in rows]) if rows else None


async def deliver(bot, chat_id: int, reply: Reply, reply_to: int | None = None, core: ChatCore | None = None) -> list[Message]:
    """Send a Reply as new messages: text (buttons under the last part), then documents, then a poll
    (with the buttons when there is no text). A sent poll with a key is reported to `core`.

    A group that became a supergroup is followed to its new id (and reported to `core` as chat_moved); a part
    that may have been delivered without confirmation is logged and not sent again."""
    sent: list[Message] = []

    async def send(what: str, call: Callable[[int], Awaitable[Message]]) -> Message | None:
        nonlocal chat_id
        try:
            try:
                return await retrying(lambda: call(chat_id), idempotent=False)
            except ChatMigrated as exc:
                log.info("chat %s moved to %s; sending there", chat_id, exc.new_chat_id)
                if core is not None:
                    core.emit("chat_moved", chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
                return await retrying(lambda: call(chat_id), idempotent=False)
        except Unconfirmed as exc:
            log.warning("%s to chat %s may not have been delivered (%s); not sent again", what, chat_id, exc)
            return None

    parts = html_messages(reply)
    keys = markup(keyboard(reply))
    for i, text in enumerate(parts):
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
        sent.append(await send("message", lambda chat: bot.send_message(
            chat, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
            reply_markup=keys if i == len(parts) - 1 else None, reply_parameters=quote)))
    for doc in reply.documents:
        sent.append(await send("document", lambda chat: bot.send_document(
            chat, InputFile(doc.data, filename=doc.filename), caption=doc.caption or None)))
    if reply.poll:
        p = reply.poll
        message = await send("poll", lambda chat: bot.send_poll(
            chat, p.question, list(p.options), is_anonymous=p.anonymous,
            type="quiz" if p.correct is not None else "regular",
            correct_option_ids=[p.correct] if p.correct is not None else None,
            explanation=p.explanation or None, reply_markup=None if parts else keys))
        if message is not None and message.poll is None:  # a reply without the poll (a proxy, an old API)
            log.warning("sendPoll to %s returned no poll; sending the quiz as text", chat_id)
            message = await send("quiz text", lambda chat: bot.send_message(
                chat, quiz_html(p), parse_mode=ParseMode.HTML, reply_markup=None if parts else keys))
        elif message is not None and core is not None and p.key:
            core.emit("poll_sent", p.key, message.poll.id)
        sent.append(message)
    return [m for m in sent if m is not None]


def chat_kind(chat_type: str) -> str:
    if chat_type == ChatType.PRIVATE:
        return "private"
    return "group" if chat_type in (ChatType.GROUP, ChatType.SUPERGROUP) else "channel"


def addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """In a group: the text meant for the bot (a command to it, a mention, a reply to it), else None."""
    text = message.text or ""
    name = username.lower()
    if text.startswith("/"):
        head = text.split(maxsplit=1)[0]
        target = head.partition("@")[2].lower()
        return text if not target or target == name else None
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if value.lower() == f"@{name}" or (entity.user and entity.user.id == bot_id):
            return text.replace(value, " ", 1)
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text
    return None


# APScheduler skips a run that starts over 1 s late ("missed by 0:00:02.9"), silently. Run it late instead
# (runs missed together coalesce into one); one later than the grace time is logged as missed.
LATE_OK = {"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True}


class TelegramScheduler:
    """core.scheduler on Telegram: jobs on PTB's JobQueue, sends as background tasks.
    Made on the event loop; callable from slow handlers' worker threads too."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        app.job_queue.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)

    def _missed(self, event: JobExecutionEvent) -> None:
        job = self.app.job_queue.scheduler.get_job(event.job_id)
        log.warning("scheduled job %s missed its run at %s (over %d s late); not sent",
                    job.name if job else event.job_id, event.scheduled_run_time, MISFIRE_GRACE_SECONDS)

    async def _run(self, context: CallbackContext) -> None:
        reply = await run_core(True, context.job.data)
        if reply is not None:
            await self._deliver(context.job.chat_id, reply)
            if reply.sent is not None:  # the feature records the delivery (replicas: exactly one sends)
                await run_core(True, reply.sent)

    async def _deliver(self, chat_id: int, reply: Reply) -> None:
        """Send out of band; a chat that is gone or moved is reported to the core instead of raising."""
        core: ChatCore = self.app.bot_data["core"]
        try:
            await deliver(self.app.bot, chat_id, reply, core=core)
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, BadRequest) and "chat not found" not in str(exc).lower():
                raise
            core.emit("chat_gone", chat_id, exc.message)

    def daily(self, name: str, at: dt.time, chat_id: int, make: Callable[[], Reply | None]) -> None:
        self.cancel(name)
        self.app.job_queue.run_daily(self._run, time=at, name=name, chat_id=chat_id, data=make, job_kwargs=LATE_OK)

    def once(self, name: str, delay: float, chat_id: int, make: Callable[[], Reply | None]) -> None:
        self.cancel(name)
        self.app.job_queue.run_once(self._run, when=delay, name=name, chat_id=chat_id, data=make, job_kwargs=LATE_OK)

    def cancel(self, name: str) -> bool:
        jobs = self.app.job_queue.get_jobs_by_name(name)
        for job in jobs:
            job.schedule_removal()
        return bool(jobs)

    def send(self, chat_id: int, reply: Reply) -> None:
        if threading.get_ident() == self._loop_thread:
            self.app.create_task(self._deliver(chat_id, reply), name=f"send-{chat_id}")
        else:  # a slow handler in a worker thread
            asyncio.run_coroutine_threadsafe(self._deliver(chat_id, reply), self.loop)


def core_of(context: ContextTypes.DEFAULT_TYPE) -> ChatCore:
    return context.application.bot_data["core"]


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat, user = update.message, update.effective_chat, update.effective_user
    kind = chat_kind(chat.type)
    if kind == "channel" or user is None:
        return
    # In private chat a sticker or photo gets the same hint as an empty question; groups need words to the bot.
    text = (message.text or "") if kind == "private" else addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return
    core = core_of(context)
    admin = kind == "group" and core.needs_chat_admin(text) and await is_chat_admin(context.bot, message, user.id)
    req = Request(chat.id, user.id, text, kind, user.full_name, chat_admin=admin, channel="telegram")
    reply = await run_core(core.is_slow(text), core.handle_message, req)
    if reply is not None:
        await deliver(context.bot, chat.id, reply, reply_to=message.message_id if kind == "group" else None, core=core)


async def is_chat_admin(bot, message: Message, user_id: int) -> bool:
    if message.sender_chat and message.sender_chat.id == message.chat.id:
        return True  # an anonymous group admin, posting as the group
    member = await retrying(lambda: bot.get_chat_member(message.chat.id, user_id))
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: Telegram says so in the old chat (migrate_to_chat_id)."""
    message = update.message
    if message.migrate_to_chat_id:
        core_of(context).emit("chat_moved", message.chat.id, message.migrate_to_chat_id)


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    if answer.user is None:  # a vote cast as a chat: there is no one to score
        return
    option = answer.option_ids[0] if answer.option_ids else None  # no options: the vote was retracted
    core_of(context).emit("poll_answer", answer.poll_id, answer.user.id, answer.user.full_name, option)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    message = query.message if isinstance(query.message, Message) else None
    chat_id = message.chat.id if message else query.from_user.id
    kind = chat_kind(message.chat.type) if message else "private"
    req = Request(chat_id, query.from_user.id, "", kind, query.from_user.full_name, channel="telegram")
    core = core_of(context)
    data = query.data or ""
    reply = await run_core(core.is_slow(data=data), core.handle_action, req, data)
    try:  # best effort: a query too old to answer must not keep the page from turning
        await retrying(lambda: query.answer(reply.notice[:200] or None))
    except TelegramError as exc:
        log.info("could not answer callback query %s (%s)", query.id, exc)
    if reply.empty:
        return
    if reply.edit and message:
        parts = html_messages(reply)
        try:
            await retrying(lambda: query.edit_message_text(
                parts[0], parse_mode=ParseMode.HTML, reply_markup=markup(keyboard(reply)), link_preview_options=NO_PREVIEW))
            return
        except (BadRequest, ChatMigrated) as exc:  # a moved group: deliver() below follows it
            if "not modified" in str(exc).lower():  # a double tap shows the same page again
                return
            log.info("could not edit message %s (%s); sending the page anew", message.message_id, exc)
    await deliver(context.bot, chat_id, reply, reply_to=message.message_id if message else None, core=core_of(context))


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    user = query.from_user
    req = Request(user.id, user.id, query.query, "private", user.full_name, channel="telegram")
    page = core_of(context).handle_inline(req, query.offset)
    results = [
        InlineQueryResultArticle(
            item.id, item.title, InputTextMessageContent(pasteable(item.quote), link_preview_options=NO_PREVIEW),
            description=item.description)
        for item in page.items
    ]
    button = InlineQueryResultsButton(text=page.help_text, start_parameter="help") if page.help_text else None
    await retrying(lambda: query.answer(results, cache_time=page.cache_seconds, is_personal=page.personal,
                                        next_offset=page.next_offset, button=button))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every failure with its traceback; tell the user in one short sentence when there is one."""
    if not isinstance(update, Update):
        if isinstance(context.error, NetworkError):  # getUpdates failed (5xx, timeout): PTB polls again
            log.warning("fetching updates failed (%s); polling again", context.error)
        else:
            log.error("error outside a handler: %s", context.error, exc_info=context.error)
        return
    log.error("handler failed on update %s", update.update_id, exc_info=context.error)
    try:  # retried like an answer: a 5xx on the apology left the user with no reply at all
        if update.callback_query:
            await retrying(lambda: update.callback_query.answer(APOLOGY))
        elif update.effective_message and update.effective_chat:
            await retrying(lambda: context.bot.send_message(update.effective_chat.id, APOLOGY), idempotent=False)
    except (TelegramError, Unconfirmed) as exc:
        log.warning("could not send the apology: %s", exc)


async def post_init(app: Application) -> None:
    core: ChatCore = app.bot_data["core"]
    commands = [BotCommand(c.name, c.description) for c in core.registry.commands.values() if c.menu]
    await retrying(lambda: app.bot.set_my_commands(commands))
    core.bot_username = app.bot.username or ""
    core.start(TelegramScheduler(app))
    log.info("bot @%s ready", app.bot.username)


def build_application(settings: Settings, core: ChatCore) -> Application:
    """A PTB Application wired to the core; pointed at settings.api_base_url (a fake server in tests)."""
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .concurrent_updates(settings.concurrency)
        .connection_pool_size(settings.concurrency + 4)  # the default single connection serialises replies
        .pool_timeout(10)
        .read_timeout(SEND_TIMEOUT)
        .write_timeout(SEND_TIMEOUT)
        .get_updates_request(UpdatesRequest())
        .post_init(post_init)
    )
    if settings.rate_limit:
        builder.rate_limiter(AIORateLimiter(overall_max_rate=OVERALL_PER_SECOND, group_max_rate=GROUP_PER_MINUTE,
                                            max_retries=SEND_ATTEMPTS))
    app = builder.build()
    app.bot_data["core"] = core
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & (filters.TEXT | filters.ChatType.PRIVATE), on_message))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(InlineQueryHandler(on_inline))
    app.add_handler(PollAnswerHandler(on_poll_answer))
    app.add_error_handler(on_error)
    return app


def webhook_secret(token: str) -> str:
    """Telegram echoes this header on every webhook call, so forged posts can be refused."""
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()[:32]


def serve(app: Application, settings: Settings, **options) -> None:
    """Run `app` until stopped: a webhook when WEBHOOK_URL is set, long polling otherwise.
    `options` go to PTB's run_polling/run_webhook (tests pass stop_signals=None)."""
    if not settings.webhook_url:
        app.run_polling(allowed_updates=Update.ALL_TYPES, **options)
        return
    if importlib.util.find_spec("tornado") is None:
        raise SettingsError("WEBHOOK_URL 需要 python-telegram-bot[webhooks]（tornado），请先安装")
    app.run_webhook(
        listen=settings.webhook_listen, port=settings.webhook_port, url_path=urlparse(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url, secret_token=webhook_secret(settings.telegram_token),
        allowed_updates=Update.ALL_TYPES, **options,
    )


def run(settings: Settings, core: ChatCore) -> None:
    """Serve the core on Telegram until interrupted."""
    serve(build_application(settings, core), settings)
