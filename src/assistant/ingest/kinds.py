"""The kinds of document a title ends with (条例, 实施方案 …): read by the metadata reader, and by search, which
starts without importing the ingest modules."""

# Longer endings first: 实施方案 before 方案, 实施细则 before 细则.
KINDS = (
    "实施方案", "实施意见", "实施细则", "实施办法", "行动方案", "行动计划", "工作方案", "政府工作报告", "工作报告",
    "条例", "规定", "办法", "细则", "规则", "决定", "决议", "意见", "方案", "报告", "通知", "通告", "公告",
    "规划", "纲要", "计划", "指南", "章程", "讲话", "措施", "法",
    # the other kinds of 公文 the 党政机关公文处理工作条例 lists (a 函 is titled …的函)
    "公报", "通报", "请示", "批复", "议案", "纪要", "函",
)
