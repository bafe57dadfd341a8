"""The built-in feature: answering questions from the corpus (search, paging, context, sources).

Registered on a ChatCore through the same Registry as any other feature (see chat.core).
"""
from __future__ import annotations

import logging
import re
import weakref
from dataclasses import replace

from assistant.chat.citation import (
    answer_line, article_title, cite, format_date, is_article, issue_label, pasteable, publication_name,
    quote_with_citation,
)
from assistant.chat.citation import citation as cite_passage
from assistant.chat.core import EXPIRED, MAX_QUERY_CHARS, ChatCore, Request, Session, parse_number
from assistant.chat.coverage import Examples, corpus_examples, coverage, example_questions
from assistant.chat.emphasis import bold_terms
from assistant.chat.render import elide, ordinal, shorten, units
from assistant.chat.small_talk import small_talk
from assistant.chat.reply import MAX_COPY_UNITS, Button, Citation, Context, InlineItem, InlinePage, Quote, Reply, Text
from assistant.records import Passage, Source, book_title
from assistant.search.page import merged, unrepeated
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
ARTICLES_PER_ROW = 6  # numbered buttons under the list of an issue's articles
CITED_CHARS = 60  # of a named provision's text shown under the sentence naming it
EXCERPT_CHARS = 1500  # an excerpt quote is cut into paragraphs no longer than this
INLINE_WORDS = 40  # characters of the quote an inline result shows under its title

# Written by people for the seed corpus; each is kept where the search still answers it, else replaced by one
# computed from the corpus (coverage.corpus_examples): an example a user copies must work.
SEED_EXAMPLES = Examples(
    keywords=("共同富裕", "八八战略", "数字化改革", "营商环境", "山区26县"), pair="数字化改革 营商环境",
    scoped="@共同富裕实施方案 山区26县", reference="实施方案第31条",
)

INTRO = (
    "我是浙江政策原文引用助手：发送问题或关键词，我会找出政策文件的原文语句，逐字引用并注明出处；"
    "点“复制”即得可直接粘贴进材料的原文和出处。"
)
NO_DIRECT_ANSWER = "资料库中没有直接回答这个问题（{coverage}）。以下是最接近的原文{untouched}："
UNTOUCHED = "，未涉及{asked}"  # what was asked that the nearest quotes do not concern: a place, a clause, an article
NO_SUCH_ITEM = "资料库中没有“{item}”。发送 /sources 查看收录的文件和简称。"  # an article asked of a document lacking it
CITED = "所引条款："
COPY_SENT = "原文较长，已单独发送，长按即可复制。"
HELP = """直接发送问题或关键词，我会返回政策文件中的原文语句，并注明出处。

查询写法：
• 多个关键词用空格分开{pair}
• "精确短语"：用引号括起来，原文须逐字出现
• -排除词：减号开头的词不出现在结果中
• @文件简称：只在一份文件中查{scoped}（/sources 查看全部文件）
• 引用条目：{reference}返回该条全文

每条结果下：上下文 = 前后原文，来源 = 完整标题、发布机关、日期和章节；上一页/下一页 翻看更多结果。
在群里：/s 关键词、@我 提问，或回复我的消息。
在任意聊天中：输入框里输入 {mention} 关键词，选中一条即可插入原文和出处。"""
EMPTY_QUERY = "请发送想查找的问题或关键词{example}。发送 /help 查看用法。"
GREETING = "您好！" + INTRO + "例如：{example}。发送 /help 查看用法。"
EVERYDAY = "这个我帮不上忙：我只查找政策文件的原文，逐字引用并注明出处。可以问文件里的内容，例如：{example}。"
THANKS = "不客气！有问题随时发送关键词或问题，我用原文回答。"
TOO_LONG = "问题较长，只按前 {n} 个字查找。"
NO_MORE = "没有更多结果了。"
NO_ACTION = "上一个回答下没有“{action}”这一项（有按钮时请点按钮）。想查别的，请发送问题或关键词，例如：{example}。"
NOT_OWNER = "只有提问者可以翻页，请自己提问一次。"
UNKNOWN_SOURCE = "没有简称为“{name}”的文件。发送 /sources 查看收录的文件，点选一份即可只在其中查找。"
_SCOPE = re.compile(r"(?:^|\s)@(\S+)")  # @文件简称, as the search reads it


