"""Word 97-2003 (.doc), and .wps files WPS Office saves in the same format: the main text, read as .docx is.

The file is an OLE compound file (olefile opens it). Its text is found as [MS-DOC] 2.4.1 says: the FIB at
the start of the WordDocument stream gives fWhichTblStm (the table stream, 0Table or 1Table), ccpText (the
characters of the main document; headers, footnotes and comments follow them) and fcClx/lcbClx (the CLX in
the table stream). The CLX's piece table (PlcPcd) maps character positions to file offsets, one piece at a
time: a compressed piece (fCompressed) is 8-bit text at fc/2 (cp1252, with the mappings of 2.4.1), any other
UTF-16LE at fc.

Paragraph properties come from the PAPX FKPs (PlcBtePapx): the style (istd, a heading by its built-in
identifier, its name or its outline level, through its base styles, as in .docx), a direct outline level and
the table marks. A paragraph ends at \\r; in a table a cell ends at \\x07 and a row with one more \\x07, the
paragraph Word marks as the row's end (fTtp): rows are read as docx reads them (table_elements). A manual line
break (\\x0b) is split or joined as in Word (line_pieces); a page or section break (\\x0c) ends a paragraph;
a field's instruction (between \\x13 and \\x14) is dropped and its result kept; pictures, drawn objects and
other anchors are no text; a non-breaking hyphen is a hyphen and an optional one nothing.

Automatic numbering (a 第一条 or （一） typed as Word's list numbering, not as text) is rebuilt as .docx's is,
by the same counters and number formats (numbering.Numbering): the list tables in the table stream (FIB
fcPlfLst/fcPlfLfo, [MS-DOC] 2.9.190 PlfLst, 2.9.200 PlfLfo) are the abstract lists (LSTF and its LVLs: nfc,
the number text xst with its level placeholders, start-at, restart, legal numbering) and their instances (LFO,
with LFOLVL start and level overrides); a paragraph's ilfo (sprmPIlfo) and ilvl (sprmPIlvl), set on it or on
its style (through its base styles), place it in one. List tables that cannot be read drop the numbering, the
text still read.

A file named .doc that is not one is common: a .docx, a web page or plain text renamed, or saved under that
name by other programs. Those are read by their own readers; RTF, Word 2003 XML, Excel and encrypted or
damaged files are refused with a message saying what the file is and how to save it as .docx.
"""
from __future__ import annotations

import bisect
import io
import logging
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.formats import Element, FormatError, decode_text, strip_controls
from assistant.ingest.formats.docx import heading_level, paragraph_elements, table_elements
from assistant.ingest.formats.numbering import LEVELS, Level, Numbering

log = logging.getLogger(__name__)
SAVE_AS = "请用 Word 或 WPS 打开后另存为 .docx 再添加"
_OLE = b"\xd0\xcf\x11\xe0"  # an OLE compound file (its signature's first half: a damaged one is refused as such)
_WORD97 = 0xA5EC  # wIdent of a Word 97-2003 FIB
_NFIB97 = 0xC1  # nFib of Word 97; Word 6 and 95 files (a different FIB) are lower
_HTML = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|body|title)\b",
                   re.I | re.S)
_WORD_XML = re.compile(rb"<\?mso-application\s+progid=\"Word\.Document\"|<w:wordDocument\b", re.I)
_MIME = re.compile(rb"^\s*MIME-Version:", re.I)
# [MS-DOC] 2.4.1: the bytes of a compressed piece that are not Latin-1.
_COMPRESSED = {0x82: "\u201a", 0x83: "\u0192", 0x84: "\u201e", 0x85: "\u2026", 0x86: "\u2020", 0x87: "\u2021",
               0x88: "\u02c6", 0x89: "\u2030", 0x8A: "\u0160", 0x8B: "\u2039", 0x8C: "\u0152", 0x91: "\u2018",
               0x92: "\u2019", 0x93: "\u201c", 0x94: "\u201d", 0x95: "\u2022", 0x96: "\u2013", 0x97: "\u2014",
               0x98: "\u02dc", 0x99: "\u2122", 0x9A: "\u0161", 0x9B: "\u203a", 0x9C: "\u0153", 0x9F: "\u0178"}
