"""The pledge book upload in the editors' desk: preview first, nothing written until the editor
confirms, then all in one step; only editors may upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pledges import trail
from pledges.models import BudgetFigure, Pledge
from pledges.people import create_editor
from pledges.tests.test_books import CSV, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
URL = reverse("admin:pledges_pledge_import")


@pytest.fixture
def desk(client, world):  # noqa: F811
    account = create_editor(username="sora", email="sora@example.org", password="pw-sora-12345")
    client.force_login(account.user)
    client.user = account.user
    return client


def upload(client, text: str, name: str = "book.csv", encoding: str = "utf-8", **fields):
    data = {"file": SimpleUploadedFile(name, text.encode(encoding), "text/csv"), **fields}
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="ko")


def confirm_data(response) -> dict:
    context = response.context
    return {
        "confirm": "1",
        "book": context["book"],
        "filename": context["filename"],
        "promiser": context["promiser"].pk if context["promiser"] else "",
        "jurisdiction": context["jurisdiction"].pk if context["jurisdiction"] else "",
        "fingerprint": context["fingerprint"],
    }


def test_the_pledge_list_links_to_the_import(desk):
    page = desk.get(reverse("admin:pledges_pledge_changelist")).content.decode()
    assert URL in page


def test_preview_shows_rows_and_changes_and_writes_nothing(desk):
    response = upload(desk, CSV, encoding="cp949")
    page = response.content.decode()
    assert response.status_code == 200
    assert "순환 트램 1호선 건설" in page and "9000억원" in page
    assert 'name="confirm"' in page
    assert Pledge.objects.count() == 0


def test_preview_shows_every_rows_errors_in_korean_and_offers_no_import(desk):
    bad = CSV.replace("2029-06", "2029-99").replace(
        "김빛나,광주광역시,돌봄", "김없음,광주광역시,돌봄"
    )
    response = upload(desk, bad)
    page = response.content.decode()
    assert "날짜가 아닙니다" in page  # "is not a date"
    assert "김없음" in page
    assert 'name="confirm"' not in page
    assert Pledge.objects.count() == 0


def test_a_file_that_cannot_be_read_gets_a_clear_message(desk):
    response = desk.post(
        URL, {"file": SimpleUploadedFile("book.xlsx", b"PK\x03\x04", "application/zip")}
    )
    assert "CSV UTF-8" in response.content.decode()
    assert Pledge.objects.count() == 0


def test_confirm_applies_the_whole_book_with_accepted_terms(desk):
    text = CSV + "M-04,김빛나,광주광역시,돌봄,광주 반려동물 테마파크 조성,,시장 공약집,11,,2028,,\n"
    preview = upload(desk, text)
    accepted = [r.key for r in preview.context["plan"].rows if r.has_proposed_terms]
    assert accepted
    response = desk.post(URL, {**confirm_data(preview), "accept_terms": accepted})
    assert response.status_code == 302
    assert Pledge.objects.count() == 4
    park = Pledge.objects.get(code="M-04")
    assert park.match_aliases == ["반려동물 테마파크"]
    assert trail.trail_of(park)[0]["user"] == desk.user
    assert BudgetFigure.objects.filter(pledge__code="M-01").get().confirmed_by == desk.user
    again = upload(desk, text)
    assert again.context["plan"].unchanged == 4


def test_a_stale_preview_is_not_applied(desk):
    preview = upload(desk, CSV)
    upload_again = upload(desk, CSV)
    desk.post(URL, confirm_data(upload_again))  # another tab imported meanwhile
    assert Pledge.objects.count() == 3
    changed = Pledge.objects.get(code="M-01")
    changed.target_date = None
    changed.save()
    response = desk.post(URL, confirm_data(preview))
    assert response.status_code == 200  # the new preview, not an import
    assert Pledge.objects.get(code="M-01").target_date is None


def test_a_tampered_confirm_is_refused(desk):
    preview = upload(desk, CSV)
    data = {**confirm_data(preview), "book": "!!not base64!!"}
    response = desk.post(URL, data)
    assert response.status_code == 200
    assert Pledge.objects.count() == 0


def test_non_editors_get_403(client, django_user_model, world):  # noqa: F811
    staff = django_user_model.objects.create_user("guest", password="pw-guest-12345")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"file": SimpleUploadedFile("b.csv", CSV.encode())})
    assert response.status_code == 403
    assert Pledge.objects.count() == 0


def test_accept_all_gives_every_new_pledge_its_proposed_terms(desk):
    text = "공약자,지역,공약명\n김빛나,광주,광주 반려동물 테마파크 조성\n김빛나,광주,시립 수목원 조성\n"
    preview = upload(desk, text)
    assert all(r.has_proposed_terms for r in preview.context["plan"].rows)
    desk.post(URL, {**confirm_data(preview), "accept_all_terms": "1"})
    assert all(p.match_aliases or p.match_keywords for p in Pledge.objects.all())
    assert Pledge.objects.count() == 2
