"""Word 97-2003 (.doc) files read as the .docx they were saved from (tests/data/doc, made by LibreOffice from
python-docx files: make_doc.py), through `add` into a database and search; files named .doc that are
something else read as what they are, or refused with a message."""
from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import olefile
import pytest
from regulation_support import REGULATIONS, body, passages, seed_corpus

from assistant.chat.citation import answer_line
from assistant.ingest import formats
from assistant.ingest.add import add
from assistant.ingest.formats import TABLE_HEAD, TABLE_ROW, doc, docx
from assistant.ingest.pipeline import build
from assistant.records import HEADNOTE
from assistant.search.engine import Searcher
from assistant.storage import Corpus

DATA = Path(__file__).parent / "data" / "doc"
LAW_DOCX = REGULATIONS / "patriotic-education-law.docx"
def _stored(root: Path, path: Path):
    """`add` one file into a corpus of its own under `root`: (report, passages stored, database)."""
    db = root / "a.db"
    (report,) = add([path], seed_corpus(root), db)
    return report, Corpus(db).passages(report.source.id), db


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=120)


def _patched(src: Path, dst: Path, offset: int, value: bytes) -> Path:
    """A copy of a .doc with bytes of its FIB (the WordDocument stream) replaced."""
    shutil.copyfile(src, dst)
    with olefile.OleFileIO(str(dst), write_mode=True) as ole:
        word = bytearray(ole.openstream("WordDocument").read())
        word[offset:offset + len(value)] = value
        ole.write_stream("WordDocument", bytes(word))
    return dst


@pytest.mark.parametrize("name, docx_path", [
    ("regulation.doc", DATA / "regulation.docx"), ("fields.doc", DATA / "fields.docx"), ("tables.doc", DATA / "tables.docx"),
    ("patriotic-education-law.doc", LAW_DOCX),
    ("numbered.doc", DATA / "numbered.docx"),  # Word's automatic numbering: 第X条, （X）, 1., ①
])
def test_a_doc_reads_as_the_docx_it_was_saved_from(name: str, docx_path: Path):
    """The same elements: headings by style (Title, Heading 1), paragraphs, table rows, field results."""
    assert doc.read(DATA / name) == docx.read(docx_path)


def test_a_regulation_doc_is_added_titled_dated_and_cited_like_its_docx(tmp_path: Path):
    report, ps, db = _stored(tmp_path / "doc", DATA / "regulation.doc")
    s = report.source
    assert (s.title, s.kind, s.issuer, s.passed, s.effective) == (
        "某县社区居家养老服务办法", "办法", "某县人民政府", "2023-04-10", "2023-06-01")
    assert report.articles == 6 and report.file == "regulation.doc"
    assert [c for c, _ in report.outline] == ["第一章 总则", "第二章 服务补贴", "第三章 附则"]
    assert [p.section for p in ps if "会议通过" in p.text] == [(HEADNOTE,)]  # the header date line, quoted apart
    item = next(p for p in ps if p.text.startswith("（二）"))
    assert item.section == ("第一章 总则", "第三条") and item.text == "（二）指导乡镇人民政府开展助餐、助浴、助洁服务；"
    # the strongest check: the very passages of the same document added as .docx
    _report, docx_ps, _db = _stored(tmp_path / "docx", DATA / "regulation.docx")
    assert [(p.section, p.text, p.is_heading) for p in ps] == [(p.section, p.text, p.is_heading) for p in docx_ps]
    # a table row: a passage under its article and the table's header row, found by search and cited
    hit = Searcher.open(db).search("重度失能每月补贴多少").hits[0].passage
    assert hit.text == "重度失能|六百元|直接结算"
    assert hit.section == ("第二章 服务补贴", "第四条", "失能等级 | 每月补贴 | 发放方式")
    assert answer_line(s, hit.section).startswith("——《某县社区居家养老服务办法》第四条")
    hit = Searcher.open(db).search("骗取服务补贴怎么处理").hits[0].passage
    assert (hit.section, hit.text) == (("第二章 服务补贴", "第五条"), "任何单位和个人不得骗取、挪用服务补贴。")