_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_PARAGRAPH_END = {"\r", "\x07", "\x0c", "\x0e"}  # paragraph mark, cell mark, page/section break, column break
_TEXT = {"\x0b": "\n", "\x1e": "-", "\x1f": "", "\x01": "", "\x08": ""}  # line break, hyphens, picture anchors
# FibRgFcLcb97: pairs (fc, lcb) by index.
_STSHF, _PLCF_BTE_PAPX, _CLX, _PLF_LST, _PLF_LFO = 1, 13, 33, 73, 74
# Paragraph sprms read here.
_IN_TABLE, _TTP, _OUTLINE, _ITAP = 0x2416, 0x2417, 0x2640, 0x6649
_ILVL, _ILFO = 0x260A, 0x460B  # list level, list (1-based index of its LFO; 0 or 0xF801: none)
# [MS-OSHARED] 2.2.1.3 MSONFC: a level's nfc as the w:numFmt it stands for (0xFF: none).
_NFC = ("decimal upperRoman lowerRoman upperLetter lowerLetter ordinal cardinalText ordinalText hex chicago "
        "ideographDigital japaneseCounting aiueo iroha decimalFullWidth decimalHalfWidth japaneseLegal "
        "japaneseDigitalTenThousand decimalEnclosedCircle decimalFullWidth2 aiueoFullWidth irohaFullWidth "
        "decimalZero bullet ganada chosung decimalEnclosedFullstop decimalEnclosedParen "
        "decimalEnclosedCircleChinese ideographEnclosedCircle ideographTraditional ideographZodiac "
        "ideographZodiacTraditional taiwaneseCounting ideographLegalTraditional taiwaneseCountingThousand "
        "taiwaneseDigital chineseCounting chineseLegalSimplified chineseCountingThousand koreanDigital "
        "koreanCounting koreanLegal koreanDigital2 vietnameseCounting russianLower russianUpper").split()
_FOLLOW = {0: " ", 1: " ", 2: ""}  # ixchFollow: a tab (shown as a space), a space, nothing
_DEF_TABLE, _VERT_MERGE = 0xD608, 0xD62B  # a row's cells (at its end mark), a cell's vertical merge
_STI_TITLE = 62  # the built-in Title style; 1-9 are Heading 1-9


def read(path: Path) -> list[Element]:
    path = Path(path)
    data = path.read_bytes()
    wps = path.suffix.lower() == ".wps"
    if not data.startswith(_OLE):
        if wps:
            raise FormatError(f"无法读取 WPS 文件：{path.name}（不是 Word 97-2003 兼容格式），请用 WPS 另存为 .docx 再添加")
        return _renamed(path, data)
    try:
        import olefile

        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError, struct.error) as exc:  # olefile reports a bad header as OSError
        raise FormatError(f"Word 文档已损坏，无法读取：{path.name}（{exc}）。{SAVE_AS}") from exc
    with ole:
        if not ole.exists("WordDocument"):
            raise FormatError(_not_word(path, ole))
        try:
            word = ole.openstream("WordDocument").read()
            fib = _Fib(word, path)
            table_name = "1Table" if fib.which_table else "0Table"
            if not ole.exists(table_name):
                raise FormatError(f"Word 文档已损坏，无法读取：{path.name}（缺少 {table_name} 流）。{SAVE_AS}")
            table = ole.openstream(table_name).read()
        except FormatError:
            raise
        except (OSError, ValueError, IndexError, struct.error) as exc:  # a stream olefile cannot follow
            raise FormatError(f"Word 文档已损坏，无法读取：{path.name}（{exc}）。{SAVE_AS}") from exc
    try:
        return _Document(word, table, fib).elements()
    except (ValueError, IndexError, struct.error) as exc:  # offsets and sizes pointing outside the streams
        raise FormatError(f"Word 文档已损坏，无法读取：{path.name}（{exc}）。{SAVE_AS}") from exc


