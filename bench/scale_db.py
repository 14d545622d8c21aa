"""The database at the size of a national tracker (part of ``make bench-scale``).

    python bench/bench_scale.py --db-only       # this part alone

Its own PostgreSQL database: BENCH_SCALE_DATABASE_URL if set, else the server of DATABASE_URL
with the database `tracker_bench_scale` (created and migrated when missing). Seeded once, in SQL
(INSERT … SELECT over generate_series, a minute or two): 10,000 pledges of 243 promisers (each
its own jurisdiction; names from the engine benchmark's synthetic book), one status change
each, 1,000,000 articles over four years and 200,000 evidence rows (90 % confirmed, the rest
suggested, i.e. a review queue of 20,000), 2 in 7 of them with budget amounts, most decided by
editors (``BUDGET_AMOUNTS_SQL``). Later runs reuse the rows.

Then, in this process through Django's test client (no network), for each page: the queries it
runs with their EXPLAIN (ANALYZE) plans (a sequential scan on a big table is flagged and its
plan printed; the slowest query's plan is printed for every page), and p50/p99 over repeated
requests beside a trivial view (a view returning "ok" through the same middleware), with the
ratio, warm (served as kept by the public cache) and cold (a render, as right after a
publication). Never fails on slowness.
"""

from __future__ import annotations

import os
import statistics
import time
from urllib.parse import quote, urlsplit, urlunsplit

PLEDGES, PROMISERS, ARTICLES, EVIDENCE = 10_000, 243, 1_000_000, 200_000
CODE_PREFIX = "SCALE-"
URL_PREFIX = "https://scale.example.org/n/"
BIG_TABLES = (
    "pledges_article",
    "pledges_evidence",
    "pledges_similaritykey",
    "pledges_statuschange",
    "pledges_pledge",
)
REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "30"))
SECONDS_PER_PAGE = float(os.environ.get("BENCH_SCALE_SECONDS_PER_PAGE", "45"))