def test_automatic_numbering_is_rebuilt_and_articles_are_cited_by_it(tmp_path: Path):
    """第X条 and （X） typed as Word's list numbering (the text holds no number): rebuilt from the list tables,
    so articles are found and cited as in the .docx the file was saved from."""
    texts = [e.text for e in doc.read(DATA / "numbered.doc")]
    assert texts[3:7] == ["第一条 为了加强河道保洁管理，改善水环境，根据有关法律、法规，结合本县实际，制定本办法。",
                          "第二条 本办法适用于本县行政区域内河道的保洁及其监督管理。", "第三条 县水利部门履行下列职责：",
                          "（一）编制河道保洁规划；"]
    assert "第四条 河道保洁实行分段负责，责任单位应当做到：" in texts  # articles run on through the chapters
    assert texts[texts.index("第四条 河道保洁实行分段负责，责任单位应当做到：") + 1] == "（一）水面无漂浮垃圾；"  # items restart
    assert ["1.穿戴救生衣。", "2.雨天暂停水上作业。", "3.汛期作业前报告乡镇人民政府：", "① 作业河段；", "② 作业人数。"] == [
        t for t in texts[2:] if t[:1] in "123①②"]  # a second list: decimal, and a circled level under it
    report, ps, db = _stored(tmp_path / "doc", DATA / "numbered.doc")
    assert report.source.title == "某县河道保洁管理办法" and report.articles == 6
    assert [p.section for p in ps if p.text == "（二）岸坡无堆放杂物。"] == [("第二章 保洁责任", "第四条")]
    hit = Searcher.open(db).search("河道保洁责任单位应当做到什么").hits[0].passage
    assert hit.section[-1] == "第四条"
    assert answer_line(report.source, hit.section).startswith("——《某县河道保洁管理办法》第四条")
    _report, docx_ps, _db = _stored(tmp_path / "docx", DATA / "numbered.docx")
    assert [(p.section, p.text, p.is_heading) for p in ps] == [(p.section, p.text, p.is_heading) for p in docx_ps]


def test_numbering_set_by_a_paragraph_style_and_the_list_table_fields():
    document = doc._Document(*_streams(DATA / "numbered.doc"))
    style = next(i for i, s in enumerate(document.styles) if s[1] == "法规条文")
    assert document.label(doc._Props(istd=style)) == "第一条 "  # no list on the paragraph: its style's
    assert document.label(doc._Props(istd=style, ilfo=0)) == ""  # the paragraph switches its style's list off
    assert document.label(doc._Props(istd=style, ilvl=1)) == "（一）"
    # an LFO restarting level 0 at 5 (LFOLVL fStartAt), as Word writes "set numbering value"
    plf_lfo = struct.pack("<I", 1) + struct.pack("<iIIBBBB", 7, 0, 0, 1, 0, 0, 0) + struct.pack("<IiI", 0, 5, 0x10)
    assert doc._overrides(plf_lfo, 0, len(plf_lfo)) == [(7, {0: 5}, {})]
    levels = doc._lists(document.table, *document.fib.pair(doc._PLF_LST))[7]
    # LibreOffice writes chineseCounting as nfc 0x23 (taiwaneseCountingThousand): counted alike, 一…十一…二十
    assert [(lvl.fmt, lvl.text, lvl.suffix) for lvl in (levels[0], levels[1])] == [
        ("taiwaneseCountingThousand", "第%1条", " "), ("taiwaneseCountingThousand", "（%2）", " ")]


def _damaged(dst: Path, patch) -> Path:
    """A copy of numbered.doc with its table stream changed by `patch(table, lists_at, lists_size)`."""
    shutil.copyfile(DATA / "numbered.doc", dst)
    word, table, fib = _streams(dst)
    table = bytearray(table)
    patch(table, *fib.pair(doc._PLF_LST))
    with olefile.OleFileIO(str(dst), write_mode=True) as ole:
        ole.write_stream("1Table" if fib.which_table else "0Table", bytes(table))
    return dst


def _lvl_at(table: bytes, fc: int, lcb: int, lsid: int, ilvl: int) -> int:
    """Where level `ilvl` of list `lsid` starts in the table stream."""
    at = fc + lcb
    for i in range(struct.unpack_from("<h", table, fc)[0]):
        for n in range(1 if table[fc + 2 + 28 * i + 26] & 1 else 9):
            if struct.unpack_from("<i", table, fc + 2 + 28 * i)[0] == lsid and n == ilvl:
                return at
            at = doc._lvl(table, at)[1]
    raise AssertionError("no such level")


def test_a_level_that_does_not_restart_keeps_counting(tmp_path: Path):
    """fNoRestart with ilvlRestartLim 0 (Word's w:lvlRestart 0, which LibreOffice does not write): the items
    run on through the articles."""
    def no_restart(table: bytearray, fc: int, lcb: int) -> None:
        at = _lvl_at(table, fc, lcb, 7, 1)
        table[at + 5] |= 0x08
        table[at + 26] = 0

    texts = [e.text for e in doc.read(_damaged(tmp_path / "a.doc", no_restart))]
    assert "（四）水面无漂浮垃圾；" in texts and "（一）水面无漂浮垃圾；" not in texts


