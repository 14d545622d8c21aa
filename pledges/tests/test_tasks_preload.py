"""The Celery parent loads the Kiwi model before forking, and the pool's children use that
instance instead of building their own (what makes an added worker process cheap; the bench
``make bench-scale`` measures the memory it saves on a real worker)."""

from __future__ import annotations

import os
import weakref

import pytest
from celery.signals import worker_init, worker_process_init

from pledges.korean import kiwi


class CountingKiwi:
    """Stands in for kiwipiepy.Kiwi: counts how many models were built in this process, and
    which analyses were run on this one (kiwipiepy builds its analyser at the first)."""

    built = 0

    def __init__(self):
        type(self).built += 1
        self.used: set[str] = set()

    def split_into_sents(self, text):
        self.used.add("split_into_sents")
        return []

    def space(self, text, reset_whitespace=False):
        self.used.add("space")
        return text

    def tokenize(self, text):
        self.used.add("tokenize")
        return []


@pytest.fixture
def fake_model(monkeypatch, settings):
    import kiwipiepy

    settings.WARM_KIWI_ON_WORKER_START = True
    CountingKiwi.built = 0
    monkeypatch.setattr(kiwipiepy, "Kiwi", CountingKiwi)
    monkeypatch.setattr(kiwi, "_kiwi", None)
    return CountingKiwi


def _in_forked_child(check) -> bool:
    """Run ``check`` in a forked child (as the prefork pool does); its answer through a pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        answer = b"0"
        try:
            answer = b"1" if check() else b"0"
        finally:
            os.write(write, answer)
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    return answer == b"1"


def _connected(signal, handler) -> bool:
    refs = [r() if isinstance(r, weakref.ReferenceType) else r for _, r in signal.receivers]
    return handler in refs


# The handlers are called directly below: sending the signals would also run Celery's Django
# fix-up, which closes the database connections (in a forked child: the parent's too).


def test_the_handlers_are_connected_to_the_workers_signals():
    from pledges import tasks

    assert _connected(worker_init, tasks._load_shared_before_forking)  # the main process
    assert _connected(worker_process_init, tasks._warm_korean_engine)  # each pool child


def test_worker_parent_loads_the_model_before_forking(fake_model, monkeypatch):
    import gc

    from pledges import tasks

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    tasks._load_shared_before_forking()  # worker_init: the main process, before the pool forks
    assert frozen  # what the parent holds is kept out of the children's collections
    assert fake_model.built == 1
    assert isinstance(kiwi._kiwi, CountingKiwi)
    # Used, not only created: the analyser every child needs is built here, once.
    assert kiwi._kiwi.used == {"split_into_sents", "space", "tokenize"}


def test_pool_children_use_the_parents_model_and_build_none(fake_model, monkeypatch):
    import gc

    from pledges import tasks

    monkeypatch.setattr(gc, "freeze", lambda: None)  # not the test process's own objects
    tasks._load_shared_before_forking()
    parent_model = kiwi._kiwi

    def child_uses_the_parents_model() -> bool:
        tasks._warm_korean_engine()  # worker_process_init: each pool child as it starts
        return kiwi.get_kiwi() is parent_model and fake_model.built == 1

    assert _in_forked_child(child_uses_the_parents_model)


def test_without_loading_before_forking_each_child_builds_its_own(fake_model):
    """The control: the check above fails when the parent did not load the model."""
    from pledges import tasks

    def child_builds_one() -> bool:
        tasks._warm_korean_engine()
        return kiwi._kiwi is not None and fake_model.built == 1

    assert kiwi._kiwi is None
    assert _in_forked_child(child_builds_one)
    assert fake_model.built == 0  # nothing was built in the parent


@pytest.fixture
def counted_books(monkeypatch):
    """matching's pledge book with the database left out: the version is what the test says,
    and each compile is counted (by the version it was compiled at)."""
    from types import SimpleNamespace

    from pledges import matching

    built: list[str] = []
    version = {"token": "v1"}
    monkeypatch.setattr(matching, "pledge_book_token", lambda: version["token"])
    monkeypatch.setattr(
        matching,
        "_book_of",
        lambda pledges, token: built.append(token) or SimpleNamespace(token=token),
    )
    monkeypatch.setattr(matching, "_book", None)
    return built, version


def test_pool_children_use_the_parents_pledge_book_until_it_changes(counted_books, settings):
    from pledges import matching, tasks

    built, version = counted_books
    settings.WARM_PLEDGE_BOOK_ON_WORKER_START = True
    tasks._compile_pledge_book_before_forking()  # worker_init, before the pool forks
    assert built == ["v1"]
    parents_book = matching._book

    def child_uses_the_parents_book() -> bool:
        return matching.pledge_book() is parents_book and built == ["v1"]

    assert _in_forked_child(child_uses_the_parents_book)
    version["token"] = "v2"  # an editor changed the terms: the next article gets the new book
    assert matching.pledge_book().token == "v2"
    assert built == ["v1", "v2"]


def test_without_compiling_before_forking_each_child_compiles_the_book(counted_books, settings):
    """The control: the check above fails when the parent did not compile the book."""
    from pledges import matching, tasks

    built, _version = counted_books
    settings.WARM_PLEDGE_BOOK_ON_WORKER_START = False
    tasks._compile_pledge_book_before_forking()
    assert built == [] and matching._book is None
    assert _in_forked_child(lambda: matching.pledge_book().token == "v1" and built == ["v1"])
    assert built == []  # compiled in the child only
