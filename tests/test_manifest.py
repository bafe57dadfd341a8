import pytest

from assistant.ingest.manifest import ManifestError, load_manifest
from conftest import CORPUS


def write(tmp_path, manifest: str, *files: str):
    (tmp_path / "manifest.toml").write_text(manifest, encoding="utf-8")
    for name in files:
        (tmp_path / name).write_text("正文。", encoding="utf-8")
    return tmp_path


def test_the_real_manifest_loads_with_its_magazine_articles():
    entries = load_manifest(CORPUS)
    assert [e.file[:3] for e in entries] == ["000", "001", "002", "003", "004"]
    issue = entries[2]
    assert issue.is_magazine and len(issue.articles) == 26 and "领导要论" in issue.column_labels
    report = next(a for a in issue.articles if a.key == "government-work-report")
    assert report.title_block == ("政府工作报告", "2024年1月23日在浙江省第十四届人民代表大会第二次会议上", "浙江省省长 王浩", "王浩")


@pytest.mark.parametrize(
    "manifest, message",
    [
        ('[[source]]\nfile = "a.txt"\ntitle = "甲"\n', "缺少字段 ['id']"),
        ('[[source]]\nfile = "a.txt"\nid = "a"\ntitle = "甲"\ncolour = "红"\n', "未知字段 ['colour']"),
        ('[[source]]\nfile = "a.txt"\nid = "a"\ntitle = "甲"\n[[source]]\nfile = "a.txt"\nid = "a"\ntitle = "乙"\n', "重复的 id"),
        ('[[source]]\nfile = "a.txt"\nid = "a"\ntitle = "甲"\nkind = "期刊"\n', "没有列出文章"),
        ('[[source]]\nfile = "a.txt"\nid = "a"\ntitle = "甲"\nkind = "期刊"\n[[source.article]]\nkey = "x"\ntitle = "文"\n',
         "缺少字段 ['start']"),
        ("", "没有任何来源"),
        ('[[source]]\nfile = "a.txt"\nid = "a"\ntitle = ["甲"]\n', "应为文本"),
    ],
)
def test_manifest_errors_say_what_is_wrong(tmp_path, manifest, message):
    with pytest.raises(ManifestError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_manifest(write(tmp_path, manifest, "a.txt"))