@pytest.mark.parametrize("damage", ["count", "outside", "xst"])
def test_damaged_list_tables_drop_the_numbering_and_keep_the_text(tmp_path: Path, damage: str):
    def patch(table: bytearray, fc: int, lcb: int) -> None:
        if damage == "count":  # more lists than the table holds
            table[fc:fc + 2] = struct.pack("<h", 0x7FFF)
        elif damage == "xst":  # a number text running past the end of the stream
            at = _lvl_at(table, fc, lcb, 7, 0)
            xst = at + 28 + table[at + 24] + table[at + 25]
            table[xst:xst + 2] = b"\xff\xff"

    path = tmp_path / f"{damage}.doc"
    if damage == "outside":  # the FIB's lcbPlfLst (FibRgFcLcb97 entry 73, after fcClx's 33) past the stream's end
        _patched(DATA / "numbered.doc", path, 0x1A2 + 8 * (doc._PLF_LST - 33) + 4, (10**6).to_bytes(4, "little"))
    else:
        _damaged(path, patch)
    texts = [e.text for e in doc.read(path)]
    assert "本办法适用于本县行政区域内河道的保洁及其监督管理。" in texts and not any(t.startswith("第一条") for t in texts)
    corpus, db = seed_corpus(tmp_path), tmp_path / "a.db"
    proc = _cli("add", str(path), "--corpus", str(corpus), "--db", str(db))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr


def test_field_codes_are_dropped_and_their_results_kept(tmp_path: Path):
    raw = doc._Document(*_streams(DATA / "fields.doc")).text()
    assert '\x13 HYPERLINK "https://library.example.org/readers"' in raw and "\x13 NUMPAGES \x141\x15" in raw
    report, ps, db = _stored(tmp_path, DATA / "fields.doc")
    texts = [p.text for p in body(ps)]
    assert not any("HYPERLINK" in t or "library.example.org" in t or "NUMPAGES" in t for t in texts)
    assert "读者可以登录县图书馆读者服务平台办理借阅证。" in texts  # the link's text, in its sentence
    assert "本规定共1页，自发布之日起施行。" in texts
    # manual line breaks: one wraps a sentence (joined), one opens the next article (split)
    assert "每位读者同时借阅图书不超过十册，借期为三十日。" in texts
    assert [p.section for p in ps if p.text == "逾期归还的，暂停借阅资格七日。"] == [("第三条",)]
    assert report.articles == 4
    hit = Searcher.open(db).search("图书逾期归还怎么办").hits[0].passage
    assert hit.text == "逾期归还的，暂停借阅资格七日。"


def test_a_national_law_as_doc_gives_the_passages_of_its_docx():
    title = "中华人民共和国爱国主义教育法"
    from_doc = passages(DATA / "patriotic-education-law.doc", formats.read, title)
    from_docx = passages(LAW_DOCX, formats.read, title)
    assert len(from_doc) > 60
    assert [(p.section, p.text) for p in from_doc] == [(p.section, p.text) for p in from_docx]


def test_table_rows_and_headings_are_read_from_paragraph_properties():
    elements = doc.read(DATA / "regulation.doc")
    assert [e.text for e in elements if e.heading] == ["某县社区居家养老服务办法", "第一章 总则", "第二章 服务补贴", "第三章 附则"]
    assert [(e.table, e.text) for e in elements if e.table] == [
        (TABLE_HEAD, "失能等级 | 每月补贴 | 发放方式"), (TABLE_ROW, "轻度失能 | 二百元 | 服务券"),
        (TABLE_ROW, "重度失能 | 六百元 | 直接结算")]


def test_merged_cells_and_a_one_column_frame_read_as_in_docx():
    elements = doc.read(DATA / "tables.doc")
    assert [e.text for e in elements[1:3]] == [  # the frame's two paragraphs, each its own
        "第一条　为了加强农村公路养护，制定本办法。", "第二条　本办法适用于本县行政区域内的县道、乡道和村道。"]
    assert [e.text for e in elements if e.table == TABLE_ROW] == [
        "县道 | 每公里每年不低于一万元 | 省级补助和县级财政",
        "乡道 | 每公里每年不低于五千元 | 省级补助和县级财政",  # merged with the cell above: its text (TC80 vertMerge)
        "村道 | 每公里每年不低于三千元，由县级财政安排"]  # one cell over two columns


def test_compressed_pieces_use_the_mappings_of_ms_doc():
    """8-bit pieces (Word writes them for text without CJK): cp1252's quotes and dashes; bytes cp1252 leaves
    undefined stay as they are."""
    assert doc.piece_text(b"Rule \x93one\x94 \x96 \x85 \x80\x81", compressed=True) == "Rule “one” – … \x80\x81"
    assert doc.piece_text("第一条".encode("utf-16-le"), compressed=False) == "第一条"


def _streams(path: Path):
    with olefile.OleFileIO(str(path)) as ole:
        word = ole.openstream("WordDocument").read()
        fib = doc._Fib(word, path)
        return word, ole.openstream("1Table" if fib.which_table else "0Table").read(), fib


