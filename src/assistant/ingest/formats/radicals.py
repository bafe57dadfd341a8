"""Radical code points read back as the ideographs they draw.

Some PDF producers' fonts map an ordinary ideograph's glyph to a radical's code point (Kangxi Radicals, CJK
Radicals Supplement), so the extracted text reads 饮⽤⽔, 人⺠, 第⼆条 for 饮用水, 人民, 第二条: it looks right and
breaks article numbers, search and every quote a user copies. The table pairs each radical with the ideograph that
shares its glyph in Noto Sans CJK SC (generated from that font's cmap with fontTools; 275 pairs), the simplified
Chinese reading (⼾ is 户, not NFKC's 戶); a radical the font draws apart keeps NFKC's mapping or stays as it is.
"""
from __future__ import annotations

import re
import unicodedata

_PAIRS = (
    "⺂乛 ⺃乚 ⺅亻 ⺉刂 ⺏尣 ⺐尢 ⺒巳 ⺓幺 ⺔彑 ⺕彐 ⺖忄 ⺘扌 ⺙攵 ⺛旡 ⺞歺 ⺟母 ⺠民 ⺡氵 ⺣灬 ⺤爫 ⺦丬 ⺨犭 ⺭礻 ⺯糹 ⺰纟 ⺱罓 ⺹耂 ⺺肀 ⺾艹 ⻂衤 ⻅见 ⻆角 ⻈讠 "
    "⻉贝 ⻋车 ⻌辶 ⻐钅 ⻑長 ⻒镸 ⻓长 ⻔门 ⻖阝 ⻘青 ⻙韦 ⻚页 ⻛风 ⻜飞 ⻝食 ⻟飠 ⻠饣 ⻢马 ⻣骨 ⻤鬼 ⻥鱼 ⻦鸟 ⻧卤 ⻨麦 ⻩黄 ⻪黾 ⻫斉 ⻬齐 ⻮齿 ⻯竜 ⻰龙 ⻱龜 ⻲亀 "
    "⻳龟 ⼀一 ⼁丨 ⼂丶 ⼃丿 ⼄乙 ⼅亅 ⼆二 ⼇亠 ⼈人 ⼉儿 ⼊入 ⼋八 ⼌冂 ⼍冖 ⼎冫 ⼏几 ⼐凵 ⼑刀 ⼒力 ⼓勹 ⼔匕 ⼕匚 ⼖匸 ⼗十 ⼘卜 ⼙卩 ⼚厂 ⼛厶 ⼜又 ⼝口 ⼞囗 ⼟土 "
    "⼠士 ⼡夂 ⼢夊 ⼣夕 ⼤大 ⼥女 ⼦子 ⼧宀 ⼨寸 ⼩小 ⼪尢 ⼫尸 ⼬屮 ⼭山 ⼮巛 ⼯工 ⼰己 ⼱巾 ⼲干 ⼳幺 ⼴广 ⼵廴 ⼶廾 ⼷弋 ⼸弓 ⼺彡 ⼻彳 ⼼心 ⼽戈 ⼾户 ⼿手 ⽀支 ⽁攴 "
    "⽂文 ⽃斗 ⽄斤 ⽅方 ⽆无 ⽇日 ⽈曰 ⽉月 ⽊木 ⽋欠 ⽌止 ⽍歹 ⽎殳 ⽏毋 ⽐比 ⽑毛 ⽒氏 ⽓气 ⽔水 ⽕火 ⽖爪 ⽗父 ⽘爻 ⽙爿 ⽚片 ⽛牙 ⽜牛 ⽝犬 ⽞玄 ⽟玉 ⽠瓜 ⽡瓦 ⽢甘 "
    "⽣生 ⽤用 ⽥田 ⽦疋 ⽧疒 ⽨癶 ⽩白 ⽪皮 ⽫皿 ⽬目 ⽭矛 ⽮矢 ⽯石 ⽰示 ⽱禸 ⽲禾 ⽳穴 ⽴立 ⽵竹 ⽶米 ⽷糸 ⽸缶 ⽹网 ⽺羊 ⽻羽 ⽼老 ⽽而 ⽿耳 ⾀聿 ⾁肉 ⾂臣 ⾃自 ⾄至 "
    "⾅臼 ⾆舌 ⾇舛 ⾈舟 ⾉艮 ⾊色 ⾋艸 ⾌虍 ⾍虫 ⾎血 ⾏行 ⾐衣 ⾑襾 ⾒見 ⾔言 ⾕谷 ⾖豆 ⾗豕 ⾘豸 ⾙貝 ⾚赤 ⾛走 ⾜足 ⾝身 ⾞車 ⾟辛 ⾠辰 ⾡辵 ⾢邑 ⾣酉 ⾤釆 ⾥里 ⾦金 "
    "⾧長 ⾨門 ⾩阜 ⾪隶 ⾫隹 ⾬雨 ⾭靑 ⾮非 ⾯面 ⾰革 ⾱韋 ⾲韭 ⾳音 ⾴頁 ⾵風 ⾶飛 ⾷食 ⾸首 ⾹香 ⾺馬 ⾼高 ⾽髟 ⾾鬥 ⾿鬯 ⿀鬲 ⿁鬼 ⿂魚 ⿃鳥 ⿄鹵 ⿅鹿 ⿆麥 ⿇麻 ⿈黃 "
    "⿉黍 ⿊黑 ⿋黹 ⿌黽 ⿍鼎 ⿎鼓 ⿏鼠 ⿑齊 ⿒齒 ⿓龍 ⿕龠 "
)
_TABLE = {p[0]: p[1] for p in _PAIRS.split()}
RADICAL = re.compile(r"[\u2e80-\u2fdf]")


def _ideograph(radical: str) -> str:
    return _TABLE.get(radical) or unicodedata.normalize("NFKC", radical)


def unify_radicals(text: str) -> str:
    """`text` with each radical code point replaced by the ideograph it draws (nothing else changes)."""
    return RADICAL.sub(lambda m: _ideograph(m.group()), text)
