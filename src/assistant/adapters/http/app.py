"""The HTTP service (`python -m assistant serve`): a JSON API, the desktop search page at `/`, and DingTalk's
HTTP callbacks at `/dingtalk/callback` when DINGTALK_MODE=http. FastAPI on uvicorn.

Handlers stay thin: validate, call the searcher / corpus / digest the other channels use, return JSON built by
the same functions as the CLI (search.output). Every error is a JSON object {"error": "中文说明"} with a 4xx
status; nothing a client sends can produce a 500.

Searches (~1 ms) run on the event loop: measured, an async handler returning a ready JSONResponse served
1.6× the requests of a sync handler (thread hand-off + response-model encoding) and matched plain Starlette.
The digest (up to ~1 s on a cold cache) runs in the thread pool.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from functools import lru_cache
import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, unquote_to_bytes

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.adapters.dingtalk import Callbacks, link_signature
from assistant.chat.answers import examples as example_questions
from assistant.chat.citation import cite, quote_with_citation
from assistant.chat.core import MAX_QUERY_CHARS, ChatCore, clean_text
from assistant.chat.core import Request as ChatRequest
from assistant.config import Settings
from assistant.runtime import numeric_id
from assistant.search.engine import Results
from assistant.search.output import results_text

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_K = 50  # results per page
MAX_PAGE = 200
MAX_AROUND = 20  # context sentences each side
SEARCH_CACHE = 4096  # searches kept with their JSON (a few KB each)
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "md": "text/markdown; charset=utf-8"}
API_KEY_HEADER = "X-API-Key"


class ApiError(Exception):
    """A request the API refuses; `message` is for the user (Chinese)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def describe(err: dict) -> str:
    """One pydantic validation error as a Chinese sentence naming the parameter."""
    name = err["loc"][-1] if err.get("loc") else "参数"
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "missing":
        return f"缺少参数 {name}"
    if kind == "int_parsing":
        return f"参数 {name} 应为整数"
    if kind in ("greater_than_equal", "greater_than"):
        return f"参数 {name} 应不小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"参数 {name} 应不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"参数 {name} 应为 {ctx.get('expected', '')}".replace("'", "").replace(" or ", " 或 ")
    if kind == "string_too_long":
        return f"参数 {name} 过长：最多 {ctx.get('max_length')} 个字"
    return f"参数 {name} 无效"


def utf8_query(request: Request) -> None:
    """Refuse a query string whose percent-escapes are not UTF-8 (Starlette would turn them into U+FFFD)."""
    raw = request.scope.get("query_string", b"")
    if b"%" in raw:
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "查询参数不是有效的 UTF-8 编码") from None


def key_check(settings: Settings):
    """The API-key allow list: empty API_KEYS = open; otherwise the X-API-Key header (or ?key=) must be one."""

    def check(request: Request) -> None:
        if not settings.api_keys or signed_link(request):
            return
        given = request.headers.get(API_KEY_HEADER) or request.query_params.get("key", "")
        if not given:
            raise ApiError(401, f"需要 API 密钥：请在请求头 {API_KEY_HEADER} 中提供")
        if given not in settings.api_keys:
            raise ApiError(403, "API 密钥无效")

    def signed_link(request: Request) -> bool:
        """A 摘编 link the DingTalk robot signed (chat users have no API key)."""
        params = request.query_params
        if request.url.path != "/api/digest" or not params.get("sig") or not settings.dingtalk_app_secret:
            return False
        expected = link_signature(settings.dingtalk_app_secret, params.get("topic", ""), params.get("format", "docx"))
        return hmac.compare_digest(expected, params["sig"])

    return check


def valid_query(q: str) -> str:
    query = clean_text(q)
    if not query:
        raise ApiError(400, "请提供要查找的问题或关键词（参数 q）")
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(400, f"问题过长：最多 {MAX_QUERY_CHARS} 个字，当前 {len(query)} 个字")
    return query


@lru_cache(maxsize=SEARCH_CACHE)
def answer(searcher, query: str, k: int, offset: int, source_id: str | None) -> tuple[Results, bytes]:
    """A search and its JSON, kept for repeats of the same question (a team asks alike; a page turns back).
    Keyed by the searcher too, so /reload's new corpus never serves an old answer."""
    results = searcher.search(query, k=k, offset=offset, source_id=source_id)
    return results, results_text(query, results, offset).encode()


def passage_json(corpus, passage) -> dict:
    source = corpus.source(passage.source_id)
    return {
        "id": passage.id, "text": passage.text, "source": source.title, "source_id": source.id,
        "source_short": source.label, "section": passage.section_path, "citation": cite(source),
        "quote": quote_with_citation(passage.text, source),
    }