def _renamed(path: Path, data: bytes) -> list[Element]:
    """A file named .doc that is no Word 97-2003 file: read by the reader of what it is, or refused."""
    from assistant.ingest.formats import docx, html, txt

    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if data.startswith(b"PK\x03\x04"):
        return docx.read(path)  # a .docx (Word 2007 and later) under the old name
    if head.lstrip().startswith(b"{\\rtf"):
        raise FormatError(f"文件 {path.name} 实为 RTF 格式（扩展名是 .doc），暂不支持；{SAVE_AS}")
    if _WORD_XML.search(head):
        raise FormatError(f"文件 {path.name} 实为 Word 2003 XML 格式（扩展名是 .doc），暂不支持；{SAVE_AS}")
    if _MIME.match(head):
        raise FormatError(f"文件 {path.name} 实为单个文件网页（MHT，扩展名是 .doc），暂不支持；{SAVE_AS}")
    if _HTML.match(head):
        return html.read(path)  # Word's "save as web page" kept the .doc name, or a site served a page as .doc
    try:
        decode_text(path, data)
    except FormatError as exc:
        raise FormatError(f"无法作为 Word 文档读取：{path.name}（不是 Word 97-2003 文件，也不是文本）。{SAVE_AS}") from exc
    return txt.read(path)


def _not_word(path: Path, ole) -> str:
    """Why an OLE compound file without a WordDocument stream cannot be read, for the user."""
    if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
        return f"文件 {path.name} 已加密（设有打开密码），无法读取；请在 Word 或 WPS 中取消密码后另存为 .docx 再添加"
    if ole.exists("Workbook") or ole.exists("Book"):
        return f"文件 {path.name} 实为 Excel 表格（扩展名是 .doc），不是 Word 文档；请把内容复制到 Word 中另存为 .docx 再添加"
    if ole.exists("PowerPoint Document"):
        return f"文件 {path.name} 实为 PowerPoint 演示文稿（扩展名是 .doc），不是 Word 文档"
    return f"文件 {path.name} 不是 Word 文档（缺少 WordDocument 流），无法读取。{SAVE_AS}"


def _u16(b: bytes, at: int) -> int:
    return struct.unpack_from("<H", b, at)[0]


def _u32(b: bytes, at: int) -> int:
    return struct.unpack_from("<I", b, at)[0]


class _Fib:
    """What the FIB says about where the text is ([MS-DOC] 2.5.1)."""

    def __init__(self, word: bytes, path: Path):
        if len(word) < 34 or _u16(word, 0) != _WORD97:
            raise FormatError(f"Word 文档已损坏或不是 Word 97-2003 格式：{path.name}。{SAVE_AS}")
        if _u16(word, 2) < _NFIB97:
            raise FormatError(f"文件 {path.name} 是 Word 6.0/95 等更早的格式，暂不支持；{SAVE_AS}")
        flags = _u16(word, 0x0A)
        if flags & 0x0100:  # fEncrypted (also set when obfuscated)
            raise FormatError(f"文件 {path.name} 已加密（设有打开密码），无法读取；请在 Word 或 WPS 中取消密码后另存为 .docx 再添加")
        self.which_table = bool(flags & 0x0200)
        csw = _u16(word, 32)
        rg_lw = 34 + 2 * csw + 2  # FibRgLw97, after cslw
        cslw = _u16(word, rg_lw - 2)
        self.ccp_text = _u32(word, rg_lw + 12)
        blob = rg_lw + 4 * cslw + 2  # FibRgFcLcbBlob, after cbRgFcLcb
        count = _u16(word, blob - 2)
        if count <= _CLX:
            raise FormatError(f"Word 文档已损坏，无法读取：{path.name}（文件信息块不完整）。{SAVE_AS}")
        self.pairs = [struct.unpack_from("<II", word, blob + 8 * i)
                      for i in range(min(count, _PLF_LFO + 1)) if blob + 8 * i + 8 <= len(word)]
        if len(self.pairs) <= _CLX:
            raise FormatError(f"Word 文档已损坏，无法读取：{path.name}（文件信息块不完整）。{SAVE_AS}")

    def pair(self, index: int) -> tuple[int, int]:
        """(fc, lcb) of entry `index`; (0, 0) for one a short FIB lacks."""
        return self.pairs[index] if index < len(self.pairs) else (0, 0)


