"""A local HTTP server for ingestion tests: routes map a path to a response or a handler.

Used by the tests in tests/ingest/, test_tasks and the worker integration tests, and by bench/bench_ingest.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a page that times out)
    chunked_size: int = 0  # stream this many zero bytes without a Content-Length
    trickle: float = 0.0  # send the body one byte every this many seconds (a stalling server)
    trickle_headers: bool = False  # trickle the status line and headers too


Route = Response | Callable[["Handler"], Response]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; with Nagle's algorithm on, the client's
    # delayed ACK adds ~40 ms to every response, and benchmarks would measure that.
    disable_nagle_algorithm = True
    server: LocalServer

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        started = time.monotonic()
        self._answering_at = 0.0
        try:
            self._answer()
        finally:
            # Until the answer starts going out: the client holds its slot at least this long,
            # so overlaps seen here are overlaps the client really had.
            answered = self._answering_at or time.monotonic()
            self.server.visits.append((self.path, started, answered))

    def _answer(self):
        route = self.server.routes.get(self.path) or self.server.routes.get(
            self.path.split("?", 1)[0]
        )
        if route is None:
            response = Response(b"not found", 404, {"Content-Type": "text/plain"})
        elif callable(route):
            response = route(self)
        else:
            response = route
        if response.delay:
            time.sleep(response.delay)
        self._answering_at = time.monotonic()
        if response.trickle:
            self._trickle(response)
            return
        try:
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            if response.chunked_size:
                self.send_header("Connection", "close")
                self.end_headers()
                block = b"\0" * 65536
                sent = 0
                while sent < response.chunked_size:
                    self.wfile.write(block)
                    sent += len(block)
                return
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _trickle(self, response: Response) -> None:
        head = f"HTTP/1.1 {response.status} OK\r\n" + "".join(
            f"{key}: {value}\r\n" for key, value in response.headers.items()
        )
        head = (head + f"Content-Length: {len(response.body)}\r\n\r\n").encode()
        try:
            if not response.trickle_headers:
                self.wfile.write(head)
                self.wfile.flush()
                head = b""
            for byte in head + response.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(response.trickle)
        except OSError:  # the client gave up: what the test wants
            pass
        self.close_connection = True


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, routes: dict[str, Route] | None = None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: list[str] = []
        self.visits: list[tuple[str, float, float]] = []  # (path, started, answered)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def page_hits(self) -> list[str]:
        """The requests other than for /robots.txt (which the crawler reads before any page)."""
        return [path for path in self.hits if path != "/robots.txt"]

    def max_in_flight(self, prefix: str = "/") -> int:
        """The most requests under ``prefix`` the server was answering at one moment."""
        edges = sorted(
            (moment, step)
            for path, started, answered in self.visits
            if path.startswith(prefix)
            for moment, step in ((started, 1), (answered, -1))
        )
        current = peak = 0
        for _moment, step in edges:
            current += step
            peak = max(peak, current)
        return peak

    def start_times(self, prefix: str = "/") -> list[float]:
        return sorted(s for path, s, _a in self.visits if path.startswith(prefix))

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def html_page(title: str, paragraphs: list[str], *, charset: str = "utf-8", meta: bool = True):
    head = f'<meta charset="{charset}">' if meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        f"<!doctype html><html><head>{head}<title>{title}</title>"
        "<script>var tracking = '광고 스크립트';</script></head><body>"
        "<nav><a href='/'>홈</a> <a href='/politics'>정치</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright 시험일보. 무단 전재 및 재배포 금지</footer></body></html>"
    )
    # Servers labelled EUC-KR really send CP949 (its superset), as browsers expect.
    return page.encode("cp949" if charset.lower() in {"euc-kr", "euc_kr"} else charset)


def rss_feed(title: str, items: list[dict[str, str]]) -> bytes:
    entries = "".join(
        "<item>"
        f"<title>{item['title']}</title><link>{item['link']}</link>"
        f"<description><![CDATA[{item.get('summary', '')}]]></description>"
        f"<pubDate>{item.get('date', 'Tue, 10 Jun 2025 05:00:00 +0900')}</pubDate>"
        "</item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>d</description>"
        f"{entries}</channel></rss>"
    ).encode()


def atom_feed(title: str, items: list[dict[str, str]]) -> bytes:
    entries = "".join(
        "<entry>"
        f'<title>{item["title"]}</title><link href="{item["link"]}"/>'
        f"<id>{item['link']}</id><updated>{item.get('date', '2025-06-10T05:00:00+09:00')}</updated>"
        f"<summary>{item.get('summary', '')}</summary>"
        "</entry>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:test</id><updated>2025-06-10T05:00:00+09:00</updated>"
        f"{entries}</feed>"
    ).encode()


# --- synthetic Korean news (tests and the ingestion benchmark) --------------------------------

_PLACES = ["전남도", "목포시", "순천시", "여수시", "나주시", "담양군", "해남군", "완도군", "보성군"]
_TOPICS = [
    ("도로 확장 공사", "교통 체증 해소"),
    ("청년 창업 지원", "지역 일자리 창출"),
    ("노인 돌봄 서비스", "복지 사각지대 해소"),
    ("하수처리장 증설", "수질 개선"),
    ("전통시장 현대화", "상권 활성화"),
    ("공공도서관 건립", "문화 기반 확충"),
    ("스마트팜 단지 조성", "농가 소득 증대"),
    ("해양 관광 벨트", "관광객 유치"),
    ("어린이 보호구역 정비", "교통 안전"),
    ("신재생에너지 단지", "탄소 중립"),
]
_VERBS = ["추진한다", "확대한다", "검토하고 있다", "본격화한다", "마무리했다", "착수했다"]
_PEOPLE = ["관계자", "담당 과장", "주민 대표", "시의원", "전문가", "상인회장"]
_PLEDGE_LINES = [
    "광주시는 국가AI컴퓨팅센터 유치를 위해 정부와 협의를 이어가고 있다고 밝혔다.",
    "광주시 관계자는 국가AI컴퓨팅센터가 들어서면 지역 기업의 연산 자원 부족이 해소될 것이라고 말했다.",
    "광주 첨단3지구 AX 실증밸리 조성 사업은 국비 확보가 관건으로 꼽힌다.",
]


def synthetic_article(number: int, *, mention_pledge: bool) -> tuple[str, list[str]]:
    """A distinct Korean news text (title, paragraphs); some mention a Gwangju pledge."""
    import random

    rng = random.Random(number)
    place = rng.choice(_PLACES)
    topic, goal = rng.choice(_TOPICS)
    amount = rng.randint(3, 900)
    year = rng.randint(2025, 2030)
    title = f"{place}, {topic} {amount}억 원 투입 ({number}호)"
    lines = [
        f"{place}는 {year}년까지 {amount}억 원을 들여 {topic} 사업을 {rng.choice(_VERBS)}고 "
        f"{rng.randint(1, 28)}일 밝혔다.",
        f"이번 사업은 {goal}를 목표로 하며 {rng.randint(2, 40)}개 지구에서 단계적으로 진행된다.",
        f"{place} {rng.choice(_PEOPLE)}은 사업 번호 {number}번의 세부 계획을 "
        f"{rng.randint(1, 12)}월 중 공개하겠다고 말했다.",
        f"주민 설명회는 {rng.randint(1, 12)}월 {rng.randint(1, 28)}일 {place} 청사 "
        f"{rng.randint(1, 9)}층 대회의실에서 열린다.",
        f"{place}는 국비 {rng.randint(1, 300)}억 원과 지방비 {rng.randint(1, 300)}억 원을 "
        f"확보했으며 민간 투자 {rng.randint(1, 99)}건을 유치했다.",
        f"지난해 같은 기간 {rng.randint(100, 9999)}명이던 이용자는 올해 "
        f"{rng.randint(100, 9999)}명으로 집계됐다.",
    ]
    rng.shuffle(lines)
    if mention_pledge:
        title = f"광주 국가AI컴퓨팅센터 유치 총력 ({number}호)"
        lines = [rng.choice(_PLEDGE_LINES), *lines]
    return title, lines