def create_app(settings: Settings, core: ChatCore, callbacks: Callbacks | None = None, lifespan=None) -> FastAPI:
    """The service over `core` (its searcher is the one every channel uses; /reload swaps it for all);
    DingTalk's callbacks are accepted when `callbacks` is given."""
    app = FastAPI(title="浙江政策原文引用助手 API", version="1", description="检索政策文件原文语句，附标准出处。",
                  lifespan=lifespan)
    app.state.core = core

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        messages = [describe(e) for e in exc.errors()]
        return error(400, messages[0] if messages else "请求无效", errors=messages)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: "没有这个地址", 405: "不支持这种请求方法"}.get(exc.status_code, str(exc.detail))
        return error(exc.status_code, message)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s failed", request.url.path)
        return error(500, "服务器内部错误，请稍后再试")

    api = APIRouter(prefix="/api", dependencies=[Depends(utf8_query), Depends(key_check(settings))])

    def searcher():
        app.state.core.between_requests()  # a re-ingested corpus is switched to (chat.corpus_switch)
        return app.state.core.searcher

    @api.get("/search", summary="检索原文语句（与 `search --json` 同一 JSON）")
    async def search(
        request: Request,
        q: Annotated[str, Query(description="问题或关键词")] = "",
        k: Annotated[int, Query(ge=1, le=MAX_K, description="每页条数")] = 5,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")] = 1,
        source: Annotated[str, Query(description="只在该来源（id，见 /api/sources）中检索")] = "",
    ) -> JSONResponse:
        query = valid_query(q)
        s = searcher()
        if source and s.corpus.source(source) is None:
            raise ApiError(400, f"没有 id 为“{source[:40]}”的来源，可用 /api/sources 查看")
        offset = (page - 1) * k
        started = time.perf_counter()
        results, body = answer(s, query, k, offset, source or None)
        if page == 1:  # a question, not a page turn, is what the query log counts
            asker = ChatRequest(0, numeric_id(request.client.host if request.client else ""), query, "api", channel="http")
            app.state.core.log_question(asker, query, results, time.perf_counter() - started)
        return Response(body, media_type="application/json")

    @api.get("/sources", summary="收录的文件")
    async def sources() -> JSONResponse:
        corpus = searcher().corpus
        counts = corpus.passage_counts()
        rows = [{"id": s.id, "title": s.title, "short": s.label, "issuer": s.issuer, "date": s.date, "kind": s.kind,
                 "publication": s.publication, "citation": cite(s), "passages": counts.get(s.id, 0)}
                for s in corpus.sources()]
        return JSONResponse({"sources": rows})

    @api.get("/passages/{passage_id}", summary="一条语句及其上下文")
    async def passage(passage_id: str, around: Annotated[int, Query(ge=0, le=MAX_AROUND)] = 3) -> JSONResponse:
        corpus = searcher().corpus
        found = corpus.passage(passage_id)
        if found is None:
            raise ApiError(404, "没有这条语句（语料可能已更新，请重新检索）")
        context = [{"id": p.id, "text": p.text, "focus": p.id == found.id}
                   for p in corpus.neighbours(found, around, around)]
        return JSONResponse({**passage_json(corpus, found), "context": context})

    @api.get("/examples", summary="示例问题（从语料中得出，均经检索验证）")
    async def examples() -> JSONResponse:
        return JSONResponse({"questions": await asyncio.to_thread(example_questions, searcher())})

    @api.get("/digest", summary="某一主题的论述摘编（Word 或 Markdown 文件）")
    async def digest(topic: Annotated[str, Query(description="主题")] = "",
                     format: Annotated[Literal["docx", "md"], Query(description="文件格式")] = "docx") -> Response:
        from assistant.study import document
        from assistant.study.digest import MAX_TOPIC, TopicError, build_digest

        name = clean_text(topic)
        if not name:
            raise ApiError(400, "请提供摘编主题（参数 topic）")
        if len(name) > MAX_TOPIC:
            raise ApiError(400, f"主题过长：最多 {MAX_TOPIC} 个字")

        def make() -> tuple[str, bytes]:
            comp = document.from_digest(build_digest(searcher(), name))
            return f"{comp.basename}.{format}", document.render(comp, format)

        try:
            filename, data = await asyncio.to_thread(make)
        except TopicError as exc:
            raise ApiError(400, str(exc)) from None
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return Response(data, media_type=MEDIA[format], headers={"Content-Disposition": disposition})

    app.include_router(api)

    @app.get("/healthz", summary="健康检查")
    async def healthz() -> JSONResponse:
        current = searcher()
        counts = current.corpus.passage_counts()
        # semantic: whether search ranks by sentence vectors too (`assistant embed`, the [semantic] extra)
        return JSONResponse({"status": "ok", "sources": len(counts), "passages": sum(counts.values()),
                             "semantic": current.semantic})

    if callbacks is not None:
        @app.post("/dingtalk/callback", include_in_schema=False)
        async def dingtalk_callback(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                body = None
            client = request.client.host if request.client else ""
            status, answer = callbacks.receive(request.headers, body, client)
            return JSONResponse(answer, status_code=status)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
