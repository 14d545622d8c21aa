"""One Kiwi analyser per process, created on first use.

Loading the model takes about a second and ~100 MB, so it must never happen per article. The
instance is shared by all threads: kiwipiepy's analysis calls on one ``Kiwi`` object are safe to
use concurrently; only the creation is guarded here.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_kiwi: Any = None


def get_kiwi() -> Any:
    """Return the process-wide ``kiwipiepy.Kiwi`` instance (created lazily, thread-safe)."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi
