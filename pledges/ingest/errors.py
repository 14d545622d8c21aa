"""What can go wrong while ingesting, and whether retrying can help (``permanent``).

Tasks retry the transient kinds with backoff; commands and the admin show the message.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime


class IngestError(Exception):
    """Something could not be ingested. ``permanent``: retrying the same input will not help."""

    permanent = True

    def __init__(self, message: str, *, url: str = "", status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class FetchError(IngestError):
    """A request failed. Transient (network, timeout, 5xx, 429) or permanent (4xx, unsafe…)."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        permanent: bool | None = None,
    ):
        super().__init__(message, url=url, status=status)
        if permanent is not None:
            self.permanent = permanent

    # Seconds the server asked us to wait (Retry-After on a 429 or 503), if it said.
    retry_after: float | None = None

    @classmethod
    def for_status(cls, status: int, url: str, retry_after: str | None = None) -> FetchError:
        if status in (408, 425, 429) or status >= 500:
            error = TransientFetchError(f"HTTP {status}", url=url, status=status)
            error.retry_after = parse_retry_after(retry_after)
            if error.retry_after is not None:
                error.args = (f"HTTP {status} (Retry-After {error.retry_after:g} s)",)
            return error
        return PermanentFetchError(f"HTTP {status}", url=url, status=status)


class TransientFetchError(FetchError):
    permanent = False


class PermanentFetchError(FetchError):
    permanent = True


class FetchDeadlineExceeded(PermanentFetchError):
    """The whole fetch overran its deadline (e.g. a server trickling bytes). Not retried: the
    same server would hold a worker for the whole deadline again."""


class FetchTimeout(TransientFetchError):
    """The server did not answer (or finish answering) in time."""


class RobotsDisallowed(PermanentFetchError):
    """The site's robots.txt disallows this URL for our user agent: never retried."""

    def __init__(self, message: str, *, url: str = "", rule: str = ""):
        super().__init__(message, url=url)
        self.rule = rule


class HostBusy(TransientFetchError):
    """The host's politeness limit (or its Retry-After) keeps us waiting longer than a worker
    may wait in place; ``retry_after`` says when to try again."""

    def __init__(self, message: str, *, url: str = "", retry_after: float):
        super().__init__(message, url=url)
        self.retry_after = retry_after


class RobotsUnavailable(HostBusy):
    """The host's robots.txt answered 5xx or timed out: no fetching from it until later."""


class UnsafeURLError(PermanentFetchError):
    """The URL is not http(s) or resolves to an address the fetcher must not reach."""


class ResponseTooLarge(PermanentFetchError):
    pass


class UnsupportedContent(PermanentFetchError):
    """The body is not what was asked for (e.g. a PDF or image where HTML was expected)."""


class FeedError(PermanentFetchError):
    """The body is not a readable RSS/Atom feed."""


class ArticleTooLong(IngestError):
    """The article text is longer than INGEST_MAX_TEXT_CHARS: not a news article."""


class ExtractionError(IngestError):
    """No article text could be found."""


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
