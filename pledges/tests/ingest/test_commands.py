"""Ingestion management commands (ingest_url/feed/page, fetch_sources, import_articles, rematch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges.ingest.store import store_article
from pledges.models import Article, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page, rss_feed
from pledges.tests.ingest_samples import AI_CENTER, SHORT_PAGE, WEATHER


def _items(server, paths):
    return [{"title": f"기사 {p}", "link": server.url(p), "summary": "요약"} for p in paths]


@pytest.mark.django_db
def test_ingest_feed_command_prints_a_summary(allow_private, demo_data, capsys):
    routes = {
        "/a/1": Response(html_page("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER)),
        "/a/2": Response(html_page("내일 날씨", WEATHER)),
        "/a/3": Response(b"", 500),
    }
    for route in routes.values():
        route.headers.setdefault("Content-Type", "text/html")
    with LocalServer(routes) as server:
        server.routes["/feed"] = Response(
            rss_feed("가일보", _items(server, ["/a/1", "/a/2", "/a/3"]))
        )
        call_command("ingest_feed", server.url("/feed"), "--name", "가일보")
        out = capsys.readouterr()
        assert "fetched 2, new 2, duplicate 0 (+0 wire copies), failed 1, matched 1" in out.out
        call_command("ingest_feed", server.url("/feed"))
    out = capsys.readouterr()
    assert "fetched 0, new 0, duplicate 2" in out.out
    source = Source.objects.get(name="가일보")
    assert "/a/3" in source.last_error


@pytest.mark.django_db
def test_import_and_page_commands(tmp_path: Path, capsys):
    page = tmp_path / "page.txt"
    page.write_text(SHORT_PAGE, encoding="utf-8")
    call_command("ingest_page", str(page), "--outlet", "시험일보", "--published", "2025-06-10")
    assert "new 2" in capsys.readouterr().out
    data = tmp_path / "a.jsonl"
    data.write_text(json.dumps({"title": "t", "text": "\n".join(WEATHER)}) + "\n{bad\n")
    rejects = tmp_path / "rejects.jsonl"
    with pytest.raises(CommandError, match="1 of 2 row"):  # exit status 1: a row failed
        call_command("import_articles", str(data), "--rejects", str(rejects))
    out = capsys.readouterr()
    assert "new 1" in out.out and "failed 1" in out.out
    assert json.loads(rejects.read_text())["line"] == 2


@pytest.mark.django_db
def test_rematch_and_fetch_sources_commands(demo_data, allow_private, capsys):
    store_article(title="광주 AI", body="\n".join(AI_CENTER), url="https://a.kr/1")
    call_command("rematch", "--pledge", "national-ai-computing-center", "--all")
    assert "matched 1" in capsys.readouterr().out
    with LocalServer({"/feed": Response(rss_feed("가일보", []))}) as server:
        Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        call_command("fetch_sources")
        assert "1 feed(s) to poll" in capsys.readouterr().out
        call_command("fetch_sources")
        assert "0 feed(s) to poll" in capsys.readouterr().out
    assert server.page_hits == ["/feed"]


@pytest.mark.django_db
def test_commands_file_articles_under_a_named_source_and_refuse_unknown_ones(tmp_path: Path):
    from django.core.management.base import CommandError

    data = tmp_path / "a.jsonl"
    data.write_text(json.dumps({"title": "t", "text": "\n".join(WEATHER)}) + "\n")
    with pytest.raises(CommandError, match="No source named '없는일보'"):
        call_command("import_articles", str(data), "--source", "없는일보")
    with pytest.raises(CommandError, match="No source named"):
        call_command("ingest_url", "https://news.example.org/1", "--source", "없는일보")
    source = Source.objects.create(name="시험일보")
    call_command("import_articles", str(data), "--source", "시험일보")
    assert Article.objects.get().source == source