def citation(source: Source, passage: Passage) -> Citation:
    """A quote's citation; a table's header row is not told its own column names (its section path ends with them)."""
    section = passage.section
    if passage.is_heading and section and "".join(section[-1].split()) == "".join(passage.text.split()):
        section = section[:-1]
    return cite_passage(source, section)


def display(query: str) -> str:
    """The query as quoted back in a header: short, its own quote marks dropped (no “"两个先行"”)."""
    return shorten(query.replace('"', "").replace("“", "").replace("”", ""), 30)


_examples: "weakref.WeakKeyDictionary[object, list[str]]" = weakref.WeakKeyDictionary()
_syntax: "weakref.WeakKeyDictionary[object, Examples]" = weakref.WeakKeyDictionary()


def examples(searcher) -> list[str]:
    """The /start examples for a searcher's corpus, worked out once (~1 s) per opened corpus."""
    if searcher not in _examples:
        _examples[searcher] = example_questions(searcher)
    return _examples[searcher]


def syntax_examples(searcher) -> Examples:
    """The query examples of /help, the inline showcase and /start's inline button for a searcher's corpus:
    the seed corpus's hand-written ones where the search answers them, else computed (coverage.corpus_examples),
    worked out once (~0.1 s) per opened corpus."""
    if searcher not in _syntax:
        _syntax[searcher] = corpus_examples(searcher, SEED_EXAMPLES)
    return _syntax[searcher]


