"""Public downloads kept by the public cache (pledges/site/cache.py, ``public_download``): a small
file is served again with the same bytes and headers until the next publication; a large one
streams every time and is never held whole; an editor's variant is never kept nor shared."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from pledges import review
from pledges.models import Pledge
from pledges.site import cache as public_cache
from pledges.site.cache import HIT_HEADER
from pledges.tests.factories import ArticleFactory, EvidenceFactory
from pledges.tests.test_exports import world  # noqa: F401  (shared fixture)

pytestmark = pytest.mark.django_db
with_world = pytest.mark.usefixtures("world")

ONE_PLEDGE = "/export/evidence.csv?pledge=ax-valley"
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def streamed(client, url: str, **headers) -> tuple[StreamingHttpResponse, bytes]:
    response = client.get(url, **headers)
    assert response.status_code == 200, body(response)
    assert isinstance(response, StreamingHttpResponse)
    return response, body(response)


@with_world
@pytest.mark.parametrize(
    "url",
    [
        ONE_PLEDGE,
        "/export/evidence.json?pledge=ax-valley",
        "/export/pledges.csv?headers=ko",
        "/export/pledges.csv?bom=0",
        "/export/budget_figures.xlsx",
    ],
)
def test_a_small_download_is_kept_and_served_again_with_the_same_bytes_and_headers(
    client, settings, url
):
    settings.EXPORT_CACHE_MAX_BYTES = 0  # the control: never kept
    uncached, uncached_bytes = streamed(client, url)
    assert not uncached.has_header(HIT_HEADER)
    settings.EXPORT_CACHE_MAX_BYTES = 2 * 1024 * 1024
    first, first_bytes = streamed(client, url)  # made and kept on the way out
    assert first[HIT_HEADER] == "miss"
    with CaptureQueriesContext(connection) as queries:
        kept = client.get(url)
    assert isinstance(kept, HttpResponse) and not kept.streaming
    assert kept[HIT_HEADER] == "hit"
    assert len(queries) == 0
    assert first_bytes == uncached_bytes
    assert kept.content == uncached_bytes
    for name in KEPT_HEADERS:
        assert kept[name] == uncached[name], name
    assert int(kept["Content-Length"]) == len(uncached_bytes)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert packed[HIT_HEADER] == "hit" and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == uncached_bytes


@with_world
def test_a_kept_csv_keeps_its_bom_for_excel(client):
    streamed(client, ONE_PLEDGE)
    kept = client.get(ONE_PLEDGE)
    assert kept[HIT_HEADER] == "hit"
    assert kept.content.startswith(b"\xef\xbb\xbfevidence_id,")


@with_world
def test_a_publication_makes_the_next_download_anew(client, editor):
    suggestion = EvidenceFactory(
        pledge=Pledge.objects.get(slug="ax-valley"),
        article=ArticleFactory(title="캐시 뒤에 확인된 기사"),
    )
    _, before = streamed(client, ONE_PLEDGE)
    assert client.get(ONE_PLEDGE)[HIT_HEADER] == "hit"
    review.confirm_evidence(evidence=suggestion, reviewer=editor)
    after, after_bytes = streamed(client, ONE_PLEDGE)
    assert after[HIT_HEADER] == "miss"
    assert "캐시 뒤에 확인된 기사" in after_bytes.decode("utf-8-sig")
    assert "캐시 뒤에 확인된 기사" not in before.decode("utf-8-sig")
    assert client.get(ONE_PLEDGE).content == after_bytes


@with_world
def test_a_file_larger_than_the_bound_streams_every_time_and_is_not_kept(client, settings):
    _, whole = streamed(client, "/export/evidence.csv")
    cache.clear()
    settings.EXPORT_CACHE_MAX_BYTES = len(whole) - 1
    for _ in range(2):
        response, content = streamed(client, "/export/evidence.csv")
        assert response[HIT_HEADER] == "miss"
        assert content == whole
    settings.EXPORT_CACHE_MAX_BYTES = len(whole)  # exactly the bound: kept
    streamed(client, "/export/evidence.csv")
    assert client.get("/export/evidence.csv")[HIT_HEADER] == "hit"


def test_a_large_file_is_let_go_as_soon_as_it_passes_the_bound(settings, monkeypatch):
    """What is held while a large file streams stops growing at the bound: the chunks after it
    pass through without being kept."""
    settings.EXPORT_CACHE_MAX_BYTES = 10
    held: list[int] = []

    class Compressor:  # records what is handed over for keeping
        def compress(self, chunk: bytes) -> bytes:
            held.append(len(chunk))
            return b""

        def flush(self) -> bytes:
            raise AssertionError("a file past the bound is never finished for keeping")

    chunks = [b"12345", b"67890", b"abcde", b"fghij"]
    monkeypatch.setattr(public_cache.zlib, "compressobj", lambda *args: Compressor())
    response = StreamingHttpResponse(iter(chunks))
    kept = public_cache._kept_while_streamed(response, "some-key", 1, None)
    assert list(kept.streaming_content) == chunks
    assert held == [5, 5]  # the third chunk passed the bound: nothing more was held
    assert cache.get("some-key") is None


@with_world
def test_a_download_the_reader_gave_up_on_is_not_kept(client, settings, monkeypatch):
    from pledges.exports import copy, writers

    monkeypatch.setattr(copy, "FLUSH_BYTES", 1)  # one chunk per row
    monkeypatch.setattr(writers, "FLUSH_CHARS", 1)
    response = client.get("/export/evidence.csv")
    chunks = iter(response.streaming_content)
    next(chunks)
    response.close()  # the reader went away after the first chunk
    again = client.get("/export/evidence.csv")
    assert isinstance(again, StreamingHttpResponse) and again[HIT_HEADER] == "miss"


@with_world
def test_an_editors_download_with_suggestions_is_never_kept_nor_shared(
    client, editor, django_user_model
):
    url = "/export/evidence.csv?include=suggested"
    client.force_login(editor)
    for _ in range(2):
        response, content = streamed(client, url)
        assert not response.has_header(HIT_HEADER)
        assert response["Cache-Control"] == "private, no-store"
        assert "검토 전" in content.decode("utf-8-sig")
    client.logout()
    assert client.get(url).status_code == 403  # the public never gets the editor's file
    reader = django_user_model.objects.create_user("reader", password="pw-reader-1")
    client.force_login(reader)
    assert client.get(url).status_code == 403


@with_world
@pytest.mark.parametrize("include", ["", "suggested", "nonsense"])
def test_any_include_parameter_bypasses_the_cache(client, include):
    url = f"{ONE_PLEDGE}&include={include}"
    client.get(url)
    assert not client.get(url).has_header(HIT_HEADER)


@with_world
def test_an_editors_public_download_is_the_public_file(client, editor):
    client.force_login(editor)
    _, editors = streamed(client, ONE_PLEDGE)
    client.logout()
    kept = client.get(ONE_PLEDGE)
    assert kept[HIT_HEADER] == "hit"
    assert kept.content == editors
    assert "검토 전" not in editors.decode("utf-8-sig")


@with_world
def test_errors_are_not_kept(client):
    for url in ("/export/evidence.csv?status=nearly", "/export/evidence.csv?nope=1"):
        assert client.get(url).status_code == 400
        assert client.get(url).status_code == 400
        assert not client.get(url).has_header(HIT_HEADER)


@with_world
def test_a_new_day_makes_a_file_with_the_new_date_in_its_name(client, monkeypatch):
    from django.utils import timezone

    first, _ = streamed(client, ONE_PLEDGE)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    response, _ = streamed(client, ONE_PLEDGE)
    assert response[HIT_HEADER] == "miss"
    assert tomorrow.isoformat() in response["Content-Disposition"]
    assert response["Content-Disposition"] != first["Content-Disposition"]


def test_a_process_keeps_at_most_its_byte_budget_of_entries():
    pages = public_cache.LocalPages(size=10, max_bytes=100)
    for name in "abc":
        pages.put(name, (1, 200, [], b"x" * 40))
    assert pages.get("a", 1) is None  # the oldest went to stay within 100 bytes
    assert pages.get("b", 1) is not None and pages.get("c", 1) is not None
    assert pages.bytes == 80
    pages.put("c", (1, 200, [], b"y" * 10))  # replaced, not counted twice
    assert pages.bytes == 50


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_a_small_download_is_kept_for_every_process_until_a_publication(
    client, redis_cache, editor
):
    from pledges.tests.factories import ConfirmedEvidenceFactory, PledgeFactory

    raw, prefix = redis_cache
    pledge = PledgeFactory(is_published=True, slug="redis-export")
    ConfirmedEvidenceFactory(pledge=pledge, article=ArticleFactory(title="레디스 파일 기사"))
    suggestion = EvidenceFactory(pledge=pledge, article=ArticleFactory(title="나중 기사"))
    url = "/export/evidence.csv?pledge=redis-export"
    first, made = streamed(client, url)
    assert first[HIT_HEADER] == "miss"
    assert raw.keys(f"{prefix}:*public-page*")  # kept in Redis, for every process
    public_cache.local_pages.entries.clear()  # as another process would ask
    kept = client.get(url)
    assert kept[HIT_HEADER] == "hit" and kept.content == made
    assert kept["Content-Disposition"] == first["Content-Disposition"]
    review.confirm_evidence(evidence=suggestion, reviewer=editor)  # commits
    after, after_bytes = streamed(client, url)
    assert after[HIT_HEADER] == "miss"
    assert "나중 기사" in after_bytes.decode("utf-8-sig")
    assert client.get(url).content == after_bytes
