"""Generated government web pages (made-up documents in the shape of real ones) for the HTML reader.

Each page wraps a document in the furniture of a 政府门户网站: header and navigation, breadcrumb, the metadata
block above the text (索引号, 发布机构 …), a share/print bar, related links and a footer with ICP/网站标识码. Every
string of that furniture is listed in FURNITURE, so a test can assert none of it reaches a passage.
"""
from __future__ import annotations

from pathlib import Path

SITE = "某省人民政府门户网站"

FURNITURE = (
    SITE, "首页", "政务公开", "政策文件", "当前位置", "索引号", "发布机构", "发文字号", "成文日期", "主题分类",
    "打印本页", "关闭窗口", "字号", "分享到", "相关链接", "上一篇", "下一篇", "主办单位", "ICP备", "网站标识码",
    "版权所有", "联系我们", "浏览次数", "无障碍", "扫一扫", "showSubMenu", "统计代码", "display",
)


def page(title: str, article: str, *, charset: str = "utf-8", metadata: str = "", head_title: str | None = None) -> str:
    """A portal page holding `article` (the HTML of the document's text, title included)."""
    head_title = f"{title}_{SITE}" if head_title is None else head_title
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta name="ArticleTitle" content="{title}">
<title>{head_title}</title>
<link rel="stylesheet" href="/css/style.css">
<style>.nav li {{ float: left; }} .hide {{ display: none; }}</style>
<script>var _hmt = _hmt || []; function showSubMenu(id) {{ document.getElementById(id).style.display = "block"; }}</script>
</head>
<body>
<!-- 统计代码 开始 -->
<div class="topbar"><div class="w1200"><span>欢迎访问{SITE}</span>
  <a href="/wza/">无障碍</a> <a href="/fz/">繁体版</a> <a href="/en/">English</a></div></div>
<div class="header"><div class="w1200"><h1 class="logo"><a href="/"><img src="/logo.png" alt="{SITE}">{SITE}</a></h1>
  <form class="search" action="/search"><input type="text" name="q" value="请输入关键词"><button>搜索</button></form></div></div>
<div class="nav"><ul>
  <li><a href="/">首页</a></li><li><a href="/zwgk/" onmouseover="showSubMenu('m1')">政务公开</a>
    <ul id="m1" style="display:none"><li><a href="/zcwj/">政策文件</a></li><li><a href="/zcjd/">政策解读</a></li></ul></li>
  <li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjmq/">走进某省</a></li>
</ul></div>
<div class="w1200 main">
  <div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zcwj/">政策文件</a></div>
  <div class="article">
{metadata}
{article}
    <div class="article-tools">
      <span>【字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</span>
      <span class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></span>
      <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a>
    </div>
    <div class="pre-next"><p>上一篇：<a href="/art/1.html">某省人民政府关于公布省级非物质文化遗产名录的通知</a></p>
      <p>下一篇：<a href="/art/3.html">某省人民政府办公厅关于加强安全生产工作的意见</a></p></div>
  </div>
  <div class="related"><h3>相关链接</h3><ul>
    <li><a href="/jd/1.html">图解：一图读懂农村公路养护新规</a></li>
    <li><a href="/jd/2.html">政策解读：农村公路养护管理有了新要求</a></li>
    <li><a href="/jd/3.html">省交通运输厅负责人就办法出台答记者问</a></li></ul></div>
</div>
<div class="footer"><div class="w1200">
  <p><a href="/about/">关于本网</a> | <a href="/sitemap/">网站地图</a> | <a href="/contact/">联系我们</a></p>
  <p>主办单位：某省人民政府办公厅　承办单位：某省大数据发展管理局</p>
  <p>版权所有 © 某省人民政府　某ICP备05012345号-1　网站标识码：9900000001</p>
  <p>扫一扫在手机打开当前页</p>
