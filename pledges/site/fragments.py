"""Rendered pieces of public pages kept in this process's memory, keyed by what they show.

A national tracker's front page and list show one scoreboard per promiser (hundreds of them:
rendering them is most of those pages' cost). After a publication every cached page is rendered
again (pledges/site/cache.py), yet one publication changes one pledge, so nearly every scoreboard
comes out as before. Each one's HTML is therefore kept under a digest of everything it is
rendered from: the language, the template's own options, and the values of the overview (its
counts, shares and money, every loaded field of its promiser and listed pledges: its pickle). A
changed scoreboard has another key and is rendered afresh; an unchanged one is reused.

In process memory, not the shared cache: a deploy (new templates, new translations) starts with
none, so a kept piece always comes from the code that serves it.

The key holds what the overview holds. A template reading more (a related row, a deferred field)
would read it at render time only and could then show it stale; it would also cost a query per
scoreboard, which the query-count tests (test_site_queries) catch.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict

from django.template.loader import get_template
from django.utils.translation import get_language

# Scoreboards kept (a few KB each): every promiser, in two languages, on the front page and
# the list, with room for the filtered lists' versions.
KEPT_FRAGMENTS = 4000


class Fragments:
    """The most recently used pieces of HTML, least recently used out first."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()
        self.renders = 0  # pieces rendered (not reused) by this process

    def get_or_render(self, key: str, render) -> str:
        with self.lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
                return html
        html = render()
        with self.lock:
            self.renders += 1
            self.entries[key] = html
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return html

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


fragments = Fragments(KEPT_FRAGMENTS)


def digest(value) -> str:
    """A digest of everything ``value`` holds: its pickle, which keeps a model instance's
    loaded fields and annotations, a dataclass's fields, a lazy translation's message."""
    return hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def render_kept(template_name: str, context: dict) -> str:
    """``template_name`` rendered with ``context`` (values only: no request), or the same
    rendering kept from before in this process."""
    key = f"{template_name} {get_language()} {digest(sorted(context.items()))}"
    return fragments.get_or_render(key, lambda: get_template(template_name).render(context))
