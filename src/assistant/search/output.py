"""The JSON shape of search results, shared by `search --json`/`--batch` and the HTTP API (`/api/search`),
so a script can switch between them without noticing. Each result is one passage; how the page quotes it (search.page)
is told beside it: `shown` (false when a quote before it says all it does) and, for a quote joining items of one list,
`joined` (its lead, list and quote as shown)."""
from __future__ import annotations

import json
import math
from functools import lru_cache

from assistant.chat.citation import cite, quoted
from assistant.chat.emphasis import bold_terms
from assistant.records import Passage, Source
from assistant.search.engine import Hit, Results
from assistant.search.page import merged, unrepeated

PARTS_CACHE = 8192  # passages whose JSON parts are kept (results_text): the cache starts again when it holds more
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False) builds an encoder a call


@lru_cache(maxsize=1024)
def _citation(source: Source) -> str:
    """A source's standard 出处, worked out once (a batch cites the same few sources again and again)."""
    return cite(source)


def hit_json(hit: Hit) -> dict:
    p, s = hit.passage, hit.source
    citation = _citation(s)
    return {
        "id": p.id, "text": p.text, "source": s.title, "source_id": s.id, "source_short": s.label,
        "section": p.section_path, "date": s.date, "kind": s.kind, "score": round(hit.score, 4),
        "highlight": list(bold_terms(hit.terms)), "citation": citation, "quote": quoted(hit.lead + p.text + hit.list, citation),
        "lead": hit.lead, "list": hit.list,
        "cited": [{"provision": name, "text": text} for name, text in hit.cited],
    }


def page_json(hits: list[Hit]) -> list[dict]:
    """How the page quotes each hit: {"shown": …} and, when its quote joins items of its list, "joined"."""
    left, around = merged(hits, list(range(len(hits))))
    kept = set(unrepeated(hits, left, around))
    fields = []
    for i, hit in enumerate(hits):
        field: dict = {"shown": i in kept}
        if i in around:
            lead, listed = around[i]
            field["joined"] = {"lead": lead, "list": listed,
                               "quote": quoted(lead + hit.passage.text + listed, _citation(hit.source))}
        fields.append(field)
    return fields


def results_json(query: str, results: Results, offset: int = 0) -> dict:
    """One search as a JSON object: the query, whether it was answered, how many passages matched in all,
    and the page of results (each with its standard 出处 and how the page quotes it)."""
    return {
        "query": query, "answered": results.answered, "kind": results.kind, "total": results.total,
        "offset": offset,
        "results": [{**hit_json(h), **f} for h, f in zip(results.hits, page_json(results.hits))],
    }


def results_text(query: str, results: Results, offset: int = 0) -> str:
    """`json.dumps(results_json(query, results, offset), ensure_ascii=False)`, put together from each hit's
    JSON text around its score and highlight, kept per passage: a batch or a server shows the same passages
    again, and encoding their texts, 出处 and quotes anew was most of the cost (tests: the same text)."""
    head = (f'{{"query": {_encode(query)}, "answered": {"true" if results.answered else "false"}, '
            f'"kind": {_encode(results.kind)}, "total": {int(results.total)}, "offset": {int(offset)}, "results": ')
    hits = [f"{_hit_text(h)[:-1]}, {_encode(f)[1:]}" for h, f in zip(results.hits, page_json(results.hits))]
    return f"{head}[{', '.join(hits)}]}}"


_parts: dict[int, tuple[Passage, Source, str, str]] = {}  # id(passage) → it, its source and its JSON around


def _hit_text(hit: Hit) -> str:
    """`_encode(hit_json(hit))` from the passage's kept parts."""
    p, s = hit.passage, hit.source
    kept = _parts.get(id(p))
    if kept is None or kept[0] is not p or kept[1] is not s:  # the same objects: ids are reused once freed
        if len(_parts) > PARTS_CACHE:
            _parts.clear()
        whole = _encode({**hit_json(hit), "score": None, "highlight": None})
        before, _, after = whole.partition('"score": null, "highlight": null')
        kept = _parts[id(p)] = (p, s, f'{before}"score": ', after)
    score = round(hit.score, 4)
    number = float.__repr__(score) if math.isfinite(score) else _encode(score)
    return f"{kept[2]}{number}, \"highlight\": {_highlight(hit.terms)}{kept[3]}"


@lru_cache(maxsize=4096)
def _highlight(terms: tuple[str, ...]) -> str:
    """The JSON of the words a hit bolds (a query's hits mostly match the same words)."""
    return _encode(list(bold_terms(terms)))
