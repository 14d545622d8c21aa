"""The extract_amounts and split_page management commands (no database needed)."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from .korean_samples import pdf_page


def run(*args, **kwargs) -> list[dict]:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_extract_amounts_reads_stdin_and_prints_json_lines():
    text = "총사업비 1조2000억원 가운데 국비 3,045억 원을 확보했다. 부품은 5만 개다."
    rows = run("extract_amounts", stdin=io.StringIO(text))
    assert [r["krw"] for r in rows] == [1_200_000_000_000, 304_500_000_000]
    assert rows[1] == {
        "text": "3,045억 원",
        "krw": 304_500_000_000,
        "sentence": "총사업비 1조2000억원 가운데 국비 3,045억 원을 확보했다.",
        "funder": "national",
        "stage": "secured",
        "budget": True,
        "start": 21,
        "end": 29,
    }


def test_extract_amounts_prints_korean_unescaped():
    out = io.StringIO()
    call_command("extract_amounts", stdin=io.StringIO("국비 957억원"), stdout=out)
    assert "957억원" in out.getvalue()


def test_extract_amounts_jsonl_prints_one_line_per_article(tmp_path):
    articles = [
        {
            "id": "x1",
            "title": "AI 2단계 6000억 확정",
            "text": "AI 2단계 6000억 확정\n국비 957억원을 확보했다.",
        },
        {"id": "x2", "title": "경제효과 1조원", "text": "생산유발 효과는 1조원이다."},
        {"id": "x3", "title": "", "text": "부품은 5만 개다."},
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n", encoding="utf-8"
    )
    rows = run("extract_amounts", "--jsonl", str(path))
    assert [r["id"] for r in rows] == ["x1", "x2", "x3"]
    assert [a["krw"] for a in rows[0]["amounts"]] == [600_000_000_000, 95_700_000_000]
    assert rows[0]["amounts"][1] == {
        "text": "957억원",
        "krw": 95_700_000_000,
        "funder": "national",
        "stage": "secured",
        "budget": True,
        "sentence": "국비 957억원을 확보했다.",
    }
    assert [a["krw"] for a in rows[1]["amounts"]] == [1_000_000_000_000] * 2  # title + body
    assert {a["budget"] for a in rows[1]["amounts"]} == {False}
    assert rows[2]["amounts"] == []


def test_extract_amounts_jsonl_reads_stdin_with_a_dash():
    line = json.dumps(
        {"id": "s", "title": "t", "text": "총사업비 6000억원 규모다."}, ensure_ascii=False
    )
    rows = run("extract_amounts", "--jsonl", "-", stdin=io.StringIO(line + "\n"))
    assert rows == [
        {
            "id": "s",
            "amounts": [
                {
                    "text": "6000억원",
                    "krw": 600_000_000_000,
                    "funder": "total",
                    "stage": "planned",
                    "budget": True,
                    "sentence": "총사업비 6000억원 규모다.",
                }
            ],
        }
    ]


def test_split_page_prints_one_json_object_per_article(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(pdf_page(), encoding="utf-8")
    rows = run("split_page", str(path))
    assert [r["kind"] for r in rows] == ["article", "photo", "article"]
    assert rows[0]["byline"] == "홍길동"
    assert rows[0]["reporter_email"] == "hong@example.co.kr"
