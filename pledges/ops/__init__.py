"""Operations: what an operator runs and watches, apart from what the tracker does.

``health`` (the /healthz checks and the worker/beat heartbeats), ``logs`` (structured logs,
request ids, the client address behind proxies), ``archive`` (a JSON archive of all public data
and its restore), ``views`` (the thin /healthz endpoint).
"""
