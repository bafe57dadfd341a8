"""The DingTalk robot: signed HTTP callbacks end to end over loopback (the real `serve` app on uvicorn), replies
caught by a fake sessionWebhook; stream mode through the official SDK's own message objects and client."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import replace

import httpx
import pytest
from dingtalk_stream import AckMessage, CallbackMessage, ChatbotMessage, DingTalkStreamClient

from assistant.adapters import dingtalk
from assistant.runtime import open_core
from channel_support import APP_KEY, APP_SECRET, FakeWebhook, json_server, robot_message, running_service, settings_for, signed_headers

QUESTION = "山海协作工程"


def markdown(post: dict) -> str:
    assert post["msgtype"] == "markdown" and post["markdown"]["title"]
    return post["markdown"]["text"]


def quotes(text: str) -> list[str]:
    """The quoted corpus sentences of a markdown answer, markup removed."""
    found = re.findall(r"\*\*[①-⑳]\*\* “(.*?)”（《", text)
    return [re.sub(r"\\(.)", r"\1", q.replace("**", "")) for q in found]


@pytest.fixture(scope="module")
def http_mode(db_path, tmp_path_factory):
    settings = settings_for(db_path, tmp_path_factory.mktemp("dt"), dingtalk_app_key=APP_KEY,
                            dingtalk_app_secret=APP_SECRET, dingtalk_mode="http", public_url="http://intranet.example:8080")
    with FakeWebhook() as hook, running_service(settings) as base:
        yield base, hook


def post(base: str, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{base}/dingtalk/callback", json=body, headers=signed_headers() if headers is None else headers,
                      timeout=30)


def test_signature_is_dingtalks_documented_hmac():
    ts = "1577262236757"
    expected = base64.b64encode(hmac.new(b"secret", b"1577262236757\nsecret", hashlib.sha256).digest()).decode()
    assert dingtalk.sign(ts, "secret") == expected
    now = 1577262236757
    assert dingtalk.check_signature(ts, expected, "secret", now)[0] == 200
    assert dingtalk.check_signature(ts, expected, "secret", now + 3600_000)[0] == 200
    assert dingtalk.check_signature(ts, expected, "secret", now + 3600_001) == (403, "stale timestamp")
    assert dingtalk.check_signature(ts, expected, "other", now) == (403, "wrong signature")
    assert dingtalk.check_signature(None, expected, "secret", now) == (401, "unsigned")
    assert dingtalk.check_signature("abc", expected, "secret", now)[0] == 403


def test_private_question_is_answered_through_the_session_webhook(http_mode, db_path):
    base, hook = http_mode
    start = len(hook.posts)
    assert post(base, robot_message(QUESTION, hook.url("private"))).status_code == 200
    reply = hook.wait(start + 1)[start]
    assert reply["path"].endswith("session=private") and "at" not in reply
    text = markdown(reply)
    api = httpx.get(f"{base}/api/search", params={"q": QUESTION, "k": 3}).json()["results"]
    assert quotes(text) == [r["text"] for r in api]  # the same quotes, in the same order, as the API
    assert api[0]["citation"].replace("（", "").replace("）", "") in text.replace("\\", "").replace("（", "").replace("）", "")
    assert "“下一页”" in text and "“上下文 1～3”" in text  # the follow-up commands, listed under the answer


def test_follow_up_commands_page_and_show_context(http_mode):
    base, hook = http_mode
    staff = "staff-follow"
    n = len(hook.posts)
    post(base, robot_message("共同富裕", hook.url(), staff=staff))
    first = quotes(markdown(hook.wait(n + 1)[n]))
    post(base, robot_message("下一页", hook.url(), staff=staff))
    second = quotes(markdown(hook.wait(n + 2)[n + 1]))
    assert len(first) == len(second) == 3 and not set(first) & set(second)
    both = httpx.get(f"{base}/api/search", params={"q": "共同富裕", "k": 6}).json()["results"]
    assert first + second == [r["text"] for r in both]
    post(base, robot_message("上下文 2", hook.url(), staff=staff))
    context = markdown(hook.wait(n + 3)[n + 2]).replace("\\", "")
    assert f"**{second[1]}**" in context  # the quote itself, bold, among its neighbours
    # Someone else typing 下一页 has no answer to page: it is just a question for them.
    post(base, robot_message("上下文 2", hook.url(), staff="staff-other"))
    assert second[1] not in markdown(hook.wait(n + 4)[n + 3]).replace("\\", "")


def test_follow_ups_typed_loosely_on_a_phone_still_press_them(http_mode):
    """下一条。/更多 page like 下一页; 上下文 ② and full-width digits pick the quote; anything else is a question."""
    base, hook = http_mode
    staff = "staff-loose"
    n = len(hook.posts)
    post(base, robot_message("共同富裕", hook.url(), staff=staff))
    pages = [quotes(markdown(hook.wait(n + 1)[n]))]
    for i, typed in enumerate(("下一条。", "更多", "上一条"), 1):
        post(base, robot_message(typed, hook.url(), staff=staff))
        pages.append(quotes(markdown(hook.wait(n + 1 + i)[n + i])))
    ranked = [r["text"] for r in httpx.get(f"{base}/api/search", params={"q": "共同富裕", "k": 9}).json()["results"]]
    assert pages == [ranked[:3], ranked[3:6], ranked[6:9], ranked[3:6]]
    post(base, robot_message("上下文 ②", hook.url(), staff=staff))
    assert f"**{ranked[4]}**" in markdown(hook.wait(n + 5)[n + 4]).replace("\\", "")
    post(base, robot_message("更多共同富裕", hook.url(), staff=staff))  # not a follow-up: searched as typed
    assert "“更多共同富裕”" in markdown(hook.wait(n + 6)[n + 5]).replace("\\", "")


def test_group_answers_only_when_mentioned_and_mentions_the_asker(http_mode):
    base, hook = http_mode
    n = len(hook.posts)
    assert post(base, robot_message(QUESTION, hook.url("group-quiet"), group=True, at=False)).status_code == 200
    assert post(base, robot_message(QUESTION, hook.url("group-at"), staff="staff-g", group=True)).status_code == 200
    reply = hook.wait(n + 1)[n]
    time.sleep(0.5)  # the unmentioned message, had it been answered, would have arrived by now
    assert [p["path"].split("=")[-1] for p in hook.posts[n:]] == ["group-at"]
    assert reply["at"]["atUserIds"] == ["staff-g"] and quotes(markdown(reply))


@pytest.mark.parametrize("headers, status, reason", [
    ({}, 401, "unsigned"),
    ({"timestamp": str(int(time.time() * 1000)), "sign": "bm90LXRoZS1zaWdu"}, 403, "wrong signature"),
    (signed_headers(secret="someone-elses-secret"), 403, "wrong signature"),
    (signed_headers(timestamp_ms=int(time.time() * 1000) - 3601_000), 403, "stale timestamp"),
])
def test_unsigned_wrong_or_stale_callbacks_are_refused_and_logged(http_mode, caplog, headers, status, reason):
    base, hook = http_mode
    n = len(hook.posts)
    with caplog.at_level(logging.WARNING, logger="assistant.adapters.dingtalk"):
        response = post(base, robot_message(QUESTION, hook.url()), headers=headers)
    assert response.status_code == status and response.json()["error"]
    assert any(reason in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)
    time.sleep(0.3)
    assert len(hook.posts) == n  # nothing answered


def test_a_body_that_is_not_a_robot_message_is_a_400(http_mode):
    base, _ = http_mode
    assert post(base, {"hello": 1}).status_code == 400
    response = httpx.post(f"{base}/dingtalk/callback", content=b"\xff not json", headers=signed_headers(), timeout=30)
    assert response.status_code == 400


def test_oversized_answers_are_split_then_trimmed_with_a_pointer(http_mode, monkeypatch):
    base, hook = http_mode
    monkeypatch.setattr(dingtalk, "MAX_MARKDOWN_CHARS", 300)  # read at send time by the running service
    n = len(hook.posts)
    post(base, robot_message("共同富裕", hook.url(), staff="staff-big"))  # three quotes: far over 2 × 300 characters
    sent = [markdown(p) for p in hook.wait(n + dingtalk.MAX_MESSAGES)[n:]]
    time.sleep(0.5)
    assert len(hook.posts) == n + dingtalk.MAX_MESSAGES and all(len(t) <= 300 for t in sent)
    assert "余下部分未显示；回复“下一页”继续" in sent[-1] and "可回复：" in sent[-1]


def test_digest_links_the_word_file_from_the_http_service(http_mode):
    base, hook = http_mode
    n = len(hook.posts)
    post(base, robot_message("/digest 共同富裕", hook.url(), staff="staff-digest"))
    text = markdown(hook.wait(n + 1)[n])
    link = re.search(r"\[下载 Word\]\((http://intranet\.example:8080)(/api/digest\?[^)]+)\)", text)
    assert "论述摘编" in text and link
    docx = httpx.get(base + link.group(2), timeout=60)  # the same service, as the link's host would reach it
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_access_list_by_staff_id(db_path, tmp_path):
    settings = settings_for(db_path, tmp_path, dingtalk_app_key=APP_KEY, dingtalk_app_secret=APP_SECRET,
                            dingtalk_mode="http", dingtalk_allowed=frozenset({"staff-ok"}))
    with FakeWebhook() as hook, running_service(settings) as base:
        post(base, robot_message(QUESTION, hook.url(), staff="staff-stranger"))
        assert "仅向授权用户开放" in markdown(hook.wait(1)[0])
        post(base, robot_message(QUESTION, hook.url(), staff="staff-ok"))
        assert quotes(markdown(hook.wait(2)[1]))


# Stream mode ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stream_robot(db_path, tmp_path_factory):
    settings = settings_for(db_path, tmp_path_factory.mktemp("st"), dingtalk_app_key=APP_KEY,
                            dingtalk_app_secret=APP_SECRET)
    core = open_core(settings)
    return dingtalk.Robot(core, settings), settings


def sdk_callback(body: dict) -> CallbackMessage:
    """A robot message framed as the SDK receives it from DingTalk's gateway."""
    return CallbackMessage.from_dict({
        "specVersion": "1.0", "type": "CALLBACK",
        "headers": {"topic": ChatbotMessage.TOPIC, "messageId": "m-1", "contentType": "application/json",
                    "time": str(int(time.time() * 1000)), "appId": "app-1"},
        "data": json.dumps(body, ensure_ascii=False),
    })