def help_text(found: Examples, mention: str) -> str:
    """HELP with the corpus's examples; a form the corpus has no working example of is described without one."""
    return HELP.format(
        mention=mention, pair=f"：{found.pair}" if found.pair else "",
        scoped=f"，如 {found.scoped}" if found.scoped else "",
        reference=f"如 {found.reference}，" if found.reference else "文件简称加条目编号（如 第十条），",
    )


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
        reg.command("start", "简介和示例", self.start, slow=True)  # the first /start per corpus picks examples (~1 s)
        reg.command("help", "查询写法", self.help)
        reg.command("s", "搜索：/s 关键词", self.search_command)
        reg.command("sources", "收录的文件（点选可限定搜索范围）", self.sources)
        reg.command("reload", "重新载入语料库（管理员）", self.reload, admin=True, menu=False, slow=True)  # ~2 s
        reg.action("pg", self.page)
        reg.action("pick", self.pick)
        reg.action("cp", self.copy)
        reg.action("pub", self.publication)
        reg.action("ctx", self.context)
        reg.action("src", self.source)
        reg.action("ask", self.ask)
        reg.action("scope", self.scope)

    # Questions ------------------------------------------------------------------------------

    def question(self, req: Request) -> Reply:
        query = req.text.strip()
        if not query:
            keywords = syntax_examples(self.core.searcher).keywords
            return Reply([Text(EMPTY_QUERY.format(example=f"，例如：{keywords[0]}" if keywords else ""))])
        talk = small_talk(query)
        if talk is not None:  # 你好 / 谢谢 / 天气: what the bot does, not quotes matching the words
            keywords = syntax_examples(self.core.searcher).keywords
            example = keywords[0] if keywords else "共同富裕"
            said = {"greeting": GREETING, "everyday": EVERYDAY, "action": NO_ACTION}.get(talk, THANKS)
            return Reply([Text(said.format(example=example, action=display(query)))])
        notes = []
        if len(query) > MAX_QUERY_CHARS:
            query = query[: MAX_QUERY_CHARS]
            notes.append(Text(TOO_LONG.format(n=MAX_QUERY_CHARS)))
        scope = self.core.scopes.pop((req.chat_id, req.user_id), None)
        session = self.core.sessions.new(query, scope, req.user_id, req.chat_id)
        reply = self.answer(session, 0, req)
        reply.blocks[:0] = notes
        return reply

    def answer(self, session: Session, offset: int, req: Request, selected: int = 0) -> Reply:
        """One page of results for a session's query, starting at `offset`, fitting one phone screen: the
        `selected` quote open with its actions (上下文 · 来源 · ⭐ · 复制), the others folded, then one row
        for paging, switching the actions to another quote (② ③) and the features' buttons."""
        results = self.core.search(session.query, k=REFERENCE_PAGE, offset=offset, source_id=session.source_id)
        if not results.hits:
            return self.nothing_found(session, getattr(results, "missing", "")) if offset == 0 else Reply(notice=NO_MORE)
        if results.kind == "choice":
            return self.choose_document(session, results.hits)
        extras = [b for make in self.core.registry.answer_buttons if (b := make(session, results.hits, req))]
        # the one-line "no direct answer" lead, on the first page only
        untouched = "、".join(f"“{p}”" for p in getattr(results, "untouched", ()))
        if untouched and getattr(results, "held", ""):  # 未涉及“爱国主义教育法第五十条”（《爱国主义教育法》共四十条）
            untouched += f"（{book_title(results.hits[0].source.label)}{results.held}）"
        lead = ([Text(NO_DIRECT_ANSWER.format(coverage=coverage(self.corpus.sources()).brief(),
                                              untouched=UNTOUCHED.format(asked=untouched) if untouched else ""))]
                if offset == 0 and not getattr(results, "answered", True) else [])
        if results.kind == "reference":
            hits = results.hits
            # not answered: the item found is another document's (杭州… asked, 上海市… found), so name it
            found = f"{book_title(hits[0].source.label)}{hits[0].passage.section[-1] if hits[0].passage.section else ''}"
            header = Text(self.header(session, offset, len(hits), results, True, found if lead else None))
            row = [Button("来源", self.core.callback_data("src", hits[0].passage.id)),
                   *self.nav(session, offset, len(hits), results, REFERENCE_PAGE)]
            return Reply([*lead, header, *self.excerpt(hits)], [row, extras] if extras else [row])
        hits = results.hits[:PAGE]
        left, joined = merged(hits, list(range(len(hits))))
        kept = unrepeated(hits, left, joined)  # (page positions: the buttons' data)
        selected = selected if selected in kept else kept[0]
        terms = bold_terms(tuple(t for h in hits for t in h.terms), self.share_lookup())
        quotes = [replace(self.quote(hits[i].passage, hits[i].source, terms, req,
                                     *joined.get(i, (hits[i].lead, hits[i].list))),
                          number=n + 1, folded=i != selected) for n, i in enumerate(kept)]
        pick = [Button(ordinal(n + 1), self.core.callback_data("pick", f"{session.id}:{offset}:{i}"))
                for n, i in enumerate(kept) if i != selected]
        row = [*self.nav(session, offset, len(hits), results, PAGE), *pick, *extras]
        blocks = [*lead, Text(self.header(session, offset, len(hits), results, False)), *quotes]
        at = len(lead) + 2 + kept.index(selected)  # right under the open quote
        blocks[at:at] = self.named_provisions(hits[selected])
        return Reply(blocks, [row])

    @staticmethod
    def named_provisions(hit) -> list[Text]:
        """What the provisions a quoted sentence names say (违反本条例第二十二条第六项规定的… → 第二十二条第六项「（六）
        即时清除犬只排泄的粪便。」, Hit.cited), in a line under it: a penalty quoted alone does not say what it is for."""
        found = getattr(hit, "cited", ())
        return [Text(CITED + "；".join(f"{name}「{shorten(text, CITED_CHARS)}」" for name, text in found))] if found else []

    def choose_document(self, session: Session, hits) -> Reply:
        """「第31条」 without a document: one button per document that has it, asking again with its title."""
        query = display(session.query)
        buttons = [[Button(h.source.label, self.core.callback_data("ask", f"《{h.source.title}》{session.query}"))] for h in hits]
        return Reply([Text(f"有 {len(hits)} 份文件有“{query}”，请选择：")], buttons)

    def share_lookup(self):
        """share(term): the share of all sentences holding `term` as an indexed word (0 when unknown)."""
        index = getattr(self.core.searcher, "index", None)
        if index is None:
            return lambda term: 0.0
        words, size = index.fields["words"], max(index.size, 1)
        return lambda term: words.df(term) / size

    def header(self, session: Session, offset: int, shown: int, results, reference: bool,
               shown_as: str | None = None) -> str:
        query = shown_as or display(session.query)
        if reference and offset == 0 and shown == results.total:
            text = f"“{query}”原文（共 {results.total} 句）"
        else:
            unit = "句" if reference else "处"  # not 条: beside a regulation's 第N条 it reads as articles
            total = f"{results.total}+" if getattr(results, "capped", False) else results.total
            text = f"“{query}”：第 {offset + 1}–{offset + shown} {unit}，共 {total} {unit}"
        scope = self.corpus.source(session.source_id) if session.source_id else None
        return text + (f"（限{book_title(scope.label)}）" if scope else "")

    def nav(self, session: Session, offset: int, shown: int, results, step: int) -> list[Button]:
        row = []
        if offset > 0:
            row.append(Button("上一页", self.core.callback_data("pg", f"{session.id}:{max(offset - step, 0)}")))
        if more_after(offset, shown, results, step):
            row.append(Button("下一页", self.core.callback_data("pg", f"{session.id}:{offset + shown}")))
        return row

    def quote(self, passage: Passage, source: Source, terms: tuple[str, ...], req: Request, lead: str = "",
              listed: str = "") -> Quote:
        """A hit as a quote with its actions, a list item after its list's `lead`, a lead-in before the start of
        its list (Hit.lead, Hit.list); a long sentence shows its matched clauses (the whole sentence is one tap
        away in 上下文), and 复制 copies the quote with its standard 出处."""
        text = lead + passage.text + listed
        terms = tuple(t for t in terms if t in text)
        q = Quote(text, passage.id, source.id, terms, citation(source, passage))
        shown = elide(q.text, terms)
        q = replace(q, shown=shown if shown != q.text else "")
        own = [
            Button("上下文", self.core.callback_data("ctx", passage.id)),
            Button("来源", self.core.callback_data("src", passage.id)),
        ]
        own += [b for make in self.core.registry.quote_buttons if (b := make(q, req))]
        return replace(q, buttons=(*own, self.copy_button(q)))

    def copy_button(self, q: Quote) -> Button:
        """复制: the whole quote and its 出处 on the clipboard; past the clipboard button's limit the shown
        (elided) quote; past that too, a button that sends the text as a message to long-press."""
        for text in (pasteable(q), pasteable(q, q.shown) if q.shown else ""):
            if text and units(text) <= MAX_COPY_UNITS:
                return Button("复制", copy=text)
        return Button("复制", self.core.callback_data("cp", q.passage_id))

    def excerpt(self, hits) -> list:
        """A numbered item quoted in full: its sentences joined by paragraph, each article (section) cited where it
        ends — a chapter, or 第十条和第十二条, is several articles, and a citation of the first alone misnames the rest."""
        groups: list[list] = []
        for h in hits:
            p = h.passage
            last = groups[-1] if groups else None
            if last and last[-1].passage.para == p.para and not p.is_heading and not last[-1].passage.is_heading \
                    and sum(len(x.passage.text) for x in last) + len(p.text) <= EXCERPT_CHARS:
                last.append(h)
            else:
                groups.append([h])
        blocks: list = []
        for g, following in zip(groups, [*groups[1:], None]):
            blocks.append(Quote("".join(x.passage.text for x in g), g[0].passage.id, g[0].source.id))
            end = g[-1]
            if following is None or not end.passage.is_heading and (following[0].source.id, following[0].passage.section) \
                    != (end.source.id, end.passage.section):  # (a heading is cited with the text under it)
                blocks.append(Text(answer_line(end.source, end.passage.section)))
        return blocks

    def nothing_found(self, session: Session, missing: str = "") -> Reply:
        """Nothing to quote: a document or numbered item named that the corpus lacks is said so; otherwise shorter
        words are suggested, with words of the corpus close to the query."""
        scope = _SCOPE.search(session.query)
        resolve = getattr(self.core.searcher, "resolve_source", None)
        if scope and callable(resolve) and resolve(scope[1]) is None:
            return Reply([Text(UNKNOWN_SOURCE.format(name=shorten(scope[1], 20)))])
        if missing:  # 上海市养犬管理条例第90条: its words name a document, which has no such article
            return Reply([Text(NO_SUCH_ITEM.format(item=shorten(missing, 40)))])
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
        if req.text:
            return self.question(req)
        keywords = syntax_examples(self.core.searcher).keywords
        return Reply([Text("用法：/s 关键词" + (f"，例如 /s {keywords[0]}" if keywords else ""))])

    def ask(self, req: Request, query: str) -> Reply:
        return self.question(replace(req, text=query))

    def page(self, req: Request, arg: str) -> Reply:
        sid, _, raw = arg.partition(":")
        return self.again(req, sid, raw, "0")

    def pick(self, req: Request, arg: str) -> Reply:
        """② ③ under an answer: the same page with that quote open and the action row serving it."""
        sid, _, rest = arg.partition(":")
        offset, _, index = rest.partition(":")
        return self.again(req, sid, offset, index)

    def again(self, req: Request, sid: str, offset: str, selected: str) -> Reply:
        session, start, index = self.core.sessions.get(sid), parse_number(offset), parse_number(selected)
        if session is None or start is None or index is None:
            return Reply(notice=EXPIRED)
        if session.owner_id != req.user_id:
            return Reply(notice=NOT_OWNER)
        reply = self.answer(session, start, req, index)
        reply.edit = not reply.empty
        return reply

    def copy(self, req: Request, pid: str) -> Reply:
        """复制 for a quote too long for a clipboard button: the pasteable text alone in a message."""
        passage = self.corpus.passage(pid)
        source = self.corpus.source(passage.source_id) if passage else None
        if source is None:
            return Reply(notice="原文已更新，请重新提问。")
        return Reply([Text(quote_with_citation(passage.text, source))], notice=COPY_SENT)

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
        """The 来源 card: everything known about where a quote is from, the full heading path included."""
        passage = self.corpus.passage(pid)
        source = self.corpus.source(passage.source_id) if passage else None
        if source is None:
            return Reply(notice="原文已更新，请重新提问。")
        if is_article(source):
            rows = [("文章", book_title(article_title(source)) if article_title(source) else source.short),
                    ("刊物", f"《{publication_name(source)}》{issue_label(source)}"), ("作者", source.author),
                    ("类型", f"《{publication_name(source)}》文章" + (f"（{source.kind}）" if source.kind else ""))]
        else:
            rows = [("标题", book_title(source.title)), ("发布", source.issuer), ("类型", source.kind)]
        rows += [("日期", format_date(source.date)), *((k, format_date(v)) for k, v in source.dated_events()),
                 ("章节", passage.section_path), ("链接", source.url), ("出处", cite(source))]
        return Reply([Text("\n".join(f"{k}：{v}" for k, v in rows if v))])

    def sources(self, req: Request) -> Reply:
        """One screen: each document by 简称, kind and date; a periodical issue as one entry opening its articles."""
        lines = ["收录的资料。点选一份，下一次搜索只在其中查找："]
        choices = []
        known = coverage(self.corpus.sources())
        for i, s in enumerate(known.documents, 1):
            facts = "，".join(f for f in (s.kind, format_date(s.date)) if f)
            lines.append(f"{i}. {book_title(s.label)}" + (f"（{facts}）" if facts else ""))
            choices.append(Button(f"{i}. {s.label}", self.core.callback_data("scope", s.id)))
        for name, n in known.issues:
            lines.append(f"{len(choices) + 1}. {name}：{n}篇文章")
            publication = next(s.publication for s in known.articles if f"《{publication_name(s)}》{issue_label(s)}" == name)
            choices.append(Button(f"{len(choices) + 1}. {name}（{n}篇）", self.core.callback_data("pub", publication)))
        rows = [choices[i : i + SOURCES_PER_ROW] for i in range(0, len(choices), SOURCES_PER_ROW)]
        return Reply([Text("\n".join(lines))], rows)

    def publication(self, req: Request, publication: str) -> Reply:
        """An issue's articles, numbered; a number scopes the next search to that article."""
        articles = [s for s in self.corpus.sources() if s.publication == publication]
        if not articles:
            return Reply(notice="文件列表已更新，请重新发送 /sources。")
        name = f"《{publication_name(articles[0])}》{issue_label(articles[0])}"
        lines = [f"{name}的文章。点编号，下一次搜索只在该文章中查找："]
        lines += [f"{i}. {article_title(s) or s.short}" for i, s in enumerate(articles, 1)]
        choices = [Button(str(i), self.core.callback_data("scope", s.id)) for i, s in enumerate(articles, 1)]
        rows = [choices[i : i + ARTICLES_PER_ROW] for i in range(0, len(choices), ARTICLES_PER_ROW)]
        return Reply([Text("\n".join(lines))], rows)

    def scope(self, req: Request, source_id: str) -> Reply:
        source = self.corpus.source(source_id)
        if source is None:
            return Reply(notice="文件列表已更新，请重新发送 /sources。")
        self.core.scopes[(req.chat_id, req.user_id)] = source_id
        return Reply([Text(f"下一次搜索只在{book_title(source.label)}中查找。请发送关键词。")], notice=f"已限定：{source.label}")

    # Commands ---------------------------------------------------------------------------------

    def start(self, req: Request) -> Reply:
        """What the bot holds (computed from the corpus) and three questions that get a good first answer."""
        if req.text == "help":  # the deep link behind inline mode's 使用说明 button
            return self.help(req)
        known = coverage(self.corpus.sources()).detail()
        asks = [[Button(q, self.core.callback_data("ask", q))] for q in examples(self.core.searcher)]
        # A corpus of regulations has no numbered item headings to make examples of: then none is promised.
        invite = "点下面的例子试一试" if asks else "发送一个问题或关键词试一试"
        text = f"{INTRO}\n\n{known}\n\n{invite}，或发送 /help 查看用法。"
        keywords = syntax_examples(self.core.searcher).keywords
        return Reply([Text(text)], [*asks, [Button("在其他聊天中搜索", switch_inline=keywords[0] if keywords else "")]])

    def help(self, req: Request) -> Reply:
        menu = "\n".join(f"/{c.name} — {c.description}" for c in self.core.registry.commands.values() if c.menu)
        mention = f"@{self.core.bot_username}" if self.core.bot_username else "@机器人用户名"
        return Reply([Text(help_text(syntax_examples(self.core.searcher), mention)), Text("命令：\n" + menu)])

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
            for term in syntax_examples(self.core.searcher).keywords:
                items += [self.inline_item(h) for h in self.core.searcher.search(term, k=1).hits]
            return InlinePage(tuple({i.id: i for i in items}.values()), help_text="使用说明：输入关键词搜索原文")
        start = parse_number(offset) or 0
        results = self.core.searcher.search(query, k=INLINE_PAGE, offset=start)
        more = bool(results.hits) and more_after(start, len(results.hits), results, INLINE_PAGE)
        return InlinePage(tuple(self.inline_item(h) for h in results.hits), str(start + INLINE_PAGE) if more else "")

    def inline_item(self, hit) -> InlineItem:
        """Titled by the document's or article's real title, described by the quote's first words; choosing
        it inserts the quote with its standard 出处 (citation.pasteable)."""
        p, s = hit.passage, hit.source
        title = s.title
        if is_article(s):
            title = article_title(s) or f"《{publication_name(s)}》{issue_label(s)}{s.short}"
        quote = Quote(hit.lead + p.text + hit.list, p.id, s.id, (), citation(s, p))
        return InlineItem(p.id, title, shorten(p.text, INLINE_WORDS), quote)


def more_after(offset: int, shown: int, results, step: int) -> bool:
    """Whether a page follows this one: the total says so, or it stopped counting (engine.TOTAL_CAP: that many
    or more) and this page is full."""
    if getattr(results, "capped", False):
        return shown == step or offset + shown < results.total
    return offset + shown < results.total
