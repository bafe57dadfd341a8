"""The JSON shape of search results, shared by `search --json`/`--batch` and the HTTP API (`/api/search`),
so a script can switch between them without noticing."""
from __future__ import annotations

from functools import lru_cache

from assistant.chat.citation import cite, quoted
from assistant.chat.render import bold_terms
from assistant.records import Source
from assistant.search.engine import Hit, Results


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
        "highlight": list(bold_terms(hit.terms)), "citation": citation, "quote": quoted(p.text, citation),
    }


def results_json(query: str, results: Results, offset: int = 0) -> dict:
    """One search as a JSON object: the query, whether it was answered, how many passages matched in all,
    and the page of results (each with its standard 出处)."""
    return {
        "query": query, "answered": results.answered, "kind": results.kind, "total": results.total,
        "offset": offset, "results": [hit_json(h) for h in results.hits],
    }
