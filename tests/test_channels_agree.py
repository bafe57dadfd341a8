"""One question over all four channels — Telegram (fake Bot API), DingTalk (signed callback, fake sessionWebhook),
the HTTP API and the search page in chromium — gives the same quotes in the same order."""
from __future__ import annotations

import html
import re

import httpx
from browser_support import chromium
from channel_support import APP_KEY, APP_SECRET, FakeWebhook, robot_message, running_service, settings_for, signed_headers
from fake_bot_api import serving
from assistant.runtime import open_core

SHOWN = 3  # a chat answer shows three quotes; the API and the page are asked for the same first three


QUERIES = ("山海协作工程", "数字化改革 营商环境", "共同富裕示范区的主要目标是什么")


def test_every_channel_quotes_the_same_passages_in_the_same_order(db_path, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    settings = settings_for(db_path, tmp_path, dingtalk_app_key=APP_KEY, dingtalk_app_secret=APP_SECRET,
                            dingtalk_mode="http")
    with FakeWebhook() as hook, running_service(settings) as base, chromium() as driver, \
            serving(open_core(settings), db_path) as bot_api:
        for n, query in enumerate(QUERIES, 1):
            api = [r["text"] for r in httpx.get(f"{base}/api/search", params={"q": query, "k": SHOWN}).json()["results"]]

            httpx.post(f"{base}/dingtalk/callback", json=robot_message(query, hook.url()), headers=signed_headers())
            text = hook.wait(n)[n - 1]["markdown"]["text"]
            ding = [re.sub(r"\\(.)", r"\1", q.replace("**", "")) for q in re.findall(r"\*\*[①-⑳]\*\* “(.*?)”（《", text)]

            bot_api.message(query, user_id=4242 + n)
            sent = bot_api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == 4242 + n).params["text"]
            telegram = [html.unescape(re.sub(r"<[^>]+>", "", q)) for q in re.findall(r"「(.*?)」", sent, flags=re.S)]

            driver.get(base + "/")
            driver.find_element(By.ID, "q").send_keys(query)
            driver.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
            WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results .hit"))
            page = [e.text.strip("“”") for e in driver.find_elements(By.CSS_SELECTOR, "#results .hit .quote")][:SHOWN]

            assert len(api) == SHOWN, query
            assert ding == page == api, query
            # Telegram shows a very long sentence as its matched clauses, the cuts marked ……: the same passage, elided.
            assert len(telegram) == SHOWN and all(elided_from(t, a) for t, a in zip(telegram, api)), (telegram, api)


def elided_from(shown: str, full: str) -> bool:
    """Whether `shown` is `full`, or verbatim runs of it, in order, joined by ……."""
    at = 0
    for piece in filter(None, shown.split("……")):
        at = full.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return shown == full or "……" in shown
