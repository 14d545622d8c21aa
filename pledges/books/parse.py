"""Reading a pledge book file (CSV as Excel saves it, JSON, YAML) into typed rows.

No Django here: what goes wrong is a ``Problem`` (a code and its parameters) that
``books.messages`` turns into a sentence in the editor's language, so the same reading serves
the command, the admin and tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pledges.korean.money import parse_amount
from pledges.korean.normalize import normalize_unicode

__all__ = [
    "COLUMNS",
    "LIST_FIELDS",
    "MAX_BYTES",
    "MAX_ROWS",
    "BookFileError",
    "BookRow",
    "ParsedBook",
    "Problem",
    "column_for",
    "decode",
    "parse_book",
    "parse_budget",
    "parse_date",
]

MAX_BYTES = 1_000_000  # hundreds of pledges are ~200 KB; the admin posts the file back once
MAX_ROWS = 2000

# Canonical field → the headers that name it (English and Korean), compared after ``_header_key``.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "공약번호", "번호", "코드"),
    "slug": ("slug", "슬러그", "주소이름"),
    "promiser": ("promiser", "공약자", "공약주체", "약속한사람"),
    "jurisdiction": ("jurisdiction", "region", "지역", "관할", "관할지역", "지자체"),
    "category": ("category", "분야", "분류", "카테고리"),
    "title": ("title", "공약명", "공약", "제목", "공약제목"),
    "title_en": ("title_en", "titleen", "englishtitle", "영문공약명", "영문제목"),
    "summary": ("summary", "요약", "공약요약", "설명"),
    "original_text": ("original_text", "originaltext", "text", "공약원문", "원문", "공약내용"),
    "source_document": (
        "source_document",
        "sourcedocument",
        "source",
        "출처",
        "출처문서",
        "공약집",
    ),
    "source_page": ("source_page", "sourcepage", "page", "쪽", "페이지", "출처쪽"),
    "source_url": ("source_url", "sourceurl", "url", "출처url", "출처주소", "링크"),
    "parent": ("parent", "상위공약", "상위", "소속공약"),
    "target_date": ("target_date", "targetdate", "목표시점", "목표일", "완료목표", "이행시한"),
    "made_on": ("made_on", "madeon", "발표일", "공약일"),
    "responsible_agency": ("responsible_agency", "agency", "담당기관", "소관기관", "주관부서"),
    "budget_pledged": (
        "budget_pledged",
        "budgetpledged",
        "budget",
        "budget_krw",
        "공약예산",
        "소요예산",
        "예산",
        "총사업비",
    ),
    "aliases": ("aliases", "match_aliases", "별칭", "다른이름"),
    "keywords": ("keywords", "match_keywords", "키워드", "검색어"),
    "exclusions": ("exclusions", "match_exclusions", "제외어", "제외"),
}
LIST_FIELDS = ("aliases", "keywords", "exclusions")
# A title is always needed; the original text defaults to it. Promiser and jurisdiction may come
# from the command line or the upload form instead of a column (checked when planning).
REQUIRED_COLUMNS = ("title",)
_LIST_SPLIT = re.compile(r"\s*[;|\n]\s*")


def _header_key(header: str) -> str:
    """ "공약 예산(원)" → "공약예산", "Source_Page" → "sourcepage" (spaces, case, units ignored)."""
    text = normalize_unicode(str(header)).strip().lower()
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", text)
    return re.sub(r"[\s_\-·./*]", "", text)


_BY_HEADER = {_header_key(h): name for name, headers in COLUMNS.items() for h in headers}


def column_for(header: str) -> str | None:
    return _BY_HEADER.get(_header_key(header))


@dataclass(frozen=True)
class Problem:
    """What is wrong, as a code and parameters; ``column`` the field it concerns, if one."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    column: str = ""


