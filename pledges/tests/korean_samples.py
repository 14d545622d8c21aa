"""Texts written for the Korean engine tests (no third-party articles).

``pdf_page()`` imitates a newspaper page extracted from PDF: one column line per line with blank
lines between them, spaces lost, words split at the column edge, headline blocks, ◇ sub-heads,
a photo caption ending in <사진…>, and bylines with e-mail addresses.
"""

from __future__ import annotations

COLUMN = 40  # column width in half-width cells (20 Hangul characters)


def _cells(ch: str) -> int:
    return 2 if "\u1100" <= ch else 1


def columnize(paragraph: str, width: int = COLUMN, keep_spaces: bool = False) -> list[str]:
    """Wrap a paragraph at ``width`` cells the way a PDF column does (Hangul is 2 cells wide)."""
    text = paragraph if keep_spaces else paragraph.replace(" ", "")
    lines, line, used = [], "", 0
    for ch in text:
        if used + _cells(ch) > width:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += _cells(ch)
    if line:
        lines.append(line)
    return lines


def page(blocks: list[tuple[str, list[str]]]) -> str:
    """blocks: ("head", [lines]) or ("body", [paragraphs]) or ("raw", [lines])."""
    lines: list[str] = []
    for kind, items in blocks:
        if kind == "body":
            for paragraph in items:
                lines.extend(columnize(paragraph))
        else:
            lines.extend(items)
    return "\n\n".join(lines) + "\n"


PLEDGE_BODY = [
    "광주시는 국가AI컴퓨팅센터 유치와 AX실증밸리 조성을 올해 최우선 과제로 꼽았다.",
    "대통령은 후보 시절 광주에 국가AI컴퓨팅센터를 구축하겠다고 약속했고 광주시는 부지와 전력을 "
    "이미 확보했다고 설명했다.",
    "◇AX실증밸리 조성 =광주시는 AI 2단계 사업인 AX실증밸리에 모두 9000억원을 투입할 계획이다. "
    "하지만 국비 957억원은 아직 확보되지 않았다.",
    "광주 AI 1단계 사업인 AI 중심 산업융합 집적단지 조성사업에는 총 4269억원이 들어갔다.",
    "광주 AI 집적단지에는 국가 AI 데이터센터가 이미 들어서 있다.",
    "◇AI 모빌리티 국가시범도시 =광주시는 빛그린 미래차 국가산단에 AI 모빌리티 국가시범도시를 "
    "조성해 자율주행과 드론을 실증한다는 구상이다.",
    "광주시는 AI 모빌리티 국가시범도시가 지역 자동차 산업의 미래를 바꿀 것이라고 강조했다.",
]

OTHER_BODY = [
    "광주 도시철도 2호선 공사 구간의 공정률이 95%를 넘어섰다.",
    "시는 남은 공정을 마무리하고 시험 운전을 거쳐 내후년 말 개통할 계획이라고 밝혔다.",
    "시민들은 공사 기간 교통 불편이 컸다며 개통 일정이 더 늦어지지 않기를 바랐다.",
]


def pdf_page() -> str:
    return page(
        [
            (
                "head",
                ["광주국가AI컴퓨팅센터구축서둘러야", "새정부지역공약점검", "AX실증밸리도숙제"],
            ),
            ("body", PLEDGE_BODY),
            ("raw", ["/홍길동기자 hong@example.co.kr"]),
            (
                "raw",
                [
                    *columnize("시민들이 광주 AI 체험관에서 자율주행 로봇을 살펴보고 있다")[:-1],
                    columnize("시민들이 광주 AI 체험관에서 자율주행 로봇을 살펴보고 있다")[-1]
                    + ". <사진=광주시 제공>",
                ],
            ),
            ("head", ["AI체험관시민북적"]),
            ("head", ["도시철도2호선공정률95%", "내후년말개통목표"]),
            ("body", OTHER_BODY),
            ("raw", ["/김철수기자 kimcs@example.co.kr"]),
        ]
    )