def database_url() -> str:
    if os.environ.get("BENCH_SCALE_DATABASE_URL"):
        return os.environ["BENCH_SCALE_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "").strip()
    if not base.startswith(("postgres://", "postgresql://")):
        return "postgres://postgres@127.0.0.1:5432/tracker_bench_scale"
    # Never the development or test database: the bench fills its own.
    return urlunsplit(urlsplit(base)._replace(path="/tracker_bench_scale"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per request
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seeded() -> bool:
    from pledges.models import Article, Evidence, Pledge

    return (
        Pledge.objects.filter(code__startswith=CODE_PREFIX).count() == PLEDGES
        # The memory part matches a few articles (it may add or withdraw a suggestion or two).
        and Evidence.objects.count() >= EVIDENCE * 0.99
        and Article.objects.count() >= ARTICLES
    )


def seed() -> None:
    """10,000 pledges, 1,000,000 articles, 200,000 evidence rows (once)."""
    import datetime as dt

    from bench_scale import synthetic_book
    from django.db import connection, transaction
    from django.utils import timezone

    from pledges.models import (
        Category,
        Jurisdiction,
        Pledge,
        Promiser,
        Status,
        StatusChange,
    )

    if seeded():
        print(f"bench data present: {PLEDGES:,} pledges, {ARTICLES:,} articles, "
              f"{EVIDENCE:,} evidence rows")  # fmt: skip
        return
    started = time.perf_counter()
    statuses = [Status.IN_PROGRESS, Status.STALLED, Status.PARTIALLY_KEPT, Status.KEPT]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE pledges_evidence, pledges_similaritykey, pledges_article, "
            "pledges_statuschange, pledges_pledge, pledges_jurisdiction, pledges_promiser, "
            "pledges_category CASCADE"
        )
        regions = Jurisdiction.objects.bulk_create(
            Jurisdiction(slug=f"scale-region-{n:03d}", name=f"가상{n:03d}", aliases=[f"가상{n:03d}시"])
            for n in range(PROMISERS)
        )  # fmt: skip
        promisers = Promiser.objects.bulk_create(
            Promiser(slug=f"scale-head-{n:03d}", name=f"단체장{n:03d}", role="시장")
            for n in range(PROMISERS)
        )
        categories = Category.objects.bulk_create(
            Category(slug=f"scale-cat-{n}", name=name)
            for n, name in enumerate(["AI·디지털", "교통", "복지", "환경", "문화", "산업"])
        )
        specs = synthetic_book(PLEDGES)
        pledges = []
        for n, spec in enumerate(specs):
            pledge = Pledge(
                code=f"{CODE_PREFIX}{n:05d}",
                slug=f"scale-{n:05d}",
                title=spec.title,
                original_text=spec.title,
                summary=f"{spec.aliases[0]} 공약 요약",
                promiser=promisers[n % PROMISERS],
                jurisdiction=regions[n % PROMISERS],
                category=categories[n % len(categories)],
                match_aliases=list(spec.aliases),
                match_keywords=list(spec.keywords),
                is_published=n % 50 != 0,
                status=statuses[n % len(statuses)],
                status_since=dt.date(2026, 7, 1) + dt.timedelta(days=n % 300),
            )
            pledge.search_key = pledge.compute_search_key()
            pledges.append(pledge)
        pledges = Pledge.objects.bulk_create(pledges, batch_size=2000)
        StatusChange.objects.bulk_create(
            (
                StatusChange(
                    pledge=p,
                    from_status=Status.NOT_RATED,
                    to_status=p.status,
                    effective_date=p.status_since,
                    rationale="규모 시험용 평가 근거",
                )
                for p in pledges
            ),
            batch_size=2000,
        )
        now = timezone.now()
        cursor.execute(
            f"""
            INSERT INTO pledges_article (outlet, url, canonical_url, title, published_at, body,
                normalized_body, content_hash, language, byline, fetched_at, matched_at)
            SELECT (ARRAY['가일보','나일보','다일보','라일보','마일보','바일보'])[1 + g %% 6],
                %(prefix)s || g, %(prefix)s || g,
                '가상' || lpad((g %% {PROMISERS})::text, 3, '0') || ' 소식 ' || g,
                t, b, b, md5(g::text) || md5((g + 1)::text), 'ko', '시험 기자', t, t
            FROM generate_series(1, {ARTICLES}) AS g,
                LATERAL (SELECT %(now)s::timestamptz - ({ARTICLES} - g) * interval '2 minutes'
                         AS t) AS time,
                LATERAL (SELECT '가상' || lpad((g %% {PROMISERS})::text, 3, '0')
                         || '시가 사업을 추진한다. 국비 ' || (g %% 900) || '억 원을 확보했다. 기사 '
                         || g || '.' AS b) AS text
            """,
            {"prefix": URL_PREFIX, "now": now},
        )
        cursor.execute("SELECT min(id) FROM pledges_article")
        first_article = cursor.fetchone()[0]
        first_pledge = min(p.pk for p in pledges)
        step = ARTICLES // EVIDENCE
        # Each pledge gets ~20 rows; an article one pledge. 1 in 10 is waiting for review.
        # (No parameters: "%" is the modulo operator here.)
        cursor.execute(
            f"""
            INSERT INTO pledges_evidence (article_id, pledge_id, state, score, snippet,
                matched_terms, amounts, match_features, method, reviewed_at, reject_reason,
                created_at, updated_at)
            SELECT a.id, {first_pledge} + (g * 7919) % {PLEDGES},
                CASE WHEN g % 10 = 0 THEN 'suggested' ELSE 'confirmed' END,
                0.5 + (g % 50) / 100.0, a.title || ': 국비 ' || (g % 900) || '억 원',
                '["시험 공약"]', '[]', '{{}}', 'auto',
                CASE WHEN g % 10 = 0 THEN NULL ELSE a.published_at + interval '1 day' END,
                '', a.published_at + interval '1 hour', a.published_at + interval '1 hour'
            FROM generate_series(1, {EVIDENCE}) AS g
            JOIN pledges_article a ON a.id = {first_article} + g * {step} - 1
            """
        )
        add_budget_amounts(cursor)
    # VACUUM, not ANALYZE alone: a freshly bulk-loaded table has no visibility map, so the
    # planner costs index-only scans (the list's counts) and the search's trigram index as
    # if every row had to be read, and picks other plans than a database in use would.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {PLEDGES:,} pledges, {ARTICLES:,} articles, {EVIDENCE:,} evidence rows in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


# The money found in the articles, as the matcher stores it: 2 in 7 evidence rows state a
# national budget secured (every third also a total cost planned; every fifth also an amount
# that is no budget); on most confirmed rows the editors decided them (a figure confirmed, or
# the total rejected). The rest waits on the desk: about 19,000 rows, 24,000 amounts.
BUDGET_AMOUNTS_SQL = """
    UPDATE pledges_evidence e SET amounts =
        jsonb_build_array(jsonb_build_object('text', '국비 ' || (1 + e.id % 900) || '억 원',
            'krw', (1 + e.id % 900) * 100000000, 'funder', 'national', 'stage', 'secured',
            'budget', true, 'sentence', e.snippet))
        || CASE WHEN e.id % 3 = 0 THEN jsonb_build_array(jsonb_build_object(
            'text', '총사업비 ' || (1 + e.id % 900) || '0억 원',
            'krw', (1 + e.id % 900) * 1000000000, 'funder', 'total', 'stage', 'planned',
            'budget', true, 'sentence', e.snippet)) ELSE '[]'::jsonb END
        || CASE WHEN e.id % 5 = 0 THEN jsonb_build_array(jsonb_build_object(
            'text', '생산유발효과 ' || (1 + e.id % 900) || '조 원',
            'krw', (1 + e.id % 900) * 1000000000000, 'funder', null, 'stage', null,
            'budget', false, 'sentence', e.snippet)) ELSE '[]'::jsonb END
    WHERE e.id % 7 IN (0, 3);
    INSERT INTO pledges_budgetfigure (pledge_id, evidence_id, amount_krw, stage, funder, as_of,
        is_lower_bound, source_text, note, note_en, state, confirmed_at, reject_reason,
        created_at)
    SELECT e.pledge_id, e.id, (a ->> 'krw')::bigint, a ->> 'stage', a ->> 'funder',
        e.reviewed_at::date, false, a ->> 'text', a ->> 'sentence', '',
        CASE WHEN e.id % 8 = 1 AND a ->> 'funder' = 'total' THEN 'rejected' ELSE 'confirmed'
        END, e.reviewed_at, '', e.reviewed_at
    FROM pledges_evidence e CROSS JOIN LATERAL jsonb_array_elements(e.amounts) AS a
    WHERE e.state = 'confirmed' AND e.id % 4 <> 0 AND (a ->> 'budget')::boolean;
"""


def add_budget_amounts(cursor) -> None:
    """Amounts on the seeded evidence and the editors' figures of most of them (SQL), then the
    stored open-offer counts by the desk's own rule and each pledge's stored money by the
    pledge page's (Python, as the migrations fill them)."""
    from pledges.budget_offers import recount_all_open_offers
    from pledges.budget_totals import recount_all_budget_totals

    cursor.execute(BUDGET_AMOUNTS_SQL)
    recount_all_open_offers()
    recount_all_budget_totals()


def trivial_urls():
    """The project's URLs plus a view that does nothing (the floor every page is compared to)."""
    from django.http import HttpResponse
    from django.urls import path

    from tracker.urls import urlpatterns

    return [path("bench-trivial/", lambda request: HttpResponse("ok")), *urlpatterns]


def pages() -> list[tuple[str, str, bool]]:
    """(name, path, needs an editor) of every page the issue names."""
    from django.db.models import Count

    from pledges.models import Evidence, Pledge

    busiest = (
        Evidence.objects.filter(state="confirmed", pledge__is_published=True)
        .values("pledge__slug")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["pledge__slug"]
    )
    word = Pledge.objects.get(slug=busiest).match_aliases[0].split()[0]
    return [
        ("trivial view", "/bench-trivial/", False),
        ("home", "/", False),
        ("list", "/pledges/", False),
        ("list, by budget", "/pledges/?sort=budget&page=2", False),
        ("list, filtered", "/pledges/?status=stalled&page=3", False),
        ("search", "/pledges/?q=" + quote(f"{word} 가상012"), False),
        ("detail", f"/pledges/{busiest}/", False),
        ("feed", "/feed/", False),
        ("pledge feed", f"/pledges/{busiest}/feed/", False),
        ("export, one pledge", f"/export/evidence.csv?pledge={busiest}", False),
        ("review queue", "/admin/pledges/evidence/?state__exact=suggested", True),
        ("admin index", "/admin/", True),
        ("queue, all waiting", "/admin/pledges/evidence/?waiting=yes", True),
        ("queue, budget waiting", "/admin/pledges/evidence/?waiting=budget", True),
    ]


def explain(name: str, path: str, client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pledges import publishing

    publishing.public_data_changed()  # a render, not a page kept by an earlier run
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    if response.status_code != 200:
        print(f"  {name}: HTTP {response.status_code}")
        return
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            ms = float(plan.rsplit("Execution Time: ", 1)[1].split(" ms")[0])
            seq = sorted({t for t in BIG_TABLES if f"Seq Scan on {t} " in plan})
            plans.append((ms, sql, plan, seq))
    total = sum(p[0] for p in plans)
    print(f"\n== {name} ({path}): {len(plans)} queries, {total:.1f} ms in PostgreSQL")
    for ms, sql, _plan, seq in sorted(plans, key=lambda p: -p[0]):
        flag = f"  SEQ SCAN on {', '.join(seq)}" if seq else ""
        print(f"  {ms:8.1f} ms  {sql[:110]}{flag}")
    slowest = max(plans, key=lambda p: p[0], default=None)
    shown = [p for p in plans if p[3] and p is not slowest]
    for _ms, sql, plan, _seq in [slowest, *shown] if slowest else []:
        print("  plan of: " + sql[:200])
        print("\n".join("    " + line for line in plan.splitlines()))


def latency(path: str, client, *, cold: bool = False) -> list[float]:
    """Seconds per request of ``path``: warm (served as kept by the public cache after a first
    view) or ``cold`` (right after a publication: the public version moves before each one, so
    each is a render; pieces kept across publications, pledges/site/fragments.py, stay kept)."""
    from pledges import publishing

    times = []
    deadline = time.monotonic() + SECONDS_PER_PAGE
    client.get(path)  # warm
    while len(times) < REQUESTS and time.monotonic() < deadline:
        if cold:
            publishing.public_data_changed()
        start = time.perf_counter()
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
        times.append(time.perf_counter() - start)
    return times


def first_render(path: str, client) -> float:
    """Seconds of a render with nothing kept in this process (as a new worker's first)."""
    from pledges import publishing
    from pledges.site.fragments import fragments

    fragments.clear()
    publishing.public_data_changed()
    start = time.perf_counter()
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)
    return time.perf_counter() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


ready = False  # set once the bench database is seeded (the memory part needs it)


def run() -> None:
    global ready
    url = database_url()
    try:
        ensure_database(url)
    except Exception as exc:  # no PostgreSQL here: say so, the engine figures still stand
        print(f"database part skipped: PostgreSQL not reachable at {url} ({exc})")
        return
    setup_django(url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    seed()
    ready = True
    settings.ROOT_URLCONF = __name__
    editor = get_user_model().objects.filter(username="scale-editor").first()
    if editor is None:
        editor = get_user_model().objects.create_superuser("scale-editor", password=None)
    public, desk = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    desk.force_login(editor)
    todo = pages()
    print(f"\nDatabase at size: {PLEDGES:,} pledges, {ARTICLES:,} articles, "
          f"{EVIDENCE:,} evidence rows (EXPLAIN ANALYZE of each page's queries)")  # fmt: skip
    for name, path, needs_editor in todo[1:]:
        explain(name, path, desk if needs_editor else public)
    print(f"\nPage latency (Django test client, in process; up to {REQUESTS} requests or "
          f"{SECONDS_PER_PAGE:.0f} s a page; load average {os.getloadavg()[0]:.2f}): warm = served "
          "as kept by the cache; cold = right after a publication (a render); first = a render "
          "with nothing kept in the process")  # fmt: skip
    floor = None
    for name, path, needs_editor in todo:
        client = desk if needs_editor else public
        warm = latency(path, client)
        cold = latency(path, client, cold=True)
        first = first_render(path, client)
        cold_p50 = statistics.median(cold)
        floor = floor or cold_p50
        print(f"  {name:<20} n={len(cold):>3}  warm p50 {statistics.median(warm) * 1000:7.1f} ms"
              f"  cold p50 {cold_p50 * 1000:7.1f} ms  p99 {percentile(cold, 0.99) * 1000:7.1f} ms"
              f"  first {first * 1000:7.1f} ms  cold p50 ÷ trivial {cold_p50 / floor:6.1f}")  # fmt: skip


def __getattr__(name: str):
    # ROOT_URLCONF points here while the bench runs; built on first use (Django set up by then).
    if name == "urlpatterns":
        return trivial_urls()
    raise AttributeError(name)