</div></div>
<script>document.write('<span>浏览次数：1024</span>');</script>
</body>
</html>
"""


METADATA = """    <table class="xxgk-table">
      <tr><td class="label">索引号：</td><td>002482999/2024-00123</td><td class="label">主题分类：</td><td>交通运输</td></tr>
      <tr><td class="label">发布机构：</td><td>某省人民政府</td><td class="label">发文字号：</td><td>某省人民政府令第999号</td></tr>
      <tr><td class="label">成文日期：</td><td>2024年3月10日</td><td class="label">发布日期：</td><td>2024-03-12</td></tr>
    </table>"""

RULE_TITLE = "某省农村公路养护管理办法"
# The portal page: the order promulgating a government rule, the rule with its articles, a table in the text.
RULE_ARTICLE = f"""    <div class="article-title">{RULE_TITLE}</div>
    <div class="article-info"><span>发布日期：2024-03-12</span>　<span>来源：某省人民政府办公厅</span>　<span>浏览次数：<b id="hits">2048</b></span></div>
    <div class="article-content"><div class="TRS_Editor"><div class="Custom_UnionStyle">
      <p style="text-align:center">某省人民政府令</p>
      <p style="text-align:center">第999号</p>
      <p style="text-indent:2em">《某省农村公路养护管理办法》已经2024年3月1日省人民政府第20次常务会议审议通过，现予公布，自2024年5月1日起施行。</p>
      <p style="text-align:right">省长　某某</p>
      <p style="text-align:right">2024年3月10日</p>
      <p style="text-align:center"><strong>{RULE_TITLE}</strong></p>
      <p style="text-indent:2em">第一条　为了加强农村公路养护管理，保障农村公路完好、安全、畅通，根据有关法律、行政法规，结合本省实际，制定本办法。</p>
      <p style="text-indent:2em">第二条　县级人民政府是农村公路养护管理的责任主体，负责组织本行政区域内农村公路的养护工作。</p>
      <p style="text-indent:2em">乡（镇）人民政府、街道办事处应当做好本辖区内乡道、村道的日常养护工作。</p>
      <p style="text-indent:2em">第三条　农村公路养护资金按照下列标准安排：</p>
      <table border="1" cellspacing="0" style="width:90%">
        <tr><th>公路类别</th><th>养护资金标准</th><th>资金来源</th></tr>
        <tr><td>县道</td><td>每公里每年不低于一万元</td><td rowspan="2">省级补助和县级财政</td></tr>
        <tr><td>乡道</td><td>每公里每年不低于五千元</td></tr>
        <tr><td>村道</td><td colspan="2">每公里每年不低于三千元，由县级财政安排</td></tr>
      </table>
      <p style="text-indent:2em">第四条　禁止在农村公路上打场晒粮、堆放物品。违反规定的，由县级交通运输主管部门责令改正&#65292;可以处五百元以下罚款。</p>
      <p style="text-indent:2em">第五条　本办法自2024年5月1日起施行。</p>
    </div></div></div>"""

# A GBK page (<meta charset="gb2312">, a GBK-only character: 喆), entities, ideographic indents.
GBK_TITLE = "某市犬只管理规定"
GBK_ARTICLE = f"""    <h2 class="title">{GBK_TITLE}</h2>
    <div id="zoom" class="zoom">
      <p>（2022年6月28日某市第十五届人民代表大会常务委员会第三次会议通过　2022年9月29日某省第十三届人民代表大会常务委员会第三十九次会议批准）</p>
      <p>&#12288;&#12288;第一条&nbsp;&nbsp;为了规范养犬行为，保障公民健康和人身安全，维护市容环境和社会公共秩序，制定本规定。</p>
      <p>&#12288;&#12288;第二条&nbsp;&nbsp;本市实行养犬登记制度。个人养犬的，应当向居住地的公安机关申请&ldquo;养犬登记证&rdquo;。</p>
      <p>&#12288;&#12288;第三条&nbsp;&nbsp;携犬出户时，应当为犬只束犬链，犬链长度不得超过1.5米；在电梯等拥挤场合，应当收紧犬链。</p>
      <p>&#12288;&#12288;第四条&nbsp;&nbsp;犬只伤人的，养犬人应当立即将受害人送至医疗机构诊治，并先行垫付医疗费用（例如王喆诉李某案）。</p>
      <p>&#12288;&#12288;第五条&nbsp;&nbsp;本规定自2023年1月1日起施行。</p>
    </div>"""
GBK_SENTENCES = (
    "为了规范养犬行为，保障公民健康和人身安全，维护市容环境和社会公共秩序，制定本规定。",
    "本市实行养犬登记制度。",
    "个人养犬的，应当向居住地的公安机关申请“养犬登记证”。",
    "犬只伤人的，养犬人应当立即将受害人送至医疗机构诊治，并先行垫付医疗费用（例如王喆诉李某案）。",
)

# Articles separated by <br> in one block, as older content systems save them; one article wraps over a <br>.
BR_TITLE = "某县农村生活垃圾分类管理办法"
BR_ARTICLE = f"""    <div class="title"><h3>{BR_TITLE}</h3></div>
    <div class="content" style="font-size:16px">
      第一条　为了推进农村生活垃圾分类，改善农村人居环境，制定本办法。<br>
      第二条　本办法适用于本县行政区域内农村生活垃圾的分类投放、收集、运输和处理。<br><br>
      第三条　农村生活垃圾分为下列四类：<br>
      （一）可回收物；<br>
      （二）有害垃圾；<br>
      （三）易腐垃圾；<br>
      （四）其他垃圾。<br>
      第四条　村民委员会应当将垃圾分类要求纳入村规民约，<br>
      引导村民自觉分类投放。<br>
      第五条　本办法自2025年1月1日起施行。
    </div>"""

# An <h1> title, chapter headings in <strong> inside <p>, an issuer and date line in the text.
H1_TITLE = "某市公共文化服务保障条例"
H1_ARTICLE = f"""    <h1>{H1_TITLE}</h1>
    <div class="bd"><div class="TRS_Editor">
      <p style="text-align:center">（2023年8月30日某市第十六届人民代表大会常务委员会第十二次会议通过　2023年11月24日某省第十四届人民代表大会常务委员会第六次会议批准）</p>
      <p style="text-align:center"><strong>第一章　总　　则</strong></p>
      <p style="text-indent:2em">第一条　为了加强公共文化服务体系建设，保障公民基本文化权益，制定本条例。</p>
      <p style="text-indent:2em">第二条　市、区人民政府应当将公共文化服务纳入国民经济和社会发展规划。</p>
      <p style="text-align:center"><strong>第二章　设施建设</strong></p>
      <p style="text-indent:2em">第三条　公共图书馆、文化馆应当免费向公众开放，每周开放时间不少于五十六小时。</p>
      <p style="text-indent:2em">第四条　新建居住区应当按照规定配套建设综合性文化服务设施。</p>
      <p style="text-align:center"><strong>第三章　附　　则</strong></p>
      <p style="text-indent:2em">第五条　本条例自2024年1月1日起施行。</p>
    </div></div>"""


def write_pages(folder: Path) -> dict[str, Path]:
    """The four portal pages, named by what they test."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "rule.html": page(RULE_TITLE, RULE_ARTICLE, metadata=METADATA).encode("utf-8"),
        "dogs.htm": page(GBK_TITLE, GBK_ARTICLE, charset="gb2312").encode("gb18030"),
        "waste.html": page(BR_TITLE, BR_ARTICLE).encode("utf-8"),
        "culture.html": page(H1_TITLE, H1_ARTICLE, head_title=f"{SITE} - {H1_TITLE}").encode("utf-8"),
    }
    out = {}
    for name, data in pages.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