class BookFileError(Exception):
    """The file as a whole cannot be read (encoding, format, size, columns)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass
class BookRow:
    """One pledge of the book: its place in the file, the values given (empty cells left out),
    and what is wrong with them."""

    number: int  # the spreadsheet's row number (header = 1) or the item's place (from 1)
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # cells as written, where typed

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass
class ParsedBook:
    format: str  # csv, json, yaml
    encoding: str
    columns: list[str]  # canonical fields present
    unknown_columns: list[str]
    rows: list[BookRow]


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without Excel's BOM), else CP949 (a superset of
    EUC-KR, what Korean Excel writes by default)."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:  # UTF-16 or a binary file (a .xlsx renamed) decodes to NULs
            break
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise BookFileError(Problem("encoding"))


def _format_of(filename: str, text: str) -> str:
    name = filename.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith((".xlsx", ".xls", ".ods")):
        raise BookFileError(Problem("spreadsheet"))
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        return "json"
    return "csv"


def parse_book(data: bytes, filename: str = "") -> ParsedBook:
    """Rows of a pledge book file. Raises ``BookFileError`` when the file as a whole is unusable;
    problems of single rows are on the rows."""
    if len(data) > MAX_BYTES:
        raise BookFileError(Problem("too_big", {"limit_kb": MAX_BYTES // 1000}))
    if not data.strip():
        raise BookFileError(Problem("empty"))
    text, encoding = decode(data)
    kind = _format_of(filename, text)
    if kind == "csv":
        headers, records = _csv_records(text)
    else:
        headers, records = _structured_records(text, kind)
    mapped: dict[str, str] = {}
    unknown = []
    for header in headers:
        name = column_for(header)
        if name is None:
            if str(header).strip():
                unknown.append(str(header).strip())
        elif name in mapped.values():
            raise BookFileError(Problem("duplicate_column", {"column": header}))
        else:
            mapped[header] = name
    missing = [c for c in REQUIRED_COLUMNS if c not in mapped.values()]
    if missing:
        raise BookFileError(Problem("missing_columns", {"columns": ", ".join(missing)}))
    rows = []
    for number, record in records:
        values = {mapped[h]: v for h, v in record.items() if h in mapped}
        if record.get("\x00not_mapping"):
            values["\x00not_mapping"] = True
        row = _typed_row(number, values)
        if row is not None and record.get("\x00extra"):
            row.problems.append(Problem("extra_cells", {"count": len(record["\x00extra"])}))
        if row is not None:
            rows.append(row)
    if not rows:
        raise BookFileError(Problem("no_rows"))
    if len(rows) > MAX_ROWS:
        raise BookFileError(Problem("too_many_rows", {"limit": MAX_ROWS}))
    return ParsedBook(
        format=kind,
        encoding=encoding,
        columns=[c for c in COLUMNS if c in mapped.values()],
        unknown_columns=unknown,
        rows=rows,
    )


def _csv_records(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    # The header line decides the delimiter (Excel in some locales writes ";"); cells below may
    # hold ";" between terms, so sniffing the whole text would guess wrong.
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (header_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as error:
        raise BookFileError(Problem("bad_format", {"detail": str(error)})) from error
    headers = [h.strip() for h in headers]
    records = []
    try:
        for cells in reader:
            number = len(records) + 2  # as the spreadsheet counts: header 1, a record a row
            if len(records) > MAX_ROWS:
                raise BookFileError(Problem("too_many_rows", {"limit": MAX_ROWS}))
            extra = cells[len(headers) :]
            record = dict(zip(headers, cells, strict=False))
            if any(c.strip() for c in extra):
                record["\x00extra"] = extra  # reported as a row problem
            records.append((number, record))
    except csv.Error as error:
        raise BookFileError(Problem("bad_format", {"detail": str(error)})) from error
    return headers, records


def _structured_records(text: str, kind: str) -> tuple[list[str], list[tuple[int, dict]]]:
    try:
        if kind == "json":
            document = json.loads(text)
        else:
            import yaml

            document = yaml.safe_load(text)
    except Exception as error:  # json.JSONDecodeError, yaml.YAMLError: the message says where
        raise BookFileError(Problem("bad_format", {"detail": str(error)[:200]})) from error
    if isinstance(document, dict):
        document = document.get("pledges", document.get("공약"))
    if not isinstance(document, list):
        raise BookFileError(Problem("not_a_list"))
    headers: dict[str, None] = {}
    records = []
    for index, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            records.append((index, {"\x00not_mapping": True}))
            continue
        item = {str(k): v for k, v in item.items()}
        headers.update(dict.fromkeys(item))
        records.append((index, item))
    return list(headers), records


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = normalize_unicode(str(value)).strip()
    # Long texts keep their line breaks (an original text's paragraphs); short ones are one line.
    return text if "\n" in text else " ".join(text.split())


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else _LIST_SPLIT.split(_as_text(value))
    return list(dict.fromkeys(t for t in (_as_text(i) for i in items) if t))


def _typed_row(number: int, raw: dict[str, Any]) -> BookRow | None:
    row = BookRow(number=number)
    if raw.get("\x00not_mapping"):
        row.problems.append(Problem("not_mapping"))
        return row
    for name, value in raw.items():
        # Only text, numbers and dates (and, for terms, lists of them): a nested structure (or a
        # YAML alias bomb) is refused here, never expanded.
        items = value if name in LIST_FIELDS and isinstance(value, (list, tuple)) else [value]
        if any(isinstance(item, (list, tuple, dict, set)) for item in items):
            row.problems.append(Problem("not_text", {}, name))
            continue
        if name in LIST_FIELDS:
            terms = _as_list(value)
            if terms:
                row.values[name] = terms
            continue
        text = _as_text(value)
        if text:
            row.values[name] = text
    if not row.values and not row.problems:
        return None  # an empty line Excel left at the end
    for name in ("target_date", "made_on"):
        if name in row.values:
            parsed = parse_date(row.values[name])
            if parsed is None:
                row.problems.append(Problem("bad_date", {"value": row.values[name]}, name))
            else:
                row.values[name] = parsed
    if "budget_pledged" in row.values:
        row.written["budget_pledged"] = row.values["budget_pledged"]
        amount = parse_budget(row.values["budget_pledged"])
        if amount is None:
            row.problems.append(
                Problem("bad_budget", {"value": row.values["budget_pledged"]}, "budget_pledged")
            )
        else:
            row.values["budget_pledged"] = amount
    if not row.values.get("title"):
        row.problems.append(Problem("required", {}, "title"))
    return row


_DATE_FORMS = (
    # 2028-12-31, 2028.12.31., 2028/12/31, 2028년 12월 31일
    (re.compile(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?"), 3),
    # 2028-12, 2028.12, 2028년 12월: the end of that month
    (re.compile(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[.월]?"), 2),
    # 2028, 2028년, 2028년까지: the end of that year
    (re.compile(r"(\d{4})\s*(?:년)?\s*(?:까지|말|내)?"), 1),
)


def parse_date(text: str) -> dt.date | None:
    """A date as written in a pledge book. A month or a year alone means its last day (a
    pledge "by 2028" is due at the end of 2028)."""
    text = str(text).strip()
    for pattern, parts in _DATE_FORMS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        try:
            if parts == 3:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            if parts == 2:
                year, month = int(m[1]), int(m[2])
                if not 1 <= month <= 12:
                    return None
                first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
                return first_of_next - dt.timedelta(days=1)
            return dt.date(int(m[1]), 12, 31)
        except ValueError:
            return None
    return None


def parse_budget(text: str) -> int | None:
    """Integer KRW of "9,000억 원", "1조 2천억", "900000000000" or "900,000,000,000"."""
    text = str(text).strip()
    plain = text.replace(",", "").removesuffix("원").strip()
    if plain.isdigit():
        return int(plain)
    return parse_amount(text)
