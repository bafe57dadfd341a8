// The search page: plain DOM over the JSON API (/api/search, /api/sources, /api/passages/{id}, /api/digest).
// Text from the corpus is only ever set as textContent; highlighting splits it into text nodes and <mark>s.
"use strict";

const PAGE_SIZE = 10;
const TOTAL_CAP = 100; // engine.TOTAL_CAP: a search's total stops counting there ("100 or more")
const state = { query: "", source: "", page: 1, total: 0 };
const $ = (id) => document.getElementById(id);

// An API key given once as ?key=… (when the service has API_KEYS) is kept for later visits.
const params = new URLSearchParams(location.search);
if (params.get("key")) localStorage.setItem("apiKey", params.get("key"));
const apiKey = localStorage.getItem("apiKey") || "";

async function api(path) {
  const response = await fetch(path, { headers: apiKey ? { "X-API-Key": apiKey } : {} });
  const body = await response.json().catch(() => ({ error: "服务暂时不可用，请稍后再试" }));
  if (!response.ok) throw new Error(body.error || `请求失败（${response.status}）`);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// `text` as nodes with every occurrence of `terms` (longest first, overlaps merged) inside <mark>.
function highlighted(text, terms) {
  const spans = [];
  for (const term of [...terms].filter(Boolean).sort((a, b) => b.length - a.length)) {
    for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + term.length)) spans.push([at, at + term.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [a, b] of spans) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b); else merged.push([a, b]);
  }
  const nodes = [];
  let pos = 0;
  for (const [a, b] of merged) {
    if (a > pos) nodes.push(document.createTextNode(text.slice(pos, a)));
    nodes.push(el("mark", { text: text.slice(a, b) }));
    pos = b;
  }
  if (pos < text.length) nodes.push(document.createTextNode(text.slice(pos)));
  return nodes;
}

// Copy to the clipboard; the copied text is also left on window.lastCopied for anyone checking it.
async function copy(text, button) {
  window.lastCopied = text;
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {  // no Clipboard API (plain http on another host): the old way
    const area = el("textarea", { readonly: "" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "已复制";
  setTimeout(() => { button.textContent = "复制"; }, 1500);
}

async function toggleContext(hit, item, button) {
  const open = item.querySelector(".context");
  if (open) { open.remove(); button.textContent = "上下文"; return; }
  button.disabled = true;
  try {
    const found = await api(`/api/passages/${encodeURIComponent(hit.id)}?around=3`);
    const box = el("div", { class: "context" });
    for (const line of found.context) box.append(el("span", { class: line.focus ? "focus" : "", text: line.text }));
    item.append(box);
    button.textContent = "收起上下文";
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    button.disabled = false;
  }
}

// As in the chat (search/page.py): items of one list found on the page read in one quote under their lead-in
// (`joined`), and a quote whose words a quote above shows already is left out (`shown`: false); the status line
// still counts every result.
function renderHit(hit) {
  const { lead, list, quote } = hit.joined || hit;
  const item = el("li", { class: "hit", "data-id": hit.id });
  const copyButton = el("button", { type: "button", class: "plain copy", text: "复制" });
  copyButton.addEventListener("click", () => copy(quote, copyButton));
  const contextButton = el("button", { type: "button", class: "plain more", text: "上下文" });
  contextButton.addEventListener("click", () => toggleContext(hit, item, contextButton));
  item.append(
    el("p", { class: "quote" }, "“", lead ? el("span", { class: "intro", text: lead }) : "",
       ...highlighted(hit.text, hit.highlight), list ? el("span", { class: "intro", text: list }) : "", "”"),
    el("p", { class: "cite" }, hit.citation, hit.section ? el("br") : "",
       hit.section ? el("span", { class: "section", text: hit.section }) : ""),
    ...(hit.cited || []).map((c) => el("p", { class: "cited", text: `所引条款：${c.provision}「${c.text}」` })),
    el("div", { class: "actions" }, copyButton, contextButton),
  );
  return item;
}

function setStatus(text, warn = false) {
  $("status").textContent = text;
  $("status").className = warn ? "warn" : "";
}

async function search() {
  const q = new URLSearchParams({ q: state.query, k: PAGE_SIZE, page: state.page });
  if (state.source) q.set("source", state.source);
  // the address names the search, so a link to it (sent in a chat, bookmarked) opens it again
  const shown = new URLSearchParams({ q: state.query });
  if (state.source) shown.set("source", state.source);
  history.replaceState(null, "", `?${shown}`);
  setStatus("检索中…");
  try {
    const data = await api(`/api/search?${q}`);
    state.total = data.total;
    $("results").replaceChildren(...data.results.filter((hit) => hit.shown).map(renderHit));
    const first = data.offset + 1, last = data.offset + data.results.length;
    const capped = data.kind === "search" && data.total >= TOTAL_CAP;
    if (!data.results.length) setStatus(`没有找到与“${state.query}”相关的原文，可以换个说法或用更短的关键词。`, true);
    else setStatus((data.answered ? "" : "未找到直接回答的原文，以下是相关语句。")
                   + `第 ${first}–${last} 处，共 ${data.total}${capped ? "+" : ""} 处`, !data.answered);
    $("pager").hidden = data.total <= PAGE_SIZE;
    $("prev").disabled = state.page <= 1;
    $("next").disabled = capped ? data.results.length < PAGE_SIZE : last >= data.total;
    $("pageinfo").textContent = `第 ${state.page} 页`;
    showDigest(state.query);
  } catch (err) {
    $("results").replaceChildren();
    $("pager").hidden = true;
    setStatus(err.message, true);
  }
}

function showDigest(topic) {
  const short = topic.replace(/["“”]/g, "").trim().slice(0, 20);
  $("digest").hidden = !short;
  $("digest-topic").textContent = short;
  for (const format of ["docx", "md"]) {
    const q = new URLSearchParams({ topic: short, format });
    if (apiKey) q.set("key", apiKey);
    $(`digest-${format}`).href = `/api/digest?${q}`;
  }
}

// Sources grouped by kind (决定 / 实施方案 / 报告 …): the filter is one select with an optgroup per kind.
async function loadSources() {
  try {
    const { sources } = await api("/api/sources");
    const groups = new Map();
    for (const s of sources) {
      const kind = s.kind || "其他";
      if (!groups.has(kind)) groups.set(kind, el("optgroup", { label: kind }));
      groups.get(kind).append(el("option", { value: s.id, text: s.short }));
    }
    $("source").append(...groups.values());
  } catch (err) {
    setStatus(err.message, true);
  }
}

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  state.query = $("q").value.trim();
  state.source = $("source").value;
  state.page = 1;
  if (state.query) search();
});
$("prev").addEventListener("click", () => { state.page -= 1; search(); });
$("next").addEventListener("click", () => { state.page += 1; search(); });
// The placeholder shows a question this corpus answers (/api/examples: worked out from it and checked by searching).
api("/api/examples").then(({ questions }) => {
  if (questions.length) $("q").placeholder = `例如：${questions[0]}`;
}).catch(() => {});
loadSources().then(() => {  // a link ?q=…&source=… opens its search
  const asked = (params.get("q") || "").trim().slice(0, 200);
  if (!asked) return;
  $("q").value = state.query = asked;
  if (params.get("source")) $("source").value = state.source = params.get("source");
  state.source = $("source").value;  // an unknown source id leaves 全部文件
  search();
});