# An older site laid out in nested tables (GB2312), the title in a <td class="biaoti">, paragraphs wrapped in
# <font>, the notice's signature in a row of its own below the text, attachments as links.
NOTICE_TITLE = "某市人民政府办公室关于做好2025年度防汛防台工作的通知"
NOTICE_SENTENCES = (
    "各县（市、区）人民政府，市政府直属各单位：",
    "为切实做好2025年度防汛防台工作，确保人民群众生命财产安全，经市政府同意，现就有关事项通知如下。",
    "一、压实防汛责任",
    "各地要严格落实以行政首长负责制为核心的防汛防台责任制，逐级明确责任人。",
    "二、加强隐患排查",
    "各有关部门要在5月底前完成水库、堤防、山塘的隐患排查，建立问题清单并限期整改。",
)
NOTICE_PAGE = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{NOTICE_TITLE}</title></head>
<body topmargin="0">
<table width="1000" align="center" cellpadding="0" cellspacing="0">
  <tr><td><img src="/images/top.jpg"></td></tr>
  <tr><td class="menu"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/bsfw/">办事服务</a> | <a href="/hdjl/">互动交流</a></td></tr>
  <tr><td>您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/tzgg/">通知公告</a></td></tr>
</table>
<table width="1000" align="center">
  <tr><td width="220" valign="top"><table><tr><td><a href="/a">机构设置</a></td></tr><tr><td><a href="/b">领导信息</a></td></tr>
      <tr><td><a href="/c">政策文件</a></td></tr><tr><td><a href="/d">规划计划</a></td></tr></table></td>
    <td valign="top"><table width="100%">
      <tr><td class="biaoti" align="center"><b>{NOTICE_TITLE}</b></td></tr>
      <tr><td align="center">发布时间：2025-04-02　　浏览次数：<span id="count">315</span></td></tr>
      <tr><td id="zoom"><font style="font-size:16px">
        <p>{NOTICE_SENTENCES[0]}</p>
        <p>&nbsp;&nbsp;&nbsp;&nbsp;{NOTICE_SENTENCES[1]}</p>
        <p>&nbsp;&nbsp;&nbsp;&nbsp;<b>{NOTICE_SENTENCES[2]}</b></p>
        <p>&nbsp;&nbsp;&nbsp;&nbsp;{NOTICE_SENTENCES[3]}</p>
        <p>&nbsp;&nbsp;&nbsp;&nbsp;<b>{NOTICE_SENTENCES[4]}</b></p>
        <p>&nbsp;&nbsp;&nbsp;&nbsp;{NOTICE_SENTENCES[5]}</p>
      </font></td></tr>
      <tr><td align="right"><p>某市人民政府办公室</p><p>2025年4月1日</p></td></tr>
      <tr><td>附件：<a href="/att/1.doc">1.防汛防台责任人名单.doc</a></td></tr>
      <tr><td align="center"><a href="javascript:window.print()">【打印本页】</a>　<a href="javascript:window.close()">【关闭窗口】</a></td></tr>
    </table></td></tr>
