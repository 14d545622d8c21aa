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
        "start": 21,
        "end": 29,
    }


def test_extract_amounts_prints_korean_unescaped():
    out = io.StringIO()
    call_command("extract_amounts", stdin=io.StringIO("국비 957억원"), stdout=out)
    assert "957억원" in out.getvalue()


def test_split_page_prints_one_json_object_per_article(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(pdf_page(), encoding="utf-8")
    rows = run("split_page", str(path))
    assert [r["kind"] for r in rows] == ["article", "photo", "article"]
    assert rows[0]["byline"] == "홍길동"
    assert rows[0]["reporter_email"] == "hong@example.co.kr"
