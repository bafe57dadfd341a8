"""The JSON shape of search results, shared by `search --json`/`--batch` and the HTTP API (`/api/search`),
so a script can switch between them without noticing."""
from __future__ import annotations

from assistant.chat.render import bold_terms
from assistant.chat.citation import cite, quote_with_citation
from assistant.search.engine import Hit, Results


def hit_json(hit: Hit) -> dict:
    p, s = hit.passage, hit.source
    return {
        "id": p.id, "text": p.text, "source": s.title, "source_id": s.id, "source_short": s.label,
        "section": p.section_path, "date": s.date, "kind": s.kind, "score": round(hit.score, 4),
        "highlight": list(bold_terms(hit.terms)), "citation": cite(s),
        "quote": quote_with_citation(p.text, s),
    }


def results_json(query: str, results: Results, offset: int = 0) -> dict:
    """One search as a JSON object: the query, whether it was answered, how many passages matched in all,
    and the page of results (each with its standard 出处)."""
    return {
        "query": query, "answered": results.answered, "kind": results.kind, "total": results.total,
        "offset": offset, "results": [hit_json(h) for h in results.hits],
    }
