"""The read-only JSON API at /api/v1/: endpoints, filters, pagination, errors, CORS, schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from pledges.models import BudgetStage, Funder, Milestone, MilestoneKind, Status
from pledges.review import record_status_change
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    PledgeFactory,
    PromiserFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ("pledges", "status-changes", "budget-figures", "milestones", "evidence")
ENDPOINTS = (*LISTS, "promisers", "statuses")


def get_json(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def every_row(client, path: str) -> list[dict]:
    """All rows of a list, following `next` links."""
    rows: list[dict] = []
    url = path
    while url:
        page = get_json(client, url)
        rows += page["results"]
        url = page["next"]
    return rows


@pytest.fixture
def tracked(db):
    """Two published pledges by two promisers, one with money, a milestone, a rating change and
    confirmed evidence."""
    city = PromiserFactory(slug="gwangju-city", name="광주광역시", name_en="Gwangju", role="")
    center = PledgeFactory(
        code="A-01",
        slug="ai-center",
        title="국가 인공지능 컴퓨팅센터 유치",
        title_en="National AI computing center",
        responsible_agency="과학기술정보통신부",
    )
    cluster = PledgeFactory(
        code="B-01", slug="ai-cluster", title="인공지능 집적단지", promiser=city
    )
    evidence = ConfirmedEvidenceFactory(
        pledge=center,
        article=ArticleFactory(published_at=dt.datetime(2025, 6, 10, 6, tzinfo=dt.UTC)),
        snippet="광주시는 국가 인공지능 컴퓨팅센터 유치에 나섰다.",
    )
    record_status_change(
        pledge=center,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2025, 6, 9),
        rationale="유치 절차가 시작됐다.",
        rationale_en="The bidding has started.",
        evidence=[evidence],
    )
    BudgetFigureFactory(
        pledge=center, amount_krw=2_000_000_000_000, is_lower_bound=True, evidence=evidence
    )
    BudgetFigureFactory(
        pledge=center,
        stage=BudgetStage.SECURED,
        funder=Funder.NATIONAL,
        amount_krw=500_000_000_000,
        fiscal_year=2026,
    )
    Milestone.objects.create(
        pledge=center,
        kind=MilestoneKind.CONTEST_SELECTION,
        title="공모 선정",
        planned_date=dt.date(2025, 9, 30),
        evidence=evidence,
    )
    return {"center": center, "cluster": cluster, "evidence": evidence, "city": city}


# --- endpoints --------------------------------------------------------------------------------


def test_the_root_links_every_endpoint(client):
    root = get_json(client, "/api/v1/")
    assert set(root) == set(ENDPOINTS)
    for name in ENDPOINTS:
        assert root[name].endswith(f"/api/v1/{name}/")


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_endpoint_answers_json(client, tracked, name):
    body = get_json(client, f"/api/v1/{name}/")
    rows = body["results"] if isinstance(body, dict) else body
    assert rows


def test_a_pledge_has_stable_fields_integer_krw_iso_dates_and_links(client, tracked):
    pledges = get_json(client, "/api/v1/pledges/")["results"]
    center = next(p for p in pledges if p["slug"] == "ai-center")
    assert center["code"] == "A-01"
    assert center["status"] == "in_progress"
    assert center["status_since"] == "2025-06-09"
    assert center["promiser"]["slug"] == "lee-jae-myung"
    assert center["money"]["planned_krw"] == 2_000_000_000_000
    assert center["money"]["planned_is_lower_bound"] is True
    assert center["money"]["secured_krw"] == 500_000_000_000
    assert center["money"]["by_funder"] == {"secured": {"national": 500_000_000_000}}
    assert center["money"]["secured_ratio"] == 0.25
    assert center["money"]["executed_krw"] is None  # no figure yet, not 0
    assert center["evidence_count"] == 1
    assert center["url"] == "http://testserver/api/v1/pledges/ai-center/"
    assert center["html_url"] == "http://testserver/pledges/ai-center/"
    assert center["html_url_en"] == "http://testserver/en/pledges/ai-center/"
    assert center["links"]["evidence"] == "http://testserver/api/v1/evidence/?pledge=ai-center"
    assert client.get(center["html_url"].removeprefix("http://testserver")).status_code == 200


def test_status_labels_and_definitions_in_korean_and_english(client, tracked):
    center = get_json(client, "/api/v1/pledges/ai-center/")
    assert center["status_label"] == {"ko": "추진 중", "en": "In progress"}
    assert center["status_definition"]["ko"]
    assert center["status_definition"]["en"].startswith("An official step")
    assert center["pledge_type_label"] == {"ko": "사업", "en": "Project"}
    statuses = get_json(client, "/api/v1/statuses/")
    kept = next(s for s in statuses if s["code"] == "kept")
    assert kept["label"] == {"ko": "이행 완료", "en": "Kept"}
    assert kept["counts_as_kept"] == 1.0
    unverifiable = next(s for s in statuses if s["code"] == "unverifiable")
    assert unverifiable["counts_in_rate"] is False


def test_labels_do_not_depend_on_the_language_of_the_request(client, tracked):
    korean = get_json(client, "/api/v1/pledges/", HTTP_ACCEPT_LANGUAGE="ko")
    english = get_json(client, "/api/v1/pledges/", HTTP_ACCEPT_LANGUAGE="en")
    assert korean == english


def test_a_pledge_detail_adds_its_texts(client, tracked):
    center = get_json(client, "/api/v1/pledges/ai-center/")
    assert center["original_text"] == "시험용 공약 원문"
    assert "done_criteria" in center and "source_url" in center


def test_child_rows_point_to_their_pledge_and_confirmed_evidence(client, tracked):
    evidence_id = tracked["evidence"].pk
    [change] = get_json(client, "/api/v1/status-changes/")["results"]
    assert change["pledge"] == "ai-center" and change["pledge_code"] == "A-01"
    assert change["pledge_url"] == "http://testserver/api/v1/pledges/ai-center/"
    assert change["to_status_label"] == {"ko": "추진 중", "en": "In progress"}
    assert change["evidence_ids"] == [evidence_id]
    assert change["effective_date"] == "2025-06-09"
    figures = get_json(client, "/api/v1/budget-figures/")["results"]
    planned = next(f for f in figures if f["stage"] == "planned")
    assert planned["amount_krw"] == 2_000_000_000_000 and planned["is_lower_bound"] is True
    assert planned["evidence_id"] == evidence_id
    assert planned["article_url"] == tracked["evidence"].article.url
    assert planned["funder_label"]["en"] == "Total"
    [milestone] = get_json(client, "/api/v1/milestones/")["results"]
    assert milestone["kind"] == "contest_selection" and milestone["is_reached"] is False
    assert milestone["evidence_id"] == evidence_id
    [evidence] = get_json(client, "/api/v1/evidence/")["results"]
    assert evidence["id"] == evidence_id
    assert evidence["article"]["published_on"] == "2025-06-10"
    assert evidence["article"]["published_at"] == "2025-06-10T15:00:00+09:00"
    assert evidence["snippet"].startswith("광주시는")


def test_promisers_list_who_made_published_pledges(client, tracked):
    PromiserFactory(slug="nobody-published", name="미공개")
    promisers = get_json(client, "/api/v1/promisers/")
    assert [p["slug"] for p in promisers] == ["gwangju-city", "lee-jae-myung"]
    assert promisers[1]["pledge_count"] == 1
    assert promisers[1]["pledges_url"].endswith("/api/v1/pledges/?promiser=lee-jae-myung")
    assert get_json(client, "/api/v1/promisers/lee-jae-myung/")["name"] == "이재명"
    assert client.get("/api/v1/promisers/nobody-published/").status_code == 404


def test_an_unknown_pledge_is_a_json_404(client, tracked):
    response = client.get("/api/v1/pledges/no-such-pledge/")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- filters ----------------------------------------------------------------------------------


def slugs(client, path: str) -> list[str]:
    return [row["slug"] for row in every_row(client, path)]


def test_filters_are_those_of_the_list_page(client, tracked):
    assert slugs(client, "/api/v1/pledges/?status=in_progress") == ["ai-center"]
    # Status as the page shows it, in Korean or English.
    assert slugs(client, "/api/v1/pledges/?status=추진 중") == ["ai-center"]
    assert slugs(client, "/api/v1/pledges/?status=In progress") == ["ai-center"]
    assert slugs(client, "/api/v1/pledges/?promiser=gwangju-city") == ["ai-cluster"]
    # Search knows what the engine knows: 인공지능 is AI, spacing does not matter.
    assert slugs(client, "/api/v1/pledges/?q=AI") == ["ai-center", "ai-cluster"]
    assert slugs(client, "/api/v1/pledges/?q=국가인공지능") == ["ai-center"]
    assert slugs(client, "/api/v1/pledges/?agency=과학기술") == ["ai-center"]
    assert slugs(client, "/api/v1/pledges/?budget_shortfall=true") == ["ai-center"]
    assert slugs(client, "/api/v1/pledges/?status=") == ["ai-center", "ai-cluster"]


def test_the_api_and_the_export_choose_the_same_pledges(client, tracked):
    for query in ("q=AI", "status=in_progress", "promiser=gwangju-city", "budget_shortfall=0"):
        export = json.loads(b"".join(client.get(f"/export/pledges.json?{query}").streaming_content))
        assert slugs(client, f"/api/v1/pledges/?{query}") == [r["pledge_slug"] for r in export]


def test_child_lists_take_the_pledge_filters_and_their_own_dates(client, tracked):
    assert every_row(client, "/api/v1/evidence/?pledge=ai-cluster") == []
    assert len(every_row(client, "/api/v1/evidence/?pledge=ai-center")) == 1
    assert len(every_row(client, "/api/v1/evidence/?promiser=lee-jae-myung")) == 1
    assert len(every_row(client, "/api/v1/evidence/?date_from=2025-06-10")) == 1
    assert every_row(client, "/api/v1/evidence/?date_from=2025-06-11") == []
    assert len(every_row(client, "/api/v1/budget-figures/?date_to=2025-06-10")) == 2
    assert len(every_row(client, "/api/v1/status-changes/?date_from=2025-06-09")) == 1
    assert every_row(client, "/api/v1/milestones/?date_to=2025-09-29") == []
    assert len(every_row(client, "/api/v1/milestones/?status=in_progress")) == 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("colour=red", "colour"),
        ("status=nope", "status"),
        ("promiser=nobody", "promiser"),
        ("updated_from=2025-02-30", "updated_from"),
        ("updated_from=9999-12-31", "updated_from"),
        ("date_from=yesterday", "date_from"),
    ],
)
def test_a_bad_filter_is_a_400_that_names_the_parameter(client, tracked, query, parameter):
    path = "/api/v1/evidence/" if parameter.startswith("date") else "/api/v1/pledges/"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [parameter]
    assert errors[parameter][0]


def test_the_pledge_list_refuses_a_child_date_filter(client, tracked):
    response = client.get("/api/v1/pledges/?date_from=2025-01-01")
    assert response.status_code == 400
    message = response.json()["date_from"][0]
    assert message.startswith("알 수 없는 매개변수입니다.")  # Korean first
    assert "updated_from" in message and "date_from" not in message
    english = client.get("/api/v1/pledges/?date_from=2025-01-01", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["date_from"][0].startswith("Unknown parameter. Accepted: q, status,")


# --- pagination -------------------------------------------------------------------------------


def test_pages_follow_each_other_in_a_stable_order_without_repeats(client, db):
    for n in range(7):
        PledgeFactory(code=f"P-{n:02d}", slug=f"pledge-{n}")
    first = get_json(client, "/api/v1/pledges/?page_size=3")
    assert [p["code"] for p in first["results"]] == ["P-00", "P-01", "P-02"]
    assert first["previous"] is None and "page_size=3" in first["next"]
    rows = every_row(client, "/api/v1/pledges/?page_size=3")
    assert [p["code"] for p in rows] == [f"P-{n:02d}" for n in range(7)]


def test_the_page_size_is_bounded(client, db):
    for _ in range(205):
        ConfirmedEvidenceFactory()
    assert len(get_json(client, "/api/v1/evidence/")["results"]) == 50
    assert len(get_json(client, "/api/v1/evidence/?page_size=100000")["results"]) == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "cD1hYmM=",
        "cD0lMDA=",
        "한글",
        "cD0lQzIlQjI=",
        "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
    ],
)
def test_a_bad_cursor_is_a_json_404(client, tracked, cursor):
    response = client.get(f"/api/v1/evidence/?cursor={cursor}")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- read-only, CORS ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/pledges/", "/api/v1/pledges/ai-center/"])
def test_writes_are_refused_with_405(client, tracked, method, path):
    response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["detail"]


def test_head_answers_like_get_without_a_body(client, tracked):
    response = client.head("/api/v1/pledges/")
    assert response.status_code == 200 and response.content == b""


def test_any_origin_may_read_the_api_without_credentials(client, tracked):
    response = client.get("/api/v1/pledges/", HTTP_ORIGIN="https://newsroom.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/v1/pledges/",
        HTTP_ORIGIN="https://newsroom.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200
    allowed = {m.strip() for m in preflight["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("path", ["/", "/pledges/", "/export/", "/healthz"])
def test_other_paths_send_no_cors_headers(client, tracked, path):
    response = client.get(path, HTTP_ORIGIN="https://newsroom.example")
    assert "Access-Control-Allow-Origin" not in response


# --- the OpenAPI description --------------------------------------------------------------------


def test_the_schema_is_valid_openapi_and_lists_every_endpoint(client):
    schema = get_json(client, "/api/v1/schema/", HTTP_ACCEPT="application/json")
    validate_schema(schema)  # the OpenAPI 3 JSON Schema shipped with drf-spectacular
    assert schema["openapi"].startswith("3.")
    expected = {f"/api/v1/{name}/" for name in ENDPOINTS}
    expected |= {"/api/v1/pledges/{slug}/", "/api/v1/promisers/{slug}/"}
    expected |= {f"/api/v1/{name}/{{id}}/" for name in LISTS if name != "pledges"}
    assert set(schema["paths"]) == expected
    for path, operations in schema["paths"].items():
        assert set(operations) == {"get"}, path  # read-only
    parameters = {p["name"] for p in schema["paths"]["/api/v1/evidence/"]["get"]["parameters"]}
    assert {"q", "status", "promiser", "pledge", "date_from", "date_to", "cursor"} <= parameters
    pledge = schema["components"]["schemas"]["Pledge"]["properties"]
    assert {"status", "status_label", "money", "html_url", "url"} <= set(pledge)


def test_the_schema_comes_as_yaml_too(client):
    response = client.get("/api/v1/schema/?format=yaml")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/pledges/" in schema["paths"]


def test_no_html_renderer_is_offered(client, tracked):
    response = client.get("/api/v1/pledges/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406 or response["Content-Type"].startswith("application/json")
    browser = client.get("/api/v1/pledges/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert browser["Content-Type"].startswith("application/json")


def test_dates_are_seoul_days(client, tracked):
    evidence = tracked["evidence"]
    evidence.article.published_at = dt.datetime(2025, 6, 9, 16, tzinfo=dt.UTC)  # 06-10 01:00 KST
    evidence.article.save()
    [row] = get_json(client, "/api/v1/evidence/")["results"]
    assert row["article"]["published_on"] == "2025-06-10"
    assert timezone.get_default_timezone_name() == "Asia/Seoul"


def test_the_schema_speaks_english_on_request_and_survives_a_bad_language(client):
    english = get_json(client, "/api/v1/schema/?lang=en", HTTP_ACCEPT="application/json")
    parameters = english["paths"]["/api/v1/pledges/"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")
    assert "Kept" in status["description"]
    for bad in ("xx", "\x00", "../../etc", "가" * 300):
        response = client.get("/api/v1/schema/", {"lang": bad})
        assert response.status_code < 500, bad


def test_api_answers_carry_the_site_security_headers(client, tracked):
    response = client.get("/api/v1/pledges/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in response.content  # JSON, never the browsable HTML


def test_any_other_api_address_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("없는 API 주소입니다.")
    english = client.get("/api/v1/pledges/x/y/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"].startswith("No such API address")


def test_an_address_without_its_slash_is_sent_to_it(client):
    response = client.get("/api/v1/pledges?status=kept")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/pledges/?status=kept"


@pytest.mark.parametrize(
    ("api", "export", "key"),
    [
        ("evidence", "evidence", "evidence_id"),
        ("budget-figures", "budget_figures", "figure_id"),
        ("status-changes", "status_changes", "status_change_id"),
        ("milestones", "milestones", "milestone_id"),
    ],
)
@pytest.mark.parametrize(
    "query",
    ["", "promiser=lee-jae-myung&date_from=2025-06-01", "q=집적단지", "date_to=2025-06-09"],
)
def test_child_lists_have_the_rows_of_the_export_with_the_same_query(
    client, tracked, api, export, key, query
):
    exported = json.loads(b"".join(client.get(f"/export/{export}.json?{query}").streaming_content))
    rows = every_row(client, f"/api/v1/{api}/?{query}")
    assert sorted(r["id"] for r in rows) == sorted(r[key] for r in exported)


def test_the_schema_is_generated_without_warnings(tmp_path):
    from django.core.management import call_command

    # --fail-on-warn: every field and filter has a known type (no "defaulting to string").
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/evidence/" in (tmp_path / "s.yaml").read_text(encoding="utf-8")
