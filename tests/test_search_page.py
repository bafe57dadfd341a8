"""The desktop search page in a real browser (Debian's chromium via Selenium), served by the real `serve` app."""
from __future__ import annotations

import httpx
import pytest

from browser_support import chromium, grant_clipboard
from channel_support import running_service, settings_for

QUESTION = "山海协作工程"
WAIT = 20


@pytest.fixture(scope="module")
def base(db_path, tmp_path_factory):
    with running_service(settings_for(db_path, tmp_path_factory.mktemp("page"))) as url:
        yield url


def search(driver, base: str, query: str) -> list:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query)
    driver.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results .hit")))
    return driver.find_elements(By.CSS_SELECTOR, "#results .hit")


def quote_text(hit) -> str:
    from selenium.webdriver.common.by import By

    return hit.find_element(By.CSS_SELECTOR, ".quote").text.strip("“”")


def shown(driver) -> list[str]:
    """The quotes on the page, read in one script call (a list being replaced cannot go stale mid-read)."""
    script = "return [...document.querySelectorAll('#results .hit .quote')].map(e => e.textContent)"
    return [t.strip("“”") for t in driver.execute_script(script)]


def test_type_a_question_see_the_right_quote_first_and_copy_it(base, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    api = httpx.get(f"{base}/api/search", params={"q": QUESTION, "k": 10}).json()["results"]
    with chromium() as driver:
        grant_clipboard(driver, base)
        hits = search(driver, base, QUESTION)
        shown_api = [r.get("joined", r) | {"text": r["text"]} for r in api if r["shown"]]
        assert [quote_text(h) for h in hits] == [r["lead"] + r["text"] + r["list"] for r in shown_api]  # list context
        first = hits[0]
        assert "山海协作" in quote_text(first)
        marks = [m.text for m in first.find_elements(By.CSS_SELECTOR, ".quote mark")]
        assert marks and all(m in api[0]["highlight"] or any(t in m for t in api[0]["highlight"]) for m in marks)
        assert api[0]["citation"] in first.find_element(By.CSS_SELECTOR, ".cite").text

        first.find_element(By.CSS_SELECTOR, "button.copy").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return window.lastCopied"))
        clipboard = driver.execute_async_script(
            "const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('ERR ' + e));")
        assert clipboard == api[0]["quote"] == f"“{api[0]['text']}”{api[0]['citation']}"
        driver.save_screenshot(str(tmp_path / "desktop.png"))

        first.find_element(By.CSS_SELECTOR, "button.more").click()
        WebDriverWait(driver, WAIT).until(lambda d: first.find_elements(By.CSS_SELECTOR, ".context .focus"))
        assert first.find_element(By.CSS_SELECTOR, ".context .focus").text == api[0]["text"]


def test_a_link_to_a_search_opens_it_and_the_address_follows_the_search(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    api = httpx.get(f"{base}/api/search", params={"q": QUESTION, "k": 10}).json()["results"]
    with chromium() as driver:
        driver.get(f"{base}/?q={QUESTION}")
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results .hit"))
        assert shown(driver) == [r["lead"] + r["text"] + r["list"] for r in api]
        assert driver.find_element(By.ID, "q").get_attribute("value") == QUESTION
        search(driver, base, "共同富裕")
        assert "q=%E5%85%B1%E5%90%8C%E5%AF%8C%E8%A3%95" in driver.current_url  # 共同富裕: a link to this page
        driver.get(f"{base}/")  # nothing asked: no results, no pager, a question this corpus answers as the hint
        assert not driver.find_element(By.ID, "pager").is_displayed()
        example = httpx.get(f"{base}/api/examples").json()["questions"][0]
        WebDriverWait(driver, WAIT).until(
            lambda d: d.find_element(By.ID, "q").get_attribute("placeholder") == f"例如：{example}")


def test_source_filter_paging_and_digest_links(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    with chromium() as driver:
        hits = search(driver, base, "共同富裕")
        first_page = [quote_text(h) for h in hits]
        assert len(first_page) == 10
        driver.find_element(By.ID, "next").click()
        WebDriverWait(driver, WAIT).until(lambda d: shown(d)[:1] != first_page[:1])
        both = httpx.get(f"{base}/api/search", params={"q": "共同富裕", "k": 10, "page": 2}).json()["results"]
        assert shown(driver) == [r["text"] for r in both]

        docx = driver.find_element(By.ID, "digest-docx").get_attribute("href")
        assert httpx.get(docx, timeout=60).content[:2] == b"PK"

        sources = httpx.get(f"{base}/api/sources").json()["sources"]
        target = next(s for s in sources if s["kind"]) if any(s["kind"] for s in sources) else sources[0]
        Select(driver.find_element(By.ID, "source")).select_by_value(target["id"])
        driver.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
        WebDriverWait(driver, WAIT).until(lambda d: "第 1–" in d.find_element(By.ID, "status").text)
        scoped = httpx.get(f"{base}/api/search", params={"q": "共同富裕", "k": 10, "source": target["id"]}).json()
        assert shown(driver) == [r["text"] for r in scoped["results"]]
        groups = [g.get_attribute("label") for g in driver.find_elements(By.CSS_SELECTOR, "#source optgroup")]
        assert len(groups) == len({s["kind"] or "其他" for s in sources})


def test_phone_width_has_no_sideways_scroll(base, tmp_path):
    with chromium(390, 844) as driver:
        search(driver, base, QUESTION)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        driver.save_screenshot(str(tmp_path / "phone.png"))


def test_an_error_is_shown_not_swallowed(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium() as driver:
        driver.get(base + "/")
        driver.execute_script("document.getElementById('q').removeAttribute('maxlength')")
        driver.find_element(By.ID, "q").send_keys("很" * 300)
        driver.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
        WebDriverWait(driver, WAIT).until(lambda d: "最多 200 个字" in d.find_element(By.ID, "status").text)


def test_an_item_its_lead_in_shows_with_the_whole_list_is_not_shown_again(tmp_path):
    """As in the chat: 有下列行为之一的…：（一）…（三）… then （一）冒用他人居住证 would repeat what the first says; and two
    items of one list found on a page read in one quote under their lead-in, which the copy button copies."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from regulation_support import plan_with_regulations
    from test_list_items import PERMITS

    rules = tmp_path / "permits.md"
    rules.write_text(PERMITS, encoding="utf-8")
    db = plan_with_regulations(tmp_path, "某某实施方案\n一、总体要求\n推进居住登记。\n", [rules])
    query, fined = "公安机关给予警告罚款 冒用居住证", "骗领和伪造居住证罚多少"
    with running_service(settings_for(db, tmp_path)) as url:
        api = httpx.get(f"{url}/api/search", params={"q": query, "k": 10}).json()["results"]
        assert [r["text"][:4] for r in api[:2]] == ["有下列行", "（一）冒"]  # the API keeps both
        joined = next(r for r in httpx.get(f"{url}/api/search", params={"q": fined, "k": 10}).json()["results"]
                      if "joined" in r)
        with chromium() as driver:
            grant_clipboard(driver, url)
            search(driver, url, query)
            quotes = shown(driver)
            hits = search(driver, url, fined)
            WebDriverWait(driver, WAIT).until(lambda d: any("（二）骗领居住证的" in q for q in shown(d)))
            listed = shown(driver)
            card = next(h for h in hits if "（二）骗领居住证的" in quote_text(h))
            card.find_element(By.CSS_SELECTOR, "button.copy").click()
            WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return window.lastCopied"))
            clipboard = driver.execute_async_script(
                "const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('ERR ' + e));")
    assert quotes[0].endswith("（三）非法扣押他人居住证。") and len(quotes) < len(api)
    assert not any(q.startswith("有下列行为之一的，由公安机关") for q in quotes[1:])  # its items are read in the first
    assert "居住证持有人享有下列便利。" in quotes  # what no quote above shows stays
    both = joined["joined"]["lead"] + joined["text"] + joined["joined"]["list"]
    assert "（一）伪造居住证的；（二）骗领居住证的。" in both and both in listed
    assert sum(q.startswith("经营者有下列情形之一") for q in listed) == 1  # the long lead-in read once
    assert clipboard == joined["joined"]["quote"]
