"""The HTTP API end to end: the real app on uvicorn over loopback, requests from httpx."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
from urllib.parse import urlencode

import httpx
import pytest

from assistant.adapters import dingtalk
from channel_support import APP_SECRET, running_service, settings_for

QUESTION = "山海协作工程"


@pytest.fixture(scope="module")
def base(db_path, tmp_path_factory):
    with running_service(settings_for(db_path, tmp_path_factory.mktemp("api"))) as url:
        yield url


def get(base: str, path: str, **kw) -> httpx.Response:
    return httpx.get(base + path, timeout=30, **kw)


def test_search_returns_the_same_json_object_as_the_cli(base, db_path):
    api = get(base, "/api/search", params={"q": QUESTION, "k": 5}).json()
    cli = subprocess.run([sys.executable, "-m", "assistant", "search", "--json", "-k", "5", "--db", str(db_path), QUESTION],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert api == json.loads(cli.stdout)
    first = api["results"][0]
    assert api["answered"] is True and "山海协作" in first["text"]
    assert first["quote"] == f"“{first['text']}”{first['citation']}" and first["citation"].startswith("（《")


def test_example_questions_come_from_the_corpus_and_are_answered(base):
    questions = get(base, "/api/examples").json()["questions"]
    assert questions and all(isinstance(q, str) and q for q in questions)
    for q in questions:
        found = get(base, "/api/search", params={"q": q, "k": 3}).json()
        assert found["answered"] and found["results"], q


def test_pages_and_source_filter(base):
    one = get(base, "/api/search", params={"q": "共同富裕", "k": 3}).json()
    two = get(base, "/api/search", params={"q": "共同富裕", "k": 3, "page": 2}).json()
    both = get(base, "/api/search", params={"q": "共同富裕", "k": 6}).json()
    assert [r["id"] for r in one["results"] + two["results"]] == [r["id"] for r in both["results"]]
    assert two["offset"] == 3 and one["total"] == both["total"] > 6
    source = one["results"][0]["source_id"]
    scoped = get(base, "/api/search", params={"q": "共同富裕", "source": source}).json()
    assert scoped["results"] and {r["source_id"] for r in scoped["results"]} == {source}


@pytest.mark.parametrize("query, status, words", [
    ("q=", 400, "参数 q"),
    ("q=%20%20", 400, "参数 q"),
    ("q=" + "a" * 10_000, 400, "最多 200 个字"),
    ("q=" + "很" * 7_000, 400, "最多 200 个字"),  # 63 KB of percent-escapes
    ("q=%FF%FE", 400, "UTF-8"),
    ("q=%E5%85", 400, "UTF-8"),  # a character cut in half
    ("q=共同富裕&k=-1", 400, "k 应不小于 1"),
    ("q=共同富裕&k=0", 400, "k 应不小于 1"),
    ("q=共同富裕&k=100000000000000000000000", 400, "k 应不大于 50"),
    ("q=共同富裕&k=三", 400, "k 应为整数"),
    ("q=共同富裕&page=0", 400, "page 应不小于 1"),
    ("q=共同富裕&source=no-such-source", 400, "没有 id 为"),
])
def test_bad_searches_get_a_clear_4xx_json_error(base, query, status, words):
    response = httpx.get(f"{base}/api/search?{query}", timeout=30)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_a_url_beyond_the_parsers_64kb_is_refused_before_the_app(base):
    # uvicorn's HTTP parser keeps URL offsets in 16 bits: 10,000 CJK characters (90 KB escaped) never reach the
    # app and get the server's plain 400 (a proxy in front caps request lines far lower, nginx at 8 KB).
    # (httpx itself refuses such a URL, so plain http.client sends it.)
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    conn.request("GET", "/api/search?" + urlencode({"q": "很" * 10_000}))
    assert conn.getresponse().status == 400
    conn.close()
    assert get(base, "/healthz").status_code == 200


def test_unknown_paths_and_passages_are_json_404s(base):
    for path in ("/api/passages/nope", "/api/nothing-here", "/nothing"):
        response = get(base, path)
        assert response.status_code == 404 and response.json()["error"]


def test_passage_with_context_and_sources(base):
    hit = get(base, "/api/search", params={"q": QUESTION, "k": 1}).json()["results"][0]
    found = get(base, f"/api/passages/{hit['id']}", params={"around": 2}).json()
    assert found["text"] == hit["text"] and found["quote"] == hit["quote"]
    focus = [line for line in found["context"] if line["focus"]]
    assert [line["text"] for line in focus] == [hit["text"]] and 2 <= len(found["context"]) <= 5
    sources = get(base, "/api/sources").json()["sources"]
    assert hit["source_id"] in {s["id"] for s in sources} and all(s["passages"] > 0 for s in sources)
    assert get(base, f"/api/passages/{hit['id']}", params={"around": 99}).status_code == 400


def test_digest_downloads(base):
    docx = get(base, "/api/digest", params={"topic": "共同富裕"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "filename*=UTF-8''" in docx.headers["content-disposition"]
    md = get(base, "/api/digest", params={"topic": "共同富裕", "format": "md"})
    assert md.status_code == 200 and md.text.startswith("# 关于“共同富裕”的论述摘编")
    assert get(base, "/api/digest", params={"topic": "共同富裕", "format": "pdf"}).status_code == 400
    assert get(base, "/api/digest", params={"topic": ""}).status_code == 400


def test_health_and_openapi(base):
    health = get(base, "/healthz").json()
    assert health["status"] == "ok" and health["passages"] > 1000
    assert health["semantic"] is False  # the test corpus is not embedded (tests/test_vectors.py embeds one)
    paths = get(base, "/openapi.json").json()["paths"]
    assert {"/api/search", "/api/sources", "/api/passages/{passage_id}", "/api/digest", "/healthz"} <= set(paths)


def test_api_keys_are_an_allow_list(db_path, tmp_path):
    settings = settings_for(db_path, tmp_path, api_keys=frozenset({"k-alpha", "k-beta"}), dingtalk_app_secret=APP_SECRET)
    with running_service(settings) as base:
        assert get(base, "/api/search", params={"q": QUESTION}).status_code == 401
        assert get(base, "/api/search", params={"q": QUESTION}, headers={"X-API-Key": "wrong"}).status_code == 403
        assert get(base, "/api/search", params={"q": QUESTION}, headers={"X-API-Key": "k-beta"}).status_code == 200
        assert get(base, "/api/sources", params={"key": "k-alpha"}).status_code == 200
        assert get(base, "/healthz").status_code == 200 and get(base, "/").status_code == 200
        # A 摘编 link the DingTalk robot signed opens without a key; a tampered one does not.
        sig = dingtalk.link_signature(APP_SECRET, "共同富裕", "md")
        assert get(base, "/api/digest", params={"topic": "共同富裕", "format": "md", "sig": sig}).status_code == 200
        assert get(base, "/api/digest", params={"topic": "数字化", "format": "md", "sig": sig}).status_code == 401


def test_api_and_dingtalk_questions_reach_the_query_log(db_path, tmp_path):
    from assistant.state import connect
    from channel_support import APP_KEY, FakeWebhook, robot_message, signed_headers

    settings = settings_for(db_path, tmp_path, dingtalk_app_key=APP_KEY, dingtalk_app_secret=APP_SECRET,
                            dingtalk_mode="http")
    with FakeWebhook() as hook, running_service(settings) as base:
        get(base, "/api/search", params={"q": QUESTION})
        get(base, "/api/search", params={"q": QUESTION, "page": 2})  # a page turn is not a new question
        httpx.post(f"{base}/dingtalk/callback", json=robot_message("共同富裕", hook.url()), headers=signed_headers())
        hook.wait(1)
    db = connect(settings.state_db_path)  # the service flushed its log on the way out
    rows = sorted((r["channel"], r["query"], r["chat_kind"]) for r in db.query("select * from query_log"))
    db.close()
    assert rows == [("dingtalk", "共同富裕", "private"), ("http", QUESTION, "api")]
