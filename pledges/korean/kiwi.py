"""One Kiwi analyser per process, created on first use.

Loading the model takes about a second and ~100 MB, so it must never happen per article. The
instance is shared by all threads: kiwipiepy's analysis calls on one ``Kiwi`` object are safe to
use concurrently; only the creation is guarded here.

``Kiwi()`` only loads the model; the analyser itself (about 220 MB more) is built at the first
analysis. A Celery parent that forks its pool must therefore *use* the model once
(``warm_kiwi``), not just create it: otherwise each child builds its own analyser at its first
article and the memory is not shared (measured in ``make bench-scale``: 472 MB unique per child
without it).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_kiwi: Any = None

# Short text for each analysis the engine uses (sentence split, spacing, tokenizing).
_WARM_TEXT = "광주시가 사업을 추진한다. 국비를 확보했다."


def get_kiwi() -> Any:
    """Return the process-wide ``kiwipiepy.Kiwi`` instance (created lazily, thread-safe)."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def warm_kiwi() -> Any:
    """The instance, with everything the engine's analyses need already built (before fork)."""
    kiwi = get_kiwi()
    kiwi.split_into_sents(_WARM_TEXT)
    kiwi.space(_WARM_TEXT, reset_whitespace=False)
    kiwi.tokenize(_WARM_TEXT)
    return kiwi
