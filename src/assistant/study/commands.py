"""The study features in the chat: /digest /daily /quiz /score /saved and the ⭐ and 摘编 buttons.

Registered on the IM-independent core through its registry (see assistant.chat.core); knows nothing
about Telegram. What only the messenger knows (poll ids, votes, chats that blocked the bot or moved)
arrives as core events the adapter emits: poll_sent, poll_answer, chat_gone, chat_moved.
"""
from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from assistant.chat.core import ChatCore, Request, Scheduler, parse_number
from assistant.chat.citation import citation
from assistant.chat.reply import Button, Document, Poll, Quote, Reply, Text
from assistant.state import open_state
from assistant.study import daily, document
from assistant.study.daily import DailyError
from assistant.study.digest import Digest, TopicError, build_digest, pages, topic_terms
from assistant.study.quiz import QuizError, QuizMaker
from assistant.study.quotes import SHANGHAI, today
from assistant.study.quotes import Quote as StudyQuote
from assistant.study.state import SavedQuote, StateStore
from assistant.study.topics import answer_topic

log = logging.getLogger(__name__)
K, V = TypeVar("K"), TypeVar("V")

DIGEST_PAGE = 5  # quotes per chat page
CACHED_TOPICS = 32  # digests and quote pools kept per corpus (topics are the users' words: unbounded otherwise)
SAVED_PAGE = 8
TOPIC_HITS = 5  # the 摘编 topic must occur in the answer's best hits
GROUP_ADMIN_ONLY = "在群里只有群管理员可以设置或取消每日一句。"
LEASE_SECONDS = 120  # a replica sending a daily quote holds it this long; if it dies, another sends after
SYNC_SECONDS = 60  # replicas re-read the subscriptions this often (shared state store only)
EXPIRED = "这条消息已过期，请重新发送命令。"
GONE = "原文已更新，请重新检索后再收藏。"
NOT_YOURS = "这是别人的收藏列表，请自己发送 /saved 查看。"
SAVED_IN_PRIVATE = "收藏只给本人看，已私信发给你。没收到的话，请先私聊我发送 /start，再发送 /saved。"
DIGEST_USAGE = "用法：/digest 主题，例如 /digest 共同富裕。会按文件汇编相关原文，可下载 Word 或 Markdown 文件。"


def remember(cache: OrderedDict[K, V], key: K, value: V) -> V:
    """Keep `value` as the newest entry of `cache`, dropping the oldest beyond CACHED_TOPICS (thread-safe enough
    for slow handlers running at once: each step is one dict operation)."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > CACHED_TOPICS:
        cache.popitem(last=False)
    return value


def chat_quote(q: StudyQuote, buttons: tuple[Button, ...] = ()) -> Quote:
    """A study quote as the core's Quote block (its citation rendered like every other answer's)."""
    return Quote(q.text, q.passage_id, q.source_id, (), citation(q.source, q.section), buttons)


def placed_quote(q: StudyQuote, buttons: tuple[Button, ...] = ()) -> Quote:
    """A quote under its source's heading (摘编): the line under it says only where in the source it sits."""
    quote = chat_quote(q, buttons)
    return replace(quote, citation=replace(quote.citation, line=f"——{q.location}" if q.location else ""))