def test_stream_handler_answers_the_sdks_message_objects(stream_robot):
    robot, _ = stream_robot
    with FakeWebhook() as hook:
        async def run() -> AckMessage:
            sender = dingtalk.WebhookSender()
            handler = dingtalk.StreamHandler(robot, sender)
            ack = await handler.raw_process(sdk_callback(robot_message(QUESTION, hook.url())))
            await asyncio.gather(*handler.pending)
            await sender.close()
            return ack

        ack = asyncio.run(run())
        assert ack.code == AckMessage.STATUS_OK and ack.headers.message_id == "m-1"
        assert quotes(markdown(hook.wait(1)[0]))


def test_stream_client_against_a_local_fake_gateway(stream_robot, monkeypatch):
    """The SDK's own client: opens a connection at the (fake) OpenAPI endpoint, takes a robot message off the
    WebSocket, acknowledges it, and the answer reaches the sessionWebhook."""
    import websockets

    robot, settings = stream_robot
    acks: list[dict] = []
    opened: list[dict] = []

    async def scenario(hook: FakeWebhook) -> None:
        async def gateway(ws) -> None:
            frame = {"specVersion": "1.0", "type": "CALLBACK",
                     "headers": {"topic": ChatbotMessage.TOPIC, "messageId": "gw-1", "contentType": "application/json"},
                     "data": json.dumps(robot_message(QUESTION, hook.url("stream")), ensure_ascii=False)}
            await ws.send(json.dumps(frame, ensure_ascii=False))
            acks.append(json.loads(await ws.recv()))
            await ws.wait_closed()

        async with websockets.serve(gateway, "127.0.0.1", 0) as ws_server:
            ws_port = ws_server.sockets[0].getsockname()[1]

            def open_connection(path: str, body: dict) -> dict:
                opened.append(body)
                return {"endpoint": f"ws://127.0.0.1:{ws_port}/connect", "ticket": "t-1"}

            api = json_server(open_connection)
            monkeypatch.setattr(DingTalkStreamClient, "OPEN_CONNECTION_API",
                                f"http://127.0.0.1:{api.server_address[1]}/v1.0/gateway/connections/open")
            sender = dingtalk.WebhookSender()
            task = asyncio.create_task(dingtalk.serve_stream(robot, settings, sender))
            try:
                await asyncio.to_thread(hook.wait, 1, 30)
            finally:
                task.cancel()
                await asyncio.wait([task], timeout=10)
                await sender.close()
                api.shutdown()
            assert task.done()

    with FakeWebhook() as hook:
        asyncio.run(scenario(hook))
        assert opened[0]["clientId"] == APP_KEY and opened[0]["subscriptions"] == [
            {"type": "CALLBACK", "topic": ChatbotMessage.TOPIC}]
        assert acks and acks[0]["code"] == 200 and acks[0]["headers"]["messageId"] == "gw-1"
        assert quotes(markdown(hook.posts[0])) and hook.posts[0]["path"].endswith("session=stream")