def test_files_named_doc_that_are_something_else_are_read_as_what_they_are(tmp_path: Path):
    renamed = tmp_path / "办法.doc"
    shutil.copyfile(DATA / "regulation.docx", renamed)  # a .docx under the old name
    assert formats.read(renamed) == docx.read(DATA / "regulation.docx")
    report, ps, _db = _stored(tmp_path / "docx", renamed)
    assert report.source.title == "某县社区居家养老服务办法" and report.articles == 6
    page = tmp_path / "通知.doc"  # Word's "save as web page" with the .doc name kept
    page.write_text("<html><head><meta charset=\"utf-8\"><title>某县防汛工作通知</title></head><body>"
                    "<h1>某县防汛工作通知</h1><p>各乡镇人民政府：</p><p>一、加强值班。汛期各单位应当安排人员二十四小时值班，"
                    "确保信息畅通。</p></body></html>", encoding="utf-8")
    assert "汛期各单位应当安排人员二十四小时值班，确保信息畅通。" in " ".join(e.text for e in formats.read(page))
    text = tmp_path / "纪要.doc"
    text.write_bytes("某县防汛工作会议纪要\n会议要求各单位加强值班。\n".encode("gb18030"))
    assert [e.text for e in formats.read(text)] == ["某县防汛工作会议纪要", "会议要求各单位加强值班。"]


def test_a_wps_file_in_the_word_format_is_read_and_others_are_refused(tmp_path: Path):
    wps = tmp_path / "办法.wps"
    shutil.copyfile(DATA / "regulation.doc", wps)
    assert formats.read(wps) == doc.read(DATA / "regulation.doc")
    (tmp_path / "old.wps").write_bytes(b"\x00WPS document from another age" * 20)
    with pytest.raises(formats.FormatError, match="另存为 .docx"):
        formats.read(tmp_path / "old.wps")


def _excel_like(path: Path) -> Path:
    """A compound file without a WordDocument stream: the .doc's stream renamed Workbook (as an Excel file)."""
    data = bytearray((DATA / "regulation.doc").read_bytes())
    old, new = "WordDocument\0".encode("utf-16-le"), "Workbook\0".encode("utf-16-le")
    at = data.index(old)
    data[at:at + 64] = new.ljust(64, b"\0")
    data[at + 64:at + 66] = len(new).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    return path


BAD = {  # file name → (how it is made, what the message says)
    "encrypted.doc": (lambda p: _patched(DATA / "regulation.doc", p, 0x0B, bytes([0x01 | 0x02])), "已加密"),
    "junk.doc": (lambda p: p.write_bytes(bytes(range(256)) * 16), "不是 Word 97-2003 文件"),
    "truncated.doc": (lambda p: p.write_bytes((DATA / "regulation.doc").read_bytes()[:3000]), "已损坏"),
    "no-text-table.doc": (lambda p: _patched(DATA / "regulation.doc", p, 0x1A2, (10**6).to_bytes(4, "little")), "已损坏"),
    "table.doc": (_excel_like, "Excel"),
    "letter.doc": (lambda p: p.write_bytes(b"{\\rtf1\\ansi\\deff0 {\\fonttbl} Hello}"), "RTF"),
    "notes.rtf": (lambda p: p.write_bytes(b"{\\rtf1\\ansi Hello}"), "不支持的文件类型"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_doc_files_are_refused_with_a_message_and_exit_2(tmp_path: Path, name: str):
    corpus, db = seed_corpus(tmp_path), tmp_path / "a.db"
    add([DATA / "fields.doc"], corpus, db)
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}, db.read_bytes()
    make, message = BAD[name]
    path = tmp_path / name
    make(path)
    proc = _cli("add", str(path), "--corpus", str(corpus), "--db", str(db))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("错误：") and message in last and "另存为 .docx" in last
    assert ({p.name: p.read_bytes() for p in corpus.iterdir()}, db.read_bytes()) == before


def test_ingest_reads_doc_files_in_the_corpus_folder(tmp_path: Path):
    corpus = seed_corpus(tmp_path)
    shutil.copyfile(DATA / "regulation.doc", corpus / "regulation.doc")
    shutil.copyfile(DATA / "fields.doc", corpus / "fields.doc")
    with open(corpus / "manifest.toml", "a", encoding="utf-8") as f:
        f.write('\n[[source]]\nfile = "regulation.doc"\nid = "care"\ntitle = "某县社区居家养老服务办法"\n')
    sources, ps, summary = build(corpus)
    assert summary.unlisted == ["fields.doc"]  # a .doc is a document file of the folder, named when unlisted
    assert "care" in {s.id for s in sources}
    assert any(p.text == "重度失能|六百元|直接结算" for p in ps if p.source_id == "care")