class StudyFeature:
    """Holds the state store and the per-corpus caches; one per running bot."""

    def __init__(
        self,
        core: ChatCore,
        store: StateStore,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.core = core
        self.store = store
        self.rng = rng or random.Random()
        self.now = now or (lambda: datetime.now(SHANGHAI))
        self._derived_from = None  # the searcher the caches below were computed from
        self._digests: OrderedDict[tuple[str, str], Digest] = OrderedDict()
        self._pools: OrderedDict[str, list[StudyQuote]] = OrderedDict()
        self._maker: QuizMaker | None = None
        self._scheduled: dict[int, str] = {}  # chat id -> "HH:MM" of the daily jobs scheduled here
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"  # this replica, for leases

    def setup(self) -> None:
        reg = self.core.registry
        # slow=True: a cold digest, quote pool or quiz pool takes up to a second; files take a while too
        reg.command("digest", "论述摘编：/digest 主题", self.digest, slow=True)
        reg.command("daily", "每日一句：/daily 08:30 [主题]，/daily off 取消", self.daily, chat_admin=True, slow=True)
        reg.command("quiz", "每日一题：/quiz [主题]", self.quiz, slow=True)
        reg.command("score", "本群答题成绩", self.score)
        reg.command("saved", "我的收藏", self.saved)
        reg.action("dg", self.digest_page, slow=True)
        reg.action("dgf", self.digest_file, slow=True)
        reg.action("save", self.save)
        reg.action("unsave", self.unsave)
        reg.action("svp", self.saved_page)
        reg.action("svf", self.saved_file, slow=True)
        reg.action("qz", self.quiz_quote)
        reg.quote_button(self.quote_save_button)
        reg.answer_button(self.digest_button)
        reg.on_start(self.reschedule)
        reg.on("poll_sent", self.poll_sent)
        reg.on("poll_answer", self.poll_answer)
        reg.on("chat_gone", self.chat_gone)
        reg.on("chat_moved", self.chat_moved)
        reg.on("corpus_changed", self._forget)

    # Per-corpus caches: a /reload swaps the searcher, and everything derived from it is dropped -------

    @property
    def searcher(self):
        return self.core.searcher

    def _forget(self) -> None:
        """Drop the caches of the corpus just replaced, so nothing here keeps it in memory."""
        self._derived_from = self._maker = None
        self._digests.clear()
        self._pools.clear()

    def _current(self) -> None:
        if self._derived_from is not self.searcher:
            self._forget()
            self._derived_from = self.searcher
            self._maker = QuizMaker(self.searcher)

    def _cached_digest(self, topic: str) -> Digest:
        self._current()
        key = (topic, today(self.now()))
        digest = self._digests.get(key)
        return remember(self._digests, key, build_digest(self.searcher, topic, now=self.now()) if digest is None else digest)

    def _pool(self, topic: str) -> list[StudyQuote]:
        self._current()
        pool = self._pools.get(topic)
        return remember(self._pools, topic, daily.pool(self.searcher, topic) if pool is None else pool)

    def _quiz_maker(self) -> QuizMaker:
        self._current()
        return self._maker

    def warm_up(self, scheduler: Scheduler | None = None) -> None:
        """Build at start-up what the first /digest and /quiz would otherwise build while a user waits
        (measured ~1 s: jieba's part-of-speech dictionary, the corpus-wide quiz pools); warm, either takes ~20 ms."""
        started = time.perf_counter()
        topic_terms("共同富裕")
        try:
            self._quiz_maker().make("", random.Random(0))
        except (TopicError, QuizError) as err:  # a corpus too small for quizzes: /quiz will say so
            log.info("quiz warm-up: %s", err)
        log.info("study caches warmed in %.2f s", time.perf_counter() - started)

    # 摘编 -----------------------------------------------------------------------------------------

    def digest(self, req: Request) -> Reply:
        if not req.text:
            return Reply([Text(DIGEST_USAGE)])
        return self._digest_reply(req.text, 0)

    def digest_button(self, session, hits, req: Request) -> Button | None:
        """A 摘编 button under a search answer, on a topic the user named (see answer_topic)."""
        topic = answer_topic(self.searcher, session.query, hits[:TOPIC_HITS])
        if topic is None:
            return None
        # "摘编" alone: the row holds 下一页 ② ③ too, and the compilation's title names its topic
        return Button("摘编", f"dg:{self.store.remember('digest', {'topic': topic})}")

    def digest_page(self, req: Request, arg: str) -> Reply:
        """"dg:TOKEN" (from a search answer) sends the first page; "dg:TOKEN:N" turns the page in place."""
        token, turn, raw = arg.partition(":")
        payload, page = self.store.recall("digest", token), parse_number(raw) if turn else 0
        if payload is None or page is None:
            return Reply(notice=EXPIRED)
        reply = self._digest_reply(payload["topic"], page)
        reply.edit = bool(turn)
        return reply

    def _digest_reply(self, topic: str, page: int) -> Reply:
        try:
            digest = self._cached_digest(topic)
        except TopicError as err:
            return Reply([Text(str(err))])
        paged = pages(digest, DIGEST_PAGE)
        page = min(page, len(paged) - 1)
        token = self.store.remember("digest", {"topic": digest.topic})
        head = (f"{digest.title}（{digest.date}）\n"
                f"{len(digest.groups)} 份文件，{len(digest.quotes)} 条；第 {page + 1}/{len(paged)} 页")
        blocks: list = [Text(head, bold=True)]
        for group, quotes in paged[page]:
            blocks.append(Text(document.source_heading(group.title, group.publication, group.date), bold=True))
            blocks += [placed_quote(q, (save_button(q.passage_id),)) for q in quotes]
        nav = []
        if page > 0:
            nav.append(Button("上一页", f"dg:{token}:{page - 1}"))
        if page + 1 < len(paged):
            nav.append(Button("下一页", f"dg:{token}:{page + 1}"))
        files = [Button("下载 Word", f"dgf:{token}:docx"), Button("下载 Markdown", f"dgf:{token}:md")]
        return Reply(blocks, [row for row in (nav, files) if row])

    def digest_file(self, req: Request, arg: str) -> Reply:
        token, _, fmt = arg.partition(":")
        payload = self.store.recall("digest", token)
        if payload is None or fmt not in ("docx", "md"):
            return Reply(notice=EXPIRED)
        try:
            digest = self._cached_digest(payload["topic"])
        except TopicError as err:
            return Reply([Text(str(err))])
        return self._document(document.from_digest(digest), fmt, f"{digest.title}，共 {len(digest.quotes)} 条")

    @staticmethod
    def _document(comp: document.Compilation, fmt: str, caption: str) -> Reply:
        doc = Document(f"{comp.basename}.{fmt}", document.render(comp, fmt), caption)
        return Reply(documents=[doc], notice="文件已发送")

    # 每日一句 ------------------------------------------------------------------------------------

    def daily(self, req: Request) -> Reply:
        try:
            ask = daily.parse_request(req.text)
        except (DailyError, TopicError) as err:
            return Reply([Text(str(err))])
        if ask.action == "show":
            return Reply([Text(self._describe(self.store.subscription(req.chat_id)))])
        if req.in_group and not req.chat_admin:
            return Reply([Text(GROUP_ADMIN_ONLY)])
        if ask.action == "off":
            existed = self.store.unsubscribe(req.chat_id)
            self.core.scheduler.cancel(self._job(req.chat_id))
            log.info("daily: chat %s unsubscribed by user %s", req.chat_id, req.user_id)
            return Reply([Text("已取消每日一句。" if existed else "本聊天没有订阅每日一句。")])
        if not self._pool(ask.topic):
            return Reply([Text(f"没有找到关于“{ask.topic}”的语句，请换一个主题。")])
        sub = self.store.subscribe(req.chat_id, ask.time, ask.topic, req.user_id)
        self._schedule(self.core.scheduler, sub.chat_id, sub.time)
        self._scheduled[sub.chat_id] = sub.time
        log.info("daily: chat %s subscribed at %s topic %r by user %s", sub.chat_id, sub.time, sub.topic, req.user_id)
        return Reply([Text("已订阅。" + self._describe(sub))])

    @staticmethod
    def _describe(sub) -> str:
        if sub is None:
            return "本聊天尚未订阅每日一句。" + daily.USAGE
        topic = f"，主题：{sub.topic}" if sub.topic else ""
        return f"每天 {sub.time}（北京时间）发送一句重要论述{topic}。发送 /daily off 取消。"

    @staticmethod
    def _job(chat_id: int) -> str:
        return f"daily:{chat_id}"

    def _schedule(self, scheduler: Scheduler, chat_id: int, hhmm: str) -> None:
        scheduler.daily(self._job(chat_id), daily.send_time(hhmm), chat_id, lambda: self.daily_quote(chat_id))

    def reschedule(self, scheduler: Scheduler) -> None:
        """At start-up: every stored subscription gets its job again. With a shared state store (replicas)
        this repeats every SYNC_SECONDS, so a /daily set on another replica is scheduled here too and a
        replica that dies leaves no subscription without a job."""
        subs = {sub.chat_id: sub.time for sub in self.store.subscriptions()}
        for chat_id, hhmm in subs.items():
            if self._scheduled.get(chat_id) != hhmm:
                self._schedule(scheduler, chat_id, hhmm)
        for chat_id in set(self._scheduled) - set(subs):
            scheduler.cancel(self._job(chat_id))
        if len(subs) != len(self._scheduled):
            log.info("daily: %d subscriptions scheduled", len(subs))
        self._scheduled = subs
        if self.store.db.shared:
            scheduler.once("daily-sync", SYNC_SECONDS, 0, lambda: self.reschedule(scheduler))

    def daily_quote(self, chat_id: int) -> Reply | None:
        """The job's message: the next unsent quote for the chat, recorded and logged.

        Every replica's job fires; a lease per chat and day in the state store lets one of them send.
        The lease is completed when the adapter reports the reply delivered (Reply.sent); the others check
        again when it would have run out, so a replica dying mid-send delays the quote, never loses it."""
        sub = self.store.subscription(chat_id)
        if sub is None:
            return None
        lease = f"daily:{chat_id}:{today(self.now())}"
        if not self.store.db.claim(lease, self.holder, LEASE_SECONDS):
            log.info("daily: chat %s is another replica's to send today", chat_id)
            if not self.store.db.lease_done(lease):
                self.core.scheduler.once(f"daily-retry:{chat_id}", LEASE_SECONDS + 5, chat_id,
                                         lambda: self.daily_quote(chat_id))
            return None
        quote = daily.next_quote(self.store, chat_id, self._pool(sub.topic), self.rng)
        if quote is None:
            self.store.log_send(chat_id, "daily", "empty", detail=f"no quotes for topic {sub.topic!r}")
            log.warning("daily: no quote for chat %s topic %r", chat_id, sub.topic)
            self.store.db.complete(lease, self.holder)
            return None
        daily.mark_sent(self.store, chat_id, quote)
        self.store.log_send(chat_id, "daily", "sent", text=quote.text)
        log.info("daily: chat %s gets %s", chat_id, quote.passage_id)
        title = Text(f"每日一句 · {today(self.now())}", bold=True)
        return Reply([title, chat_quote(quote, (save_button(quote.passage_id),))],
                     sent=lambda: self.store.db.complete(lease, self.holder))

    def chat_gone(self, chat_id: int, reason: str) -> None:
        """The chat blocked the bot, removed it or was deleted: stop sending, say why in the log."""
        if self.store.unsubscribe(chat_id):
            self.core.scheduler.cancel(self._job(chat_id))
            self.store.log_send(chat_id, "daily", "unsubscribed", detail=reason)
            log.warning("daily: chat %s unsubscribed: %s", chat_id, reason)

    def chat_moved(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription follows it."""
        sub = self.store.subscription(old_chat_id)
        self.store.move_chat(old_chat_id, new_chat_id)
        if sub is not None:
            self.core.scheduler.cancel(self._job(old_chat_id))
            self._schedule(self.core.scheduler, new_chat_id, sub.time)
            log.info("daily: chat %s moved to %s", old_chat_id, new_chat_id)

    # 每日一题 ------------------------------------------------------------------------------------

    def quiz(self, req: Request) -> Reply:
        try:
            quiz = self._quiz_maker().make(req.text, self.rng)
        except (TopicError, QuizError) as err:
            return Reply([Text(str(err))])
        record = self.store.add_quiz(req.chat_id, quiz.question, quiz.options, quiz.correct, quiz.quote)
        poll = Poll(quiz.question, quiz.options, quiz.correct, quiz.explanation, anonymous=False, key=record.id)
        return Reply(poll=poll, buttons=[[Button("查看原文和出处", f"qz:{record.id}")]])

    def poll_sent(self, key: str, poll_id: str) -> None:
        """The adapter sent a quiz poll: remember its messenger id so answers can be scored."""
        self.store.set_poll_id(key, poll_id)

    def poll_answer(self, poll_id: str, user_id: int, user_name: str, option: int | None) -> None:
        right = self.store.record_answer(poll_id, user_id, user_name, option)
        log.info("quiz: poll %s user %s option %s right=%s", poll_id, user_id, option, right)

    def quiz_quote(self, req: Request, quiz_id: str) -> Reply:
        record = self.store.quiz(quiz_id)
        if record is None:
            return Reply(notice=EXPIRED)
        return Reply([chat_quote(record.quote, (save_button(record.quote.passage_id),))])

    def score(self, req: Request) -> Reply:
        scores = self.store.scores(req.chat_id)
        if not req.in_group:
            scores = [s for s in scores if s.user_id == req.user_id]
        if not scores:
            return Reply([Text("还没有答题记录。发送 /quiz 出一道题。")])
        lines = ["答题成绩（答对/已答）："]
        lines += [f"{i}. {s.user_name or s.user_id}：{s.correct}/{s.answered}" for i, s in enumerate(scores, 1)]
        return Reply([Text("\n".join(lines))])

    # 收藏 -----------------------------------------------------------------------------------------

    @staticmethod
    def quote_save_button(quote: Quote, req: Request) -> Button | None:
        return save_button(quote.passage_id) if quote.passage_id else None

    def save(self, req: Request, passage_id: str) -> Reply:
        corpus = self.searcher.corpus
        passage = corpus.passage(passage_id)
        if passage is None:
            return Reply(notice=GONE)
        _, new = self.store.save_quote(req.user_id, StudyQuote.of(passage, corpus.source(passage.source_id)))
        return Reply(notice="已收藏，发送 /saved 查看。" if new else "已在收藏中。")

    def saved(self, req: Request) -> Reply:
        """The user's saved quotes; asked in a group, they go to the user's private chat, not to everyone."""
        if req.in_group:
            self.core.scheduler.send(req.user_id, self._saved_reply(req.user_id, 0))
            return Reply([Text(SAVED_IN_PRIVATE)])
        return self._saved_reply(req.user_id, 0)

    def saved_page(self, req: Request, arg: str) -> Reply:
        owner, _, raw = arg.partition(":")
        if owner != str(req.user_id):
            return Reply(notice=NOT_YOURS)
        offset = parse_number(raw)
        if offset is None:
            return Reply(notice=EXPIRED)
        reply = self._saved_reply(req.user_id, offset)
        reply.edit = True
        return reply

    def _saved_reply(self, user_id: int, offset: int) -> Reply:
        items = self.store.saved_quotes(user_id)
        if not items:
            return Reply([Text("还没有收藏。点结果下的 ⭐ 即可收藏一句。")])
        offset = min(offset, (len(items) - 1) // SAVED_PAGE * SAVED_PAGE)
        shown = items[offset : offset + SAVED_PAGE]
        blocks: list = [Text(f"我的收藏：共 {len(items)} 条（第 {offset + 1}–{offset + len(shown)} 条）", bold=True)]
        blocks += [chat_quote(s.quote, (Button("删除", f"unsave:{user_id}:{s.id}:{offset}"),)) for s in shown]
        nav = []
        if offset > 0:
            nav.append(Button("上一页", f"svp:{user_id}:{max(offset - SAVED_PAGE, 0)}"))
        if offset + SAVED_PAGE < len(items):
            nav.append(Button("下一页", f"svp:{user_id}:{offset + SAVED_PAGE}"))
        files = [Button("导出 Word", f"svf:{user_id}:docx"), Button("导出 Markdown", f"svf:{user_id}:md")]
        return Reply(blocks, [row for row in (nav, files) if row])

    def unsave(self, req: Request, arg: str) -> Reply:
        owner, raw_id, raw_offset = (arg.split(":") + ["", ""])[:3]
        if owner != str(req.user_id):
            return Reply(notice=NOT_YOURS)
        saved_id, offset = parse_number(raw_id), parse_number(raw_offset)
        if saved_id is None or offset is None:
            return Reply(notice=EXPIRED)
        removed = self.store.remove_saved(req.user_id, saved_id)
        reply = self._saved_reply(req.user_id, offset)
        reply.edit = True
        reply.notice = "已删除" if removed else "这条收藏已不存在"
        return reply

    def saved_file(self, req: Request, arg: str) -> Reply:
        owner, _, fmt = arg.partition(":")
        if owner != str(req.user_id):
            return Reply(notice=NOT_YOURS)
        items: list[SavedQuote] = self.store.saved_quotes(req.user_id)
        if not items or fmt not in ("docx", "md"):
            return Reply(notice="还没有收藏。")
        comp = document.from_quotes("我的收藏摘编", today(self.now()), [s.quote for s in items])
        return self._document(comp, fmt, f"我的收藏，共 {len(items)} 条")


def save_button(passage_id: str) -> Button:
    return Button("⭐", f"save:{passage_id}")


def setup(core: ChatCore, settings) -> StudyFeature:
    """Called by bot.py: keeps its data in the core's state store (else the one the settings name)."""
    feature = StudyFeature(core, StateStore(core.state or open_state(settings)))
    feature.setup()
    core.registry.on_start(feature.warm_up)  # before the bot takes updates
    return feature
