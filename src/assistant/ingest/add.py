"""`add` and `remove`: put a document into the corpus (or take it out) and rebuild the database.

`add` reads what the document states about itself (metadata.py), lets flags override it, copies the file
into the corpus folder under a free name, appends its manifest entry and re-ingests the folder. Every file
is checked before anything is written (readable, supported, not empty, not a duplicate); if the rebuild
fails all the same, the folder is put back as it was and the database, written atomically, is untouched.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest import formats, legal, metadata
from assistant.ingest.manifest import MANIFEST_NAME, Entry, ManifestError, append_entry, load_manifest, remove_entry
from assistant.ingest.pipeline import Progress, build, check_keeps, write
from assistant.records import Passage, Source, book_title

OVERRIDES = ("title", "short", "issuer", "date", "kind")
_DATE_FLAG = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_SLUG = re.compile(r"[^a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
NATIONAL_PREFIX = "中华人民共和国"  # dropped in the 简称, as laws are cited: 《著作权法》
# A province's rule implementing a law: 浙江省实施《中华人民共和国土地管理法》办法
_IMPLEMENTING = re.compile(rf"^(.*?)实施《(?:{NATIONAL_PREFIX})?(.+?)》(办法|细则|条例|规定)$")
SHORT_PASSAGE = 4  # body passages shorter than this many characters are reported
LONG_PASSAGE = 160


class AddError(ValueError):
    """A file that cannot be added; nothing was changed."""


@dataclass
class Report:
    """What `add` understood about one file, for the user to check."""

    source: Source
    file: str
    passages: int = 0
    outline: list[tuple[str, int]] = field(default_factory=list)  # (chapter label, articles in it)
    articles: int = 0
    warnings: list[str] = field(default_factory=list)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _source_id(path: Path, title: str, taken: set[str]) -> str:
    """A stable id: the file name when it is a readable ASCII slug, else one derived from the title."""
    slug = _SLUG.sub("-", path.stem.lower()).strip("-")
    base = slug if len(slug) >= 3 else "doc-" + hashlib.blake2b(title.encode(), digest_size=4).hexdigest()
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}-{n}", n + 1
    return sid


def derived_short(title: str) -> str:
    """The 简称 a title is cited by when the document states none: a national law without 中华人民共和国
    (《著作权法》); a rule implementing a law as the law's 实施办法 (浙江省实施《中华人民共和国土地管理法》办法 →
    浙江省土地管理法实施办法: a title in a title is long on a phone and rarely said so)."""
    if title.startswith(NATIONAL_PREFIX):
        return title[len(NATIONAL_PREFIX):]
    implementing = _IMPLEMENTING.match(title)
    return "{}{}实施{}".format(*implementing.groups()) if implementing else ""


def _free_name(corpus_dir: Path, name: str) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    candidate, n = f"{stem}{suffix}", 2
    while (corpus_dir / candidate).exists():
        candidate, n = f"{stem}-{n}{suffix}", n + 1
    return candidate


def plan_entry(path: Path, corpus_dir: Path, entries: list[Entry], overrides: dict[str, str], taken: set[str]) -> Entry:
    """The manifest entry for a file: its facts as read, flags over them; AddError when it cannot be added."""
    try:
        elements = formats.read(path)
    except formats.FormatError as exc:
        raise AddError(str(exc)) from exc
    if not any(_CJK.search(e.text) for e in elements):
        raise AddError(f"文件中没有中文文字：{path}")
    facts = metadata.read_facts(elements)
    data = path.read_bytes()
    for e in entries:
        existing = corpus_dir / e.file
        if existing.resolve() != path.resolve() and existing.is_file() and _digest(existing.read_bytes()) == _digest(data):
            raise AddError(f"文件 {path.name} 与语料中已有的 {e.file}（{e.id}）内容相同，未添加")
        same_title = facts.title and e.title == (overrides.get("title") or facts.title)
        if same_title and (e.date, e.passed, e.revised) == (facts.date, facts.passed, facts.revised):
            raise AddError(f"语料中已有同名同日期的文件：{book_title(e.title)}（{e.id}），未添加")
    title = overrides.get("title") or facts.title or path.stem
    short = overrides.get("short") or facts.short or derived_short(title)
    in_corpus = path.resolve().parent == corpus_dir.resolve()
    entry = Entry(
        file=path.name if in_corpus else _free_name(corpus_dir, path.name), id=_source_id(path, title, taken),
        title=title, short=short, issuer=overrides.get("issuer") or facts.issuer,
        date=overrides.get("date") or facts.date, kind=overrides.get("kind") or facts.kind, passed=facts.passed,
        approved=facts.approved, promulgated=facts.promulgated, effective=facts.effective, revised=facts.revised,
        history="\n".join(facts.history),
    )
    taken.add(entry.id)
    return entry


def corpus_entries(corpus_dir: Path, db_path: Path, new: bool) -> list[Entry]:
    """The corpus's manifest entries, or none for a new corpus (`new`: its folder is created). A new corpus
    never takes over an existing database or corpus folder: a mistyped --corpus must not replace what the bot
    serves."""
    manifest = corpus_dir / MANIFEST_NAME
    if not new:
        try:
            return load_manifest(corpus_dir)
        except ManifestError as exc:
            if manifest.exists():
                raise
            raise AddError(f"{exc}。如要新建语料库，请加 --new，并用 --db 指定新的数据库文件") from exc
    if manifest.exists():
        raise AddError(f"{corpus_dir} 已是语料目录（有 {MANIFEST_NAME}），去掉 --new 即可加入其中")
    if Path(db_path).exists():
        raise AddError(f"数据库 {db_path} 已存在；新语料库请用 --db 指定一个新的数据库文件")
    corpus_dir.mkdir(parents=True, exist_ok=True)
    return []


def add(
    files: list[Path], corpus_dir: Path, db_path: Path, overrides: dict[str, str] | None = None,
    progress: Progress = lambda _msg: None, new: bool = False, embed: bool = False,
) -> list[Report]:
    """Add `files` to the corpus (a new one when `new`) and rebuild the database; one Report per file. With
    `embed` a corpus never embedded gets its sentence vectors (vectors.carry_over)."""
    overrides = {k: v.strip() for k, v in (overrides or {}).items() if v and v.strip()}
    corpus_dir = Path(corpus_dir)
    if len(files) > 1 and ({"title", "short"} & set(overrides)):
        raise AddError("--title 和 --short 只能用于单个文件")
    if overrides.get("date") and not _DATE_FLAG.match(overrides["date"]):
        raise AddError(f"--date 应为 YYYY、YYYY-MM 或 YYYY-MM-DD：{overrides['date']}")
    entries = corpus_entries(corpus_dir, db_path, new)
    taken = {e.id for e in entries} | {f"{e.id}-{a.key}" for e in entries for a in e.articles}
    listed = {e.file for e in entries}
    seen: dict[str, Path] = {}
    planned: list[tuple[Path, Entry]] = []
    for path in map(Path, files):
        if path.resolve().parent == corpus_dir.resolve() and path.name in listed:
            raise AddError(f"{path.name} 已在清单中，无需再次添加")
        key = _digest(path.read_bytes()) if path.is_file() else str(path)
        if key in seen:
            raise AddError(f"{path} 与 {seen[key]} 内容相同，只需添加一次")
        seen[key] = path
        progress(f"读取 {path.name} …")  # a long PDF takes seconds
        planned.append((path, plan_entry(path, corpus_dir, entries, overrides, taken)))
    manifest = corpus_dir / MANIFEST_NAME
    before = manifest.read_bytes() if manifest.exists() else None
    copied: list[Path] = []
    try:
        for path, entry in planned:
            target = corpus_dir / entry.file
            if not target.exists():
                shutil.copyfile(path, target)
                copied.append(target)
            append_entry(corpus_dir, entry, comment=f"added from {path.name}")
        sources, passages, _summary = build(corpus_dir, progress)
        check_keeps(db_path, corpus_dir, sources)
        write(corpus_dir, db_path, sources, passages, progress, embed)
    except BaseException:
        if before is None:
            manifest.unlink(missing_ok=True)
        else:
            manifest.write_bytes(before)
        for target in copied:
            target.unlink(missing_ok=True)
        raise
    return [report(entry.file, sources, passages, entry.id) for _path, entry in planned]


def remove(source_id: str, corpus_dir: Path, db_path: Path, progress: Progress = lambda _msg: None) -> Entry:
    """Take a source out of the manifest, delete its corpus file and rebuild the database."""
    corpus_dir = Path(corpus_dir)
    manifest = corpus_dir / MANIFEST_NAME
    before = manifest.read_bytes()
    entry = remove_entry(corpus_dir, source_id)
    try:
        sources, passages, _summary = build(corpus_dir, progress)
        check_keeps(db_path, corpus_dir, sources, removed=entry.file)
        write(corpus_dir, db_path, sources, passages, progress)
    except BaseException:
        manifest.write_bytes(before)
        raise
    (corpus_dir / entry.file).unlink(missing_ok=True)
    return entry


def report(file: str, sources: list[Source], passages: list[Passage], source_id: str) -> Report:
    """The outline and anything suspicious about one source's passages."""
    source = next(s for s in sources if s.id == source_id)
    own = [p for p in passages if p.source_id == source_id]
    out = Report(source=source, file=file, passages=len(own))
    numbers: list[int] = []
    last: tuple[str, ...] = ()
    for p in own:
        a = legal.article(p.section[-1]) if p.section else None
        if a is None or p.section == last:
            continue
        last = p.section
        numbers.append(a[0])
        chapter = next((s for s in p.section[:-1] if legal.division(s.replace(" ", ""))), "")
        if not out.outline or out.outline[-1][0] != chapter:
            out.outline.append((chapter, 0))
        out.outline[-1] = (chapter, out.outline[-1][1] + 1)
    out.articles = len(numbers)
    gaps = [f"第{a}条之后是第{b}条" for a, b in zip(numbers, numbers[1:]) if b != a + 1]
    if numbers and numbers[0] != 1:
        gaps.insert(0, f"第一个条文是第{numbers[0]}条")
    body = [p for p in own if not p.is_heading]
    short = [p.text for p in body if len(p.text) < SHORT_PASSAGE]
    long = [p.text for p in body if len(p.text) > LONG_PASSAGE]
    repeated = [t for t, n in Counter(p.text for p in body).items() if n > 1 and len(t) >= SHORT_PASSAGE]
    if not own:
        out.warnings.append("没有得到任何语句")
    if body and not any(_CJK.search(p.text) for p in body):
        out.warnings.append("语句中没有中文")
    if gaps:
        out.warnings.append("条文编号不连续：" + "；".join(gaps[:5]))
    for label, items in (("很短的语句", short), ("很长的语句", long), ("重复的语句", repeated)):
        if items:
            out.warnings.append(f"{label} {len(items)} 条，如：「{items[0][:40]}」")
    if not source.date:
        out.warnings.append("文件中未读到日期，可用 --date 指定")
    return out
