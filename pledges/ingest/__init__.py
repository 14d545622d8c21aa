"""Ingestion: sources → Article rows, each stored exactly once, then matched.

The package by job (data flows down this list):

- ``errors``: what can go wrong, and whether retrying can help;
- ``http``: canonical URLs, the SSRF guard, guarded fetching with size and time caps;
- ``text``: decoding (EUC-KR/CP949 too), HTML → plain text, article extraction, dates;
- ``dedupe``: content hash, MinHash band keys, wire-copy look-up and linking;
- ``store``: exactly-once storing of one article, and fetch-and-store of one article page;
- ``sources``: incoming RSS/Atom feeds: parsing, polling, back-off, claiming due sources;
- ``imports``: newspaper pages (PDF text) and bulk JSONL/CSV files;
- ``pipeline``: one entry point per kind of source, in-process or queued, used by commands,
  tasks and the admin alike.

Import what you need from the module that defines it (``from pledges.ingest.store import
store_article``); this package deliberately re-exports nothing, so that importing one step
never drags in the others.
"""
