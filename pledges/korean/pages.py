"""Split the text of a whole newspaper page (PDF extraction) into its articles.

General layout rules, no page-specific offsets:

- An article is a headline block (title, then sub-titles: short lines that end no sentence),
  then body paragraphs, and ends with a byline ("/정병호기자 jusbh@kwangju.co.kr", or an e-mail
  line). A new headline block after body text also starts a new article (no byline).
- ``◇ sub-head = text`` lines inside a body are sub-heads; they stay in the body and are also
  listed in ``subheads``.
- A photo caption ends with a credit like ``<사진공동취재단>``. A caption standing between articles
  is a photo item of its own; its headline is the one line under it. A caption after an
  article's headline, or inside its body, belongs to that article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .normalize import (
    _BYLINE,
    Paragraph,
    column_paragraphs,
    ends_sentence,
    is_byline,
    is_caption_end,
    is_column_layout,
    normalize_text,
    normalize_unicode,
)

__all__ = ["PageArticle", "split_newspaper_page"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SUBHEAD = re.compile(r"^\s*[◇◆■]\s*([^=]{1,60}?)\s*=")


@dataclass
class PageArticle:
    """One item of a page. ``body`` is normalized (column lines glued, spacing restored)."""

    title: str
    subtitles: list[str] = field(default_factory=list)
    body: str = ""
    byline: str = ""  # reporter name, e.g. "정병호"
    reporter_email: str = ""
    captions: list[str] = field(default_factory=list)
    subheads: list[str] = field(default_factory=list)
    kind: str = "article"  # "article" or "photo"

    def as_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "subtitles": self.subtitles,
            "body": self.body,
            "byline": self.byline,
            "reporter_email": self.reporter_email,
            "captions": self.captions,
            "subheads": self.subheads,
            "kind": self.kind,
        }


@dataclass
class _Draft:
    heads: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    byline: str = ""
    email: str = ""
    photo: bool = False

    def empty(self) -> bool:
        return not (self.heads or self.body or self.captions)


def _finish(draft: _Draft, restore: bool | None) -> PageArticle:
    def clean(s: str) -> str:
        return normalize_text(s, restore=restore)

    body = clean("\n".join(draft.body))
    subheads = [m.group(1).strip() for line in body.split("\n") if (m := _SUBHEAD.match(line))]
    heads = [clean(h) for h in draft.heads]
    return PageArticle(
        title=heads[0] if heads else "",
        subtitles=heads[1:],
        body=body,
        byline=draft.byline,
        reporter_email=draft.email,
        captions=[clean(c) for c in draft.captions],
        subheads=subheads,
        kind="photo" if draft.photo and not draft.body else "article",
    )


def split_newspaper_page(text: str, *, restore: bool | None = None) -> list[PageArticle]:
    """Split a page's extracted text into its articles and photo items, in page order.

    ``restore`` is passed to ``normalize_text`` (None: restore spacing where it was lost).
    Text that is not in column layout is treated the same way, one line per paragraph.
    """
    text = normalize_unicode(text or "")
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return []
    if is_column_layout(text):
        paragraphs = column_paragraphs(lines)
    else:
        paragraphs = _plain_paragraphs(lines)

    items: list[PageArticle] = []
    draft = _Draft()

    def close() -> None:
        nonlocal draft
        if not draft.empty():
            items.append(_finish(draft, restore))
        draft = _Draft()

    for para in paragraphs:
        if para.kind == "byline":
            m = _BYLINE.match(para.text)
            draft.byline = m.group(1) if m else ""
            email = _EMAIL.search(para.text)
            draft.email = email.group() if email else ""
            close()
        elif para.kind == "caption":
            if draft.body or draft.heads:
                draft.captions.append(para.text)  # the article's own photo
            else:
                draft.captions.append(para.text)
                draft.photo = True
        elif para.kind == "head":
            if draft.body:
                close()  # a new headline block after body text: article without byline
            draft.heads.append(para.text)
            if draft.photo and not draft.body:
                close()  # a photo item has one headline line
        else:
            draft.body.append(para.text)
    close()
    return items


def _plain_paragraphs(lines: list[str]) -> list[Paragraph]:
    """Non-column text: bylines, captions and short unpunctuated lines keep their roles."""
    out: list[Paragraph] = []
    seen_body = False
    for line in (ln.strip() for ln in lines):
        if is_byline(line):
            out.append(Paragraph("byline", line))
            seen_body = False
        elif is_caption_end(line):
            out.append(Paragraph("caption", line))
        elif not seen_body and len(line) <= 60 and not ends_sentence(line):
            out.append(Paragraph("head", line))
        else:
            out.append(Paragraph("body", line))
            seen_body = True
    return out
