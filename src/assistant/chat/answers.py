"""The built-in feature: answering questions from the corpus (search, paging, context, sources).

Registered on a ChatCore through the same Registry as any other feature (see chat.core).
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace

from assistant.chat.core import EXPIRED, MAX_QUERY_CHARS, ChatCore, Request, Session, parse_number
from assistant.chat.citation import answer_line, spoken_section
from assistant.chat.citation import citation as cite_passage
from assistant.chat.reply import Button, Citation, Context, InlineItem, InlinePage, Quote, Reply, Text
from assistant.chat.render import shorten
from assistant.records import Passage, Source
from assistant.storage import DatabaseMissing

log = logging.getLogger(__name__)

PAGE = 3  # quotes per answer: readable on a phone
REFERENCE_PAGE = 12  # sentences per page when a numbered item is quoted in full
INLINE_PAGE = 50  # Telegram's maximum per inline answer
CONTEXT_AROUND = 3
CONTEXT_WIDE = 8
SUGGESTIONS = 5
SUGGESTION_CHARS = 12  # a longer suggestion (a whole document title) makes a poor button
SOURCES_PER_ROW = 2
EXCERPT_CHARS = 1500  # an excerpt quote is cut into paragraphs no longer than this

EXAMPLES = ("共同富裕示范区的主要目标是什么", "山海协作工程", "数字化改革")
FEATURED = ("共同富裕", "八八战略", "数字化改革", "营商环境", "山区26县")

INTRO = (
    "我是浙江政策原文引用助手：发送问题或关键词，我会从省委、省政府政策文件中找出原文语句，"
    "逐字引用并注明出处（文件简称、章节、日期）。点下面的例子试一试，或发送 /help 查看用法。"
)
HELP = """直接发送问题或关键词，我会返回政策文件中的原文语句，并注明出处。

查询写法：
• 多个关键词用空格分开：数字化改革 营商环境
• "精确短语"：用引号括起来，原文须逐字出现
• -排除词：减号开头的词不出现在结果中
• @文件简称：只在一份文件中查，如 @共同富裕实施方案 山区26县（/sources 查看全部文件）
• 引用条目：如 实施方案第31条，返回该条全文

