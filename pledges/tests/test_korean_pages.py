"""Splitting a PDF-extracted newspaper page into articles (page written for the tests)."""

from __future__ import annotations

from pledges.korean.pages import PageArticle, split_newspaper_page

from .korean_samples import columnize, page, pdf_page


def test_page_splits_into_articles_and_photo_item():
    items = split_newspaper_page(pdf_page())
    assert [i.kind for i in items] == ["article", "photo", "article"]


def test_bylines_end_articles_and_give_reporter_and_email():
    first, _, last = split_newspaper_page(pdf_page())
    assert (first.byline, first.reporter_email) == ("홍길동", "hong@example.co.kr")
    assert (last.byline, last.reporter_email) == ("김철수", "kimcs@example.co.kr")


def test_headline_block_gives_title_and_subtitles():
    first, _, last = split_newspaper_page(pdf_page(), restore=False)
    assert first.title == "광주국가AI컴퓨팅센터구축서둘러야"
    assert first.subtitles == ["새정부지역공약점검", "AX실증밸리도숙제"]
    assert last.title == "도시철도2호선공정률95%"
    assert last.subtitles == ["내후년말개통목표"]


def test_body_is_glued_and_subheads_are_listed():
    first = split_newspaper_page(pdf_page())[0]
    assert "국가AI컴퓨팅센터" in first.body.replace(" ", "")
    assert "\n\n" not in first.body
    assert [s.replace(" ", "") for s in first.subheads] == [
        "AX실증밸리조성",
        "AI모빌리티국가시범도시",
    ]


def test_caption_between_articles_is_a_photo_item_with_one_headline():
    photo = split_newspaper_page(pdf_page(), restore=False)[1]
    assert photo.title == "AI체험관시민북적"
    assert photo.body == ""
    assert photo.captions and photo.captions[0].endswith("<사진=광주시 제공>")


def test_caption_after_a_headline_belongs_to_that_article():
    text = page(
        [
            ("head", ["광주AI축제개막"]),
            ("raw", ["시민들이로봇을보고있다. <사진=광주시 제공>"]),
            ("body", ["광주시는 올해 처음 AI 축제를 열고 시민 체험 행사를 마련했다고 밝혔다."] * 3),
            ("raw", ["/홍길동기자 hong@example.co.kr"]),
        ]
    )
    (item,) = split_newspaper_page(text, restore=False)
    assert item.kind == "article"
    assert item.title == "광주AI축제개막"
    assert len(item.captions) == 1


def test_new_headline_block_without_byline_starts_a_new_article():
    text = page(
        [
            ("head", ["첫기사제목"]),
            (
                "body",
                [
                    "첫 기사의 본문은 여러 줄에 걸쳐 길게 이어지는데 단의 폭을 꽉 채운 줄이 "
                    "여러 개 나온 다음에야 비로소 마침표로 끝난다."
                ]
                * 3,
            ),
            ("head", ["둘째기사제목", "둘째기사부제"]),
            (
                "body",
                [
                    "둘째 기사의 본문도 여러 줄에 걸쳐 길게 이어지는데 단의 폭을 꽉 채운 줄이 "
                    "여러 개 나온 다음에야 비로소 마침표로 끝난다."
                ]
                * 3,
            ),
        ]
    )
    items = split_newspaper_page(text, restore=False)
    assert [i.title for i in items] == ["첫기사제목", "둘째기사제목"]
    assert items[1].subtitles == ["둘째기사부제"]


def test_rules_are_not_tied_to_offsets():
    # The same page with an extra article in front still splits the same way.
    extra = page(
        [
            ("head", ["앞선기사"]),
            ("body", ["앞선 기사의 본문이 한 단락 이어지고 마침표로 끝나는 문장이다."] * 2),
            ("raw", ["/이몽룡기자 lee@example.co.kr"]),
        ]
    )
    items = split_newspaper_page(extra + pdf_page(), restore=False)
    assert [i.title for i in items][:2] == ["앞선기사", "광주국가AI컴퓨팅센터구축서둘러야"]
    assert len(items) == 4


def test_plain_web_text_is_one_article():
    text = "광주시, 유치위 출범\n광주시가 유치위원회를 출범했다고 밝혔다.\n홍길동 기자 hong@example.co.kr"
    (item,) = split_newspaper_page(text)
    assert item.title == "광주시, 유치위 출범"
    assert item.byline == "홍길동"


def test_empty_page_has_no_items():
    assert split_newspaper_page("") == []
    assert split_newspaper_page("\n\n  \n") == []


def test_as_dict_is_json_ready():
    item = split_newspaper_page(pdf_page())[0]
    d = item.as_dict()
    assert isinstance(item, PageArticle)
    assert set(d) >= {"title", "subtitles", "body", "byline", "reporter_email", "captions"}


def test_columnize_helper_splits_words_like_a_pdf():
    assert any(len(line) > 0 for line in columnize("광주 국가AI컴퓨팅센터 " * 3))