@dataclass(frozen=True)
class _Piece:
    cp: int  # first character position
    end: int  # position after the last
    fc: int  # file offset of the first character
    compressed: bool


@dataclass(frozen=True)
class _Props:
    """A paragraph's properties that shape the text: its style, outline level and table marks."""

    istd: int = 0
    outline: int | None = None
    in_table: bool = False
    row_end: bool = False  # fTtp: the mark ending a table row
    depth: int = 0  # itap: table nesting depth
    cells: tuple[tuple[int, int], ...] = ()  # at a row's end: each cell's left edge and vertical merge
    ilfo: int | None = None  # sprmPIlfo: its list, None where the paragraph does not set one
    ilvl: int | None = None  # sprmPIlvl: its level in that list


_DEFAULT = _Props()


class _Document:
    def __init__(self, word: bytes, table: bytes, fib: _Fib):
        self.word, self.table, self.fib = word, table, fib
        self.pieces = self._pieces()
        self.starts = [p.cp for p in self.pieces]
        self.runs, self.run_props = self._paragraph_runs()
        self.styles = self._styles()
        self.numbering = self._numbering()

    def _pieces(self) -> list[_Piece]:
        fc, lcb = self.fib.pair(_CLX)
        clx = self.table[fc:fc + lcb]
        if lcb == 0 or len(clx) < lcb:
            raise ValueError("没有文本表（CLX）")
        at = 0
        while at < len(clx) and clx[at] == 0x01:  # Prc: property modifiers of pieces, not needed for text
            size = struct.unpack_from("<h", clx, at + 1)[0]
            if size < 0:
                raise ValueError("文本表（CLX）格式错误")
            at += 3 + size
        if at >= len(clx) or clx[at] != 0x02:
            raise ValueError("文本表（CLX）格式错误")
        size = _u32(clx, at + 1)
        plc = clx[at + 5:at + 5 + size]
        n = (size - 4) // 12
        if n <= 0 or len(plc) < size:
            raise ValueError("文本表（PlcPcd）为空")
        cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
        out = []
        for i in range(n):
            raw = _u32(plc, 4 * (n + 1) + 8 * i + 2)
            compressed = bool(raw & 0x40000000)
            fc = raw & 0x3FFFFFFF
            out.append(_Piece(cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
        if self.fib.ccp_text > cps[-1]:
            raise ValueError("正文长度超出文本表")
        return out

    def text(self) -> str:
        """The main document's characters (CPs 0 to ccpText), piece by piece."""
        out: list[str] = []
        for p in self.pieces:
            if p.cp >= self.fib.ccp_text:
                break
            count = min(p.end, self.fib.ccp_text) - p.cp
            raw = self.word[p.fc:p.fc + count * (1 if p.compressed else 2)]
            if len(raw) < count * (1 if p.compressed else 2):
                raise ValueError("文本超出文件末尾")
            out.append(piece_text(raw, p.compressed))
        return "".join(out)

    def fc_of(self, cp: int) -> int | None:
        """The file offset of character position `cp`."""
        i = bisect.bisect_right(self.starts, cp) - 1
        if i < 0 or cp >= self.pieces[i].end:
            return None
        p = self.pieces[i]
        return p.fc + (cp - p.cp) * (1 if p.compressed else 2)

    def _paragraph_runs(self) -> tuple[list[int], list[tuple[int, _Props]]]:
        """The PAPX FKPs' runs: (start offsets, [(end offset, properties)]), sorted by file offset."""
        fc, lcb = self.fib.pair(_PLCF_BTE_PAPX)
        plc = self.table[fc:fc + lcb]
        n = (len(plc) - 4) // 8
        runs: list[tuple[int, int, _Props]] = []
        for i in range(max(n, 0)):
            page = (_u32(plc, 4 * (n + 1) + 4 * i) & 0x3FFFFF) * 512
            fkp = self.word[page:page + 512]
            if len(fkp) < 512:
                continue
            crun = fkp[511]
            for r in range(crun):
                start, end = _u32(fkp, 4 * r), _u32(fkp, 4 * r + 4)
                b_offset = fkp[4 * (crun + 1) + 13 * r]
                runs.append((start, end, _papx(fkp, 2 * b_offset) if b_offset else _DEFAULT))
        runs.sort(key=lambda r: r[0])
        return [r[0] for r in runs], [(r[1], r[2]) for r in runs]

    def props(self, cp: int) -> _Props:
        """The properties of the paragraph whose mark is at `cp`."""
        fc = self.fc_of(cp)
        i = bisect.bisect_right(self.runs, fc) - 1 if fc is not None else -1
        if i < 0 or fc >= self.run_props[i][0]:
            return _DEFAULT
        return self.run_props[i][1]

    def _styles(self) -> list[tuple[int, str, int, int | None]]:
        """The styles by istd: (sti, name, istdBase, outline level) ([MS-DOC] 2.9.271 STSH), and each
        paragraph style's list and level (self.style_lists); an unreadable style sheet gives none (no headings,
        the text still read)."""
        fc, lcb = self.fib.pair(_STSHF)
        stsh = self.table[fc:fc + lcb]
        out: list[tuple[int, str, int, int | None]] = []
        self.style_lists: dict[int, tuple[int | None, int | None]] = {}
        try:
            cb_stshi = _u16(stsh, 0)
            cstd, cb_base = _u16(stsh, 2), _u16(stsh, 4)
            at = 2 + cb_stshi
            for _ in range(cstd):
                cb = _u16(stsh, at)
                std = stsh[at + 2:at + 2 + cb]
                at += 2 + cb
                if cb < cb_base + 2:
                    out.append((0x0FFE, "", 0x0FFF, None))
                    continue
                sti, base = _u16(std, 0) & 0x0FFF, _u16(std, 2) >> 4
                stk = _u16(std, 2) & 0x000F
                cch = _u16(std, cb_base)
                name = std[cb_base + 2:cb_base + 2 + 2 * cch].decode("utf-16-le", errors="replace")
                outline = None
                upx = cb_base + 2 + 2 * cch + 2
                if stk == 1 and upx + 4 <= len(std):  # a paragraph style: its first UPX holds paragraph sprms
                    size = _u16(std, upx)
                    sprms = {sprm: int.from_bytes(op, "little") for sprm, op in _prls(std[upx + 4:upx + 2 + size])
                             if sprm >> 13 != 6}
                    outline = sprms.get(_OUTLINE)
                    if _ILFO in sprms or _ILVL in sprms:
                        self.style_lists[len(out)] = (sprms.get(_ILFO), sprms.get(_ILVL))
                out.append((sti, name, base, outline))
        except struct.error:
            return out
        return out

    def _numbering(self) -> Numbering:
        """The document's lists as a Numbering: an abstract list by lsid, an instance by ilfo; list tables that
        cannot be read give no numbering (the text is still read)."""
        numbering = Numbering(None, None)
        try:
            lists = _lists(self.table, *self.fib.pair(_PLF_LST))
            for ilfo, (lsid, starts, levels) in enumerate(_overrides(self.table, *self.fib.pair(_PLF_LFO)), 1):
                if lsid in lists:
                    numbering.instance(str(ilfo), str(lsid), starts, levels)
        except (ValueError, IndexError, struct.error) as exc:
            log.warning("list tables unreadable, automatic numbering dropped: %s", exc)
            return Numbering(None, None)
        for lsid, levels in lists.items():
            numbering.define(str(lsid), levels)
        return numbering

    def label(self, props: _Props) -> str:
        """The number Word shows before a paragraph ("第一条 ", "（一）"), "" for none: its list and level as set
        on it, else as its style (or a base style) sets them; advances the counters, so once per paragraph."""
        ilfo, ilvl = props.ilfo, props.ilvl
        istd, seen = props.istd, set()
        while (ilfo is None or ilvl is None) and 0 <= istd < len(self.styles) and istd not in seen:
            seen.add(istd)
            style_ilfo, style_ilvl = self.style_lists.get(istd, (None, None))
            ilfo = ilfo if ilfo is not None else style_ilfo
            ilvl = ilvl if ilvl is not None else style_ilvl
            istd = self.styles[istd][2]
        if not ilfo or ilfo >= 0x07FF:  # 0: no list; 0xF801: a style's list switched off on the paragraph
            return ""
        return self.numbering.number(str(ilfo), ilvl, str(props.istd))

    def heading(self, props: _Props) -> int:
        """A paragraph's heading level: by its style (Title, Heading N or a name as in .docx, or the style's
        outline level, through its base styles), else by the outline level set on the paragraph."""
        istd, seen = props.istd, set()
        while 0 <= istd < len(self.styles) and istd not in seen:
            seen.add(istd)
            sti, name, base, outline = self.styles[istd]
            if 1 <= sti <= 9:
                return sti
            if sti == _STI_TITLE:
                return 1
            if level := heading_level(name.split(",")[0]):
                return level
            if outline is not None and 0 <= outline < 9:
                return outline + 1
            istd = base
        return props.outline + 1 if props.outline is not None and 0 <= props.outline < 9 else 0

    def elements(self) -> list[Element]:
        out: list[Element] = []
        table = _Table()
        fields: list[bool] = []  # open fields, innermost last: True while in its instruction
        chars: list[str] = []
        for cp, ch in enumerate(self.text()):
            if ch == _FIELD_BEGIN:
                fields.append(True)
            elif ch == _FIELD_SEPARATOR:
                if fields:
                    fields[-1] = False
            elif ch == _FIELD_END:
                if fields:
                    fields.pop()
            elif ch in _PARAGRAPH_END:
                text = strip_controls("".join(chars))[0]
                chars.clear()
                props = self.props(cp)  # a break ending a paragraph has its properties too
                if props.in_table or props.depth:
                    if ch == "\x07" and props.row_end:
                        table.end_row(props.cells)
                    else:
                        text = strip_controls(self.label(props) + text)[0]
                        table.paragraph(list(paragraph_elements(text, self.heading(props))), ch == "\x07")
                    continue
                out.extend(table.end())
                text = strip_controls(self.label(props) + text)[0]
                out.extend(paragraph_elements(text, self.heading(props)))
            elif not any(fields):
                chars.append(_TEXT.get(ch, ch))
        out.extend(table.end())
        out.extend(paragraph_elements(strip_controls("".join(chars))[0]))
        return out


class _Table:
    """The table being read: its rows, each cell the elements of its paragraphs."""

    def __init__(self) -> None:
        self.rows: list[tuple[list[list[Element]], tuple[tuple[int, int], ...]]] = []
        self.row: list[list[Element]] = []
        self.cell: list[Element] = []

    def paragraph(self, elements: list[Element], ends_cell: bool) -> None:
        self.cell.extend(elements)
        if ends_cell:
            self.row.append(self.cell)
            self.cell = []

    def end_row(self, cells: tuple[tuple[int, int], ...]) -> None:
        self.rows.append((self.row, cells))
        self.row, self.cell = [], []

    def end(self) -> list[Element]:
        """The table's elements, as docx reads one: rows (a cell merged with the one above it showing that
        one's text), or a one-column table's paragraphs (a frame around text)."""
        if self.row or self.cell:  # a row Word did not close: its cells as read
            self.end_row(())
        rows, self.rows = self.rows, []
        if all(len(row) <= 1 for row, _cells in rows):
            return [e for row, _cells in rows for cell in row for e in cell]
        above: dict[int, str] = {}  # a cell's left edge → its text
        texts: list[list[str]] = []
        for row, cells in rows:
            shown = [" ".join(" ".join(e.text for e in cell if e.text.strip()).split()) for cell in row]
            if len(cells) == len(shown):
                for i, (left, merge) in enumerate(cells):
                    if merge == 1:
                        shown[i] = above.get(left, shown[i])
                    above[left] = shown[i]
            texts.append(shown)
        return table_elements(texts)


def piece_text(raw: bytes, compressed: bool) -> str:
    """The characters of a piece: 8-bit with the mappings of [MS-DOC] 2.4.1 (cp1252's, but that its five
    undefined bytes and 0x80, 0x8E, 0x9E stay as they are), else UTF-16LE."""
    if compressed:
        return "".join(_COMPRESSED.get(b, chr(b)) for b in raw)
    return raw.decode("utf-16-le", errors="replace")


def _papx(fkp: bytes, at: int) -> _Props:
    """A PapxInFkp: its style and the paragraph sprms read here; a row's end carries its table's cells."""
    cb = fkp[at]
    grp = fkp[at + 1:at + 2 * cb] if cb else fkp[at + 2:at + 2 + 2 * fkp[at + 1]]
    if len(grp) < 2:
        return _DEFAULT
    prls = _prls(grp[2:])
    fixed = {sprm: int.from_bytes(operand, "little") for sprm, operand in prls if sprm >> 13 != 6}
    row_end = bool(fixed.get(_TTP))
    return _Props(istd=_u16(grp, 0), outline=fixed.get(_OUTLINE), in_table=bool(fixed.get(_IN_TABLE)),
                  row_end=row_end, depth=fixed.get(_ITAP, 0), cells=_cells(prls) if row_end else (),
                  ilfo=fixed.get(_ILFO), ilvl=fixed.get(_ILVL))


def _cells(prls: list[tuple[int, bytes]]) -> tuple[tuple[int, int], ...]:
    """A table row's cells from its sprmTDefTable: (left edge, vertical merge) each, the merge 1 for a cell
    continuing the one above it (TC80's vertMerge; sprmTVertMerge overrides it)."""
    cells: list[tuple[int, int]] = []
    for sprm, op in prls:
        if sprm == _DEF_TABLE and op:
            n = op[0]
            if len(op) < 1 + 2 * (n + 1):
                continue
            edges = struct.unpack_from(f"<{n + 1}h", op, 1)
            tcs = 1 + 2 * (n + 1)
            cells = [(edges[i], (_u16(op, tcs + 20 * i) >> 5) & 3 if tcs + 20 * i + 2 <= len(op) else 0)
                     for i in range(n)]
        elif sprm == _VERT_MERGE and len(op) >= 2 and op[0] < len(cells):
            cells[op[0]] = (cells[op[0]][0], op[1])
    return tuple(cells)


def _lists(table: bytes, fc: int, lcb: int) -> dict[int, dict[int, Level]]:
    """PlfLst ([MS-DOC] 2.9.190): each LSTF's levels by lsid. Its LVLs follow it in the table stream, nine
    a list (one for fSimpleList), in the lists' order."""
    if lcb == 0:
        return {}
    if fc + lcb > len(table) or lcb < 2:
        raise ValueError("列表表（PlfLst）超出表格流")
    count = struct.unpack_from("<h", table, fc)[0]
    if count < 0 or 2 + 28 * count > lcb:
        raise ValueError("列表表（PlfLst）格式错误")
    out: dict[int, dict[int, Level]] = {}
    at = fc + lcb
    for i in range(count):
        lstf = fc + 2 + 28 * i
        lsid = struct.unpack_from("<i", table, lstf)[0]
        styles = struct.unpack_from("<9H", table, lstf + 8)  # rgistdPara: the style bound to each level
        levels: dict[int, Level] = {}
        for n in range(1 if table[lstf + 26] & 0x01 else LEVELS):
            levels[n], at = _lvl(table, at, styles[n])
        out[lsid] = levels
    return out


def _lvl(table: bytes, at: int, istd: int = 0x0FFF) -> tuple[Level, int]:
    """An LVL at `at` ([MS-DOC] 2.9.150): its LVLF, grpprlPapx, grpprlChpx and number text xst, as a Level;
    and the offset after it. The xst's placeholders (characters 0-8, found by rgbxchNums) name the level whose
    number goes there: %1-%9 in .docx's w:lvlText."""
    if at + 30 > len(table):
        raise ValueError("列表级别（LVL）超出表格流")
    start, nfc, flags = struct.unpack_from("<iBB", table, at)
    positions = table[at + 6:at + 15]  # rgbxchNums: 1-based positions in xst, up to the first 0
    positions = positions[:positions.index(0)] if 0 in positions else positions
    follow, cb_chpx, cb_papx, restart_lim = table[at + 15], table[at + 24], table[at + 25], table[at + 26]
    at += 28 + cb_papx + cb_chpx
    cch = _u16(table, at)
    if at + 2 + 2 * cch > len(table):
        raise ValueError("列表编号文字（xst）超出表格流")
    chars = list(table[at + 2:at + 2 + 2 * cch].decode("utf-16-le", errors="replace"))
    for p in positions:
        if p <= len(chars) and ord(chars[p - 1]) < LEVELS:
            chars[p - 1] = f"%{ord(chars[p - 1]) + 1}"
    level = Level(
        fmt="none" if nfc == 0xFF else _NFC[nfc] if nfc < len(_NFC) else "decimal",
        text="".join(chars),
        start=start,
        restart=restart_lim if flags & 0x08 else None,  # fNoRestart: restarted only by levels above ilvlRestartLim
        suffix=_FOLLOW.get(follow, " "),
        legal=bool(flags & 0x04),  # fLegal
        style=str(istd) if istd != 0x0FFF else "",
    )
    return level, at + 2 + 2 * cch


def _overrides(table: bytes, fc: int, lcb: int) -> list[tuple[int, dict[int, int], dict[int, Level]]]:
    """PlfLfo ([MS-DOC] 2.9.200): each LFO's list (lsid), start-at overrides and level overrides by level,
    in ilfo order (an ilfo is the 1-based index)."""
    if lcb == 0:
        return []
    if fc + lcb > len(table) or lcb < 4:
        raise ValueError("列表覆盖表（PlfLfo）超出表格流")
    count = _u32(table, fc)
    if 4 + 16 * count > lcb:
        raise ValueError("列表覆盖表（PlfLfo）格式错误")
    heads = [(struct.unpack_from("<i", table, fc + 4 + 16 * i)[0], table[fc + 4 + 16 * i + 12]) for i in range(count)]
    at = fc + 4 + 16 * count  # rgLfoData: a cp, then clfolvl LFOLVLs, each with an LVL when fFormatting
    out = []
    for lsid, clfolvl in heads:
        at += 4
        starts: dict[int, int] = {}
        levels: dict[int, Level] = {}
        for _ in range(clfolvl):
            start, flags = struct.unpack_from("<iI", table, at)
            at += 8
            ilvl = flags & 0x0F
            if flags & 0x20:  # fFormatting: a whole level definition follows, its start-at the one to use
                levels[ilvl], at = _lvl(table, at)
                start = levels[ilvl].start
            if flags & 0x10:  # fStartAt: the instance restarts this level (Word's "restart numbering")
                starts[ilvl] = start
        out.append((lsid, starts, levels))
    return out


_OPERAND = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # operand size by spra ([MS-DOC] 2.2.5.1)


def _prls(grpprl: bytes) -> list[tuple[int, bytes]]:
    """The Prls of a grpprl: (sprm, operand) each, a variable operand without its size; stops at anything it
    cannot size."""
    out: list[tuple[int, bytes]] = []
    at = 0
    while at + 2 <= len(grpprl):
        sprm = _u16(grpprl, at)
        at += 2
        if sprm >> 13 == 6:
            if sprm == _DEF_TABLE:  # a 2-byte size, one more than the bytes after it
                if at + 2 > len(grpprl):
                    break
                start, at = at + 2, at + 2 + _u16(grpprl, at) - 1
            elif at >= len(grpprl) or (sprm == 0xC615 and grpprl[at] == 255):  # sprmPChgTabs' long form
                break
            else:
                start, at = at + 1, at + 1 + grpprl[at]
        else:
            start, at = at, at + _OPERAND[sprm >> 13]
        if at > len(grpprl):
            break
        out.append((sprm, grpprl[start:at]))
    return out
