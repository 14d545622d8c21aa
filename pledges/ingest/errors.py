"""What can go wrong while ingesting, and whether retrying can help (``permanent``).

Tasks retry the transient kinds with backoff; commands and the admin show the message.
"""

from __future__ import annotations


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

    @classmethod
    def for_status(cls, status: int, url: str) -> FetchError:
        if status in (408, 425, 429) or status >= 500:
            return TransientFetchError(f"HTTP {status}", url=url, status=status)
        return PermanentFetchError(f"HTTP {status}", url=url, status=status)


class TransientFetchError(FetchError):
    permanent = False


class PermanentFetchError(FetchError):
    permanent = True


class FetchDeadlineExceeded(PermanentFetchError):
    """The whole fetch overran its deadline (e.g. a server trickling bytes). Not retried: the
    same server would hold a worker for the whole deadline again."""


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