</table>
<table width="1000" align="center"><tr><td align="center">主办：某市人民政府办公室　版权所有　某ICP备12345678号<br>网站标识码：9901000002</td></tr></table>
</body></html>
"""


def write_notice(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notice.htm").write_bytes(NOTICE_PAGE.encode("gb18030"))
    return folder / "notice.htm"


# The central government portal's layout: the metadata table above the title holds the title (标　　题：) and the
# issuing number; the text repeats the number; an editor's line and a QR-code line follow it.
GOVCN_TITLE = "国务院办公厅关于进一步优化某某服务的意见"
GOVCN_PAGE = f"""<html><head><meta charset="utf-8"><title>{GOVCN_TITLE}_政策_中国政府网</title></head><body>
<div class="header"><a href="/">中国政府网</a><ul class="menu"><li><a>首页</a></li><li><a>政策</a></li><li><a>服务</a></li></ul></div>
<div class="BreadcrumbNav">首页 &gt; 政策 &gt; 国务院文件</div>
<table class="bd1"><tr><td><b>索&nbsp;&nbsp;引&nbsp;&nbsp;号：</b></td><td>000014349/2024-00001</td><td><b>主题分类：</b></td><td>综合政务</td></tr>
<tr><td><b>发文机关：</b></td><td>国务院办公厅</td><td><b>成文日期：</b></td><td>2024年01月05日</td></tr>
<tr><td><b>标　　题：</b></td><td colspan="3">{GOVCN_TITLE}</td></tr>
<tr><td><b>发文字号：</b></td><td>国办发〔2024〕1号</td><td><b>发布日期：</b></td><td>2024年01月08日</td></tr></table>
<div class="article"><div class="pages-title"><h1 style="font-size:24px">{GOVCN_TITLE}</h1></div>
<div class="pages-date">2024-01-08 16:00 来源： 中国政府网 <span class="font">【字体：<a>大</a> <a>中</a> <a>小</a>】</span><span class="print">打印</span></div>
<div id="UCAP-CONTENT" class="pages_content">
<p style="text-align:center">国办发〔2024〕1号</p>
<p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
<p style="text-indent:2em">为进一步优化某某服务，经国务院同意，现提出以下意见。</p>
<p style="text-indent:2em">一、总体要求。坚持以人民为中心，提升服务效能。</p>
<p style="text-indent:2em">二、重点任务。推进服务事项网上办、掌上办。</p>
<p style="text-align:right">国务院办公厅</p><p style="text-align:right">2024年1月5日</p>
<p>（此件公开发布）</p></div>
<div class="editor">【我要纠错】 责任编辑：某某</div>
<div class="share">扫一扫在手机打开当前页</div></div>
<div class="footer"><p>版权所有：中国政府网　中文域名：中国政府网.政务 </p><p>京ICP备05070218号　京公网安备11010202000001号</p></div>
</body></html>"""