每条结果下：上下文 = 前后原文，来源 = 完整标题、发布机关、日期和章节；上一页/下一页 翻看更多结果。
在群里：/s 关键词、@我 提问，或回复我的消息。
在任意聊天中：输入框里输入 @机器人用户名 关键词，选中一条即可插入原文和出处。"""
EMPTY_QUERY = "请发送想查找的问题或关键词，例如：共同富裕。发送 /help 查看用法。"
TOO_LONG = "问题较长，只按前 {n} 个字查找。"
NO_MORE = "没有更多结果了。"
NOT_OWNER = "只有提问者可以翻页，请自己提问一次。"
UNKNOWN_SOURCE = "没有简称为“{name}”的文件。发送 /sources 查看收录的文件，点选一份即可只在其中查找。"
_SCOPE = re.compile(r"(?:^|\s)@(\S+)")  # @文件简称, as the search reads it


def citation(source: Source, passage: Passage) -> Citation:
    return cite_passage(source, passage.section)


def display(query: str) -> str:
    """The query as quoted back in a header: short, its own quote marks dropped (no “"两个先行"”)."""
    return shorten(query.replace('"', "").replace("“", "").replace("”", ""), 30)


def bold_terms(terms: tuple[str, ...]) -> tuple[str, ...]:
    """The matched words worth bolding: single characters only when nothing longer matched
    (a lone 建 lit up in every 建设 is noise next to 共同富裕示范区)."""
    longer = tuple(t for t in terms if len(t) > 1)
    return longer or terms


class Answers:
    """Search answers and the commands around them; holds no state of its own beyond the core's."""

    def __init__(self, core: ChatCore) -> None:
        self.core = core

    @property
    def corpus(self):
        return self.core.searcher.corpus

    def setup(self) -> None:
        reg = self.core.registry
        reg.question = self.question
        reg.inline = self.inline
        reg.command("start", "简介和示例", self.start)
        reg.command("help", "查询写法", self.help)
        reg.command("s", "搜索：/s 关键词", self.search_command)
        reg.command("sources", "收录的文件（点选可限定搜索范围）", self.sources)
        reg.command("reload", "重新载入语料库（管理员）", self.reload, admin=True, menu=False, slow=True)  # ~2 s
        reg.action("pg", self.page)
        reg.action("ctx", self.context)
        reg.action("src", self.source)
        reg.action("ask", self.ask)
        reg.action("scope", self.scope)

    # Questions ------------------------------------------------------------------------------

    def question(self, req: Request) -> Reply:
        query = req.text.strip()
        if not query:
            return Reply([Text(EMPTY_QUERY)])
        notes = []
        if len(query) > MAX_QUERY_CHARS:
            query = query[: MAX_QUERY_CHARS]
            notes.append(Text(TOO_LONG.format(n=MAX_QUERY_CHARS)))
        scope = self.core.scopes.pop((req.chat_id, req.user_id), None)
        session = self.core.sessions.new(query, scope, req.user_id, req.chat_id)
        reply = self.answer(session, 0, req)
        reply.blocks[:0] = notes
        return reply

    def answer(self, session: Session, offset: int, req: Request) -> Reply:
        """One page of results for a session's query, starting at `offset`."""
        results = self.core.search(session.query, k=REFERENCE_PAGE, offset=offset, source_id=session.source_id)
        if not results.hits:
            return self.nothing_found(session) if offset == 0 else Reply(notice=NO_MORE)
        if results.kind == "choice":
            return self.choose_document(session, results.hits)
        reference = results.kind == "reference"
        hits = results.hits if reference else results.hits[:PAGE]
        blocks = self.excerpt(hits) if reference else [self.quote(h.passage, h.source, h.terms, req) for h in hits]
        rows = [[Button("来源", self.core.callback_data("src", hits[0].passage.id))]] if reference else []
        rows.append(self.nav(session, offset, len(hits), results.total, REFERENCE_PAGE if reference else PAGE))
        rows.append([b for make in self.core.registry.answer_buttons if (b := make(session, results.hits, req))])
        header = self.header(session, offset, len(hits), results.total, reference)
        return Reply([Text(header), *blocks], [r for r in rows if r])

    def choose_document(self, session: Session, hits) -> Reply:
        """「第31条」 without a document: one button per document that has it, asking again with its title."""
        query = display(session.query)
        buttons = [[Button(h.source.label, self.core.callback_data("ask", f"《{h.source.title}》{session.query}"))] for h in hits]
        return Reply([Text(f"有 {len(hits)} 份文件有“{query}”，请选择：")], buttons)

    def header(self, session: Session, offset: int, shown: int, total: int, reference: bool) -> str:
        query = display(session.query)
        if reference and offset == 0 and shown == total:
            text = f"“{query}”原文（共 {total} 句）"
        else:
            unit = "句" if reference else "条"
            text = f"“{query}”：第 {offset + 1}–{offset + shown} {unit}，共 {total} {unit}"
        scope = self.corpus.source(session.source_id) if session.source_id else None
        return text + (f"（限《{scope.label}》）" if scope else "")

    def nav(self, session: Session, offset: int, shown: int, total: int, step: int) -> list[Button]:
        row = []
        if offset > 0:
            row.append(Button("上一页", self.core.callback_data("pg", f"{session.id}:{max(offset - step, 0)}")))
        if offset + shown < total:
            row.append(Button("下一页", self.core.callback_data("pg", f"{session.id}:{offset + shown}")))
        return row

    def quote(self, passage: Passage, source: Source, terms: tuple[str, ...], req: Request) -> Quote:
        q = Quote(passage.text, passage.id, source.id, bold_terms(terms), citation(source, passage))
        own = [
            Button("上下文", self.core.callback_data("ctx", passage.id)),
            Button("来源", self.core.callback_data("src", passage.id)),
        ]
        own += [b for make in self.core.registry.quote_buttons if (b := make(q, req))]
        return replace(q, buttons=tuple(own))

    def excerpt(self, hits) -> list:
        """A numbered item quoted in full: its sentences joined by paragraph, cited once at the end."""
        groups: list[list] = []
        for h in hits:
            p = h.passage
            last = groups[-1] if groups else None
            if last and last[-1].passage.para == p.para and not p.is_heading and not last[-1].passage.is_heading \
                    and sum(len(x.passage.text) for x in last) + len(p.text) <= EXCERPT_CHARS:
                last.append(h)
            else:
                groups.append([h])
        blocks = [Quote("".join(x.passage.text for x in g), g[0].passage.id, g[0].source.id) for g in groups]
        first = hits[0]
        return [*blocks, Text(answer_line(first.source, first.passage.section))]

    def nothing_found(self, session: Session) -> Reply:
        scope = _SCOPE.search(session.query)
        resolve = getattr(self.core.searcher, "resolve_source", None)
        if scope and callable(resolve) and resolve(scope[1]) is None:
            return Reply([Text(UNKNOWN_SOURCE.format(name=shorten(scope[1], 20)))])
        suggest = getattr(self.core.searcher, "suggest", None)
        found = suggest(session.query) if callable(suggest) else []
        terms = [t for t in found if t and t != session.query and len(t) <= SUGGESTION_CHARS][:SUGGESTIONS]
        text = f"没有找到与“{display(session.query)}”相关的原文。"
        if session.source_id:
            text += "（本次只在一份文件中查找，可去掉范围再试。）"
        text += "\n可以试试更短的关键词，例如两到四个字的词，用空格分开。"
        if terms:
            text += "\n语料中出现过的相关词："
        buttons = [[Button(t, self.core.callback_data("ask", t)) for t in terms[i : i + 3]] for i in range(0, len(terms), 3)]
        return Reply([Text(text)], buttons)

    def search_command(self, req: Request) -> Reply:
        return self.question(req) if req.text else Reply([Text("用法：/s 关键词，例如 /s 共同富裕")])

    def ask(self, req: Request, query: str) -> Reply:
        return self.question(replace(req, text=query))

    def page(self, req: Request, arg: str) -> Reply:
        sid, _, raw = arg.partition(":")
        session, page = self.core.sessions.get(sid), parse_number(raw)
        if session is None or page is None:
            return Reply(notice=EXPIRED)
        if session.owner_id != req.user_id:
            return Reply(notice=NOT_OWNER)
        reply = self.answer(session, page, req)
        reply.edit = not reply.empty
        return reply

    # Context and sources ----------------------------------------------------------------------

    def context(self, req: Request, arg: str) -> Reply:
        pid, _, width = arg.partition(":")
        passage = self.corpus.passage(pid)
        if passage is None:
            return Reply(notice="原文已更新，请重新提问。")
        around = CONTEXT_WIDE if width else CONTEXT_AROUND
        lines = self.corpus.neighbours(passage, around, around)
        focus = next(i for i, p in enumerate(lines) if p.id == passage.id)
        source = self.corpus.source(passage.source_id)
        block = Context(tuple(p.text for p in lines), focus, citation(source, passage))
        buttons = [] if width else [[Button("更多上下文", self.core.callback_data("ctx", f"{pid}:w"))]]
        return Reply([block], buttons)

    def source(self, req: Request, pid: str) -> Reply:
        passage = self.corpus.passage(pid)
        source = self.corpus.source(passage.source_id) if passage else None
        if source is None:
            return Reply(notice="原文已更新，请重新提问。")
        rows = [("标题", f"《{source.title}》"), ("刊物", source.publication), ("作者", source.author),
                ("发布", source.issuer), ("日期", source.date), ("类型", source.kind),
                ("章节", passage.section_path), ("链接", source.url)]
        return Reply([Text("\n".join(f"{k}：{v}" for k, v in rows if v))])

    def sources(self, req: Request) -> Reply:
        counts = self.corpus.passage_counts()
        lines = ["收录的文件（括号内为语句数）。点选一份，下一次搜索只在其中查找："]
        choices = []
        for i, s in enumerate(self.corpus.sources(), 1):
            date = f"，{s.date}" if s.date else ""
            lines.append(f"{i}. 《{s.title}》（{s.label}{date}，{counts.get(s.id, 0)} 句）")
            choices.append(Button(f"{i}. {s.label}", self.core.callback_data("scope", s.id)))
        rows = [choices[i : i + SOURCES_PER_ROW] for i in range(0, len(choices), SOURCES_PER_ROW)]
        return Reply([Text("\n".join(lines))], rows)

    def scope(self, req: Request, source_id: str) -> Reply:
        source = self.corpus.source(source_id)
        if source is None:
            return Reply(notice="文件列表已更新，请重新发送 /sources。")
        self.core.scopes[(req.chat_id, req.user_id)] = source_id
        return Reply([Text(f"下一次搜索只在《{source.label}》中查找。请发送关键词。")], notice=f"已限定：{source.label}")

    # Commands ---------------------------------------------------------------------------------

    def start(self, req: Request) -> Reply:
        if req.text == "help":  # the deep link behind inline mode's 使用说明 button
            return self.help(req)
        examples = [[Button(q, self.core.callback_data("ask", q))] for q in EXAMPLES]
        return Reply([Text(INTRO)], [*examples, [Button("在其他聊天中搜索", switch_inline="共同富裕")]])

    def help(self, req: Request) -> Reply:
        menu = "\n".join(f"/{c.name} — {c.description}" for c in self.core.registry.commands.values() if c.menu)
        return Reply([Text(HELP), Text("命令：\n" + menu)])

    def reload(self, req: Request) -> Reply:
        try:
            self.core.reload()
        except DatabaseMissing as exc:  # the admin learns why and what to do; the old corpus keeps serving
            log.warning("/reload failed: %s", exc)
            return Reply([Text(f"未能重新载入，仍在使用原来的语料库。{exc}")])
        counts = self.core.searcher.corpus.passage_counts()
        return Reply([Text(f"已重新载入：{len(counts)} 份文件，{sum(counts.values())} 句。")])

    # Inline mode ------------------------------------------------------------------------------

    def inline(self, req: Request, offset: str) -> InlinePage:
        query = req.text[: MAX_QUERY_CHARS]
        if not query:
            items = []
            for term in FEATURED:
                items += [self.inline_item(h) for h in self.core.searcher.search(term, k=1).hits]
            return InlinePage(tuple({i.id: i for i in items}.values()), help_text="使用说明：输入关键词搜索原文")
        start = parse_number(offset) or 0
        results = self.core.searcher.search(query, k=INLINE_PAGE, offset=start)
        more = start + len(results.hits) < results.total and results.hits
        return InlinePage(tuple(self.inline_item(h) for h in results.hits), str(start + INLINE_PAGE) if more else "")

    @staticmethod
    def inline_item(hit) -> InlineItem:
        p, s = hit.passage, hit.source
        description = f"{s.label} {spoken_section(p.section)}".strip()
        quote = Quote(p.text, p.id, s.id, (), citation(s, p))
        return InlineItem(p.id, shorten(p.text, 40), shorten(description, 120), quote)
