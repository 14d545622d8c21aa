"""An export that loses the database mid-stream, served as in production (gunicorn, DEBUG=0):
the client must see a broken transfer, never a complete-looking file.

test_export_failures.py shows the view raising through Django's test client; here the bytes
on the wire are checked. The database really goes away: the test locks the evidence table, so
the export's COPY waits after the CSV header was sent, and then ends the COPY's connection
(``pg_terminate_backend``, what a database restart or failover does to it).
"""

from __future__ import annotations

import socket
import time

import psycopg
import pytest
import requests

from pledges.models import Evidence
from pledges.tests.prod_server import ProductionServer, database_url_of_tests

pytestmark = [pytest.mark.postgres]

EXPORT = "/export/evidence.csv"
CSV_HEADER_START = b"\xef\xbb\xbf"  # the BOM that starts the header line


@pytest.fixture
def evidence_locked(require_postgres, transactional_db):
    """Holds the evidence table (ACCESS EXCLUSIVE) until the test ends: a reader waits."""
    holder = psycopg.connect(database_url_of_tests())
    holder.execute(f'LOCK TABLE "{Evidence._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
    yield
    holder.rollback()
    holder.close()


def _end_the_waiting_copy(timeout: float = 30) -> int:
    """Terminate the server's connection whose COPY waits for the lock. Returns its pid."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url_of_tests(), autocommit=True) as admin:
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE 'COPY %%'"
            ).fetchone()
            if row:
                assert admin.execute("SELECT pg_terminate_backend(%s)", [row[0]]).fetchone()[0]
                return row[0]
            time.sleep(0.05)
    raise AssertionError("the export's COPY never waited for the locked table")


def _read_until(sock: socket.socket, data: bytes, predicate) -> bytes:
    while not predicate(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _dechunk(body: bytes) -> tuple[bytes, bool]:
    """The payload of a chunked body, and whether it ended with the last (zero-size) chunk."""
    payload = b""
    while body:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            return payload, False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return payload, rest.startswith(b"\r\n")
        if len(rest) < size + 2:
            return payload + rest[:size], False
        payload += rest[:size]
        body = rest[size + 2 :]
    return payload, False


def test_a_csv_export_cut_off_by_the_database_is_an_aborted_transfer(
    collected_static, tmp_path, evidence_locked
):
    with ProductionServer(collected_static, tmp_path / "web.log") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(
                f"GET {EXPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "X-Forwarded-Proto: https\r\n\r\n".encode()
            )
            # The status, headers and the CSV header line arrive; then the COPY waits.
            received = _read_until(
                sock, b"", lambda data: b"\r\n\r\n" in data and CSV_HEADER_START in data
            )
            head, _, body = received.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head
            assert b"transfer-encoding: chunked" in head.lower(), head
            _end_the_waiting_copy()
            try:
                body = _read_until(sock, body, lambda data: False)  # until the server closes
            except ConnectionResetError:
                pass  # a reset is an abort too
        payload, complete = _dechunk(body)
        assert not complete, "the transfer ended with the last chunk: it looks like a whole file"
        assert payload.startswith(CSV_HEADER_START)
        assert payload.count(b"\r\n") == 1  # the header line and nothing after it
        assert b"error" not in payload.lower()
        assert "failed mid-stream" in server.log()


def test_a_client_library_reports_the_cut_off_export_as_an_error(
    collected_static, tmp_path, evidence_locked
):
    with ProductionServer(collected_static, tmp_path / "web.log") as server:
        response = requests.get(
            server.url + EXPORT,
            headers={"X-Forwarded-Proto": "https"},
            stream=True,
            timeout=30,
        )
        assert response.status_code == 200
        chunks = response.iter_content(chunk_size=None)
        assert next(chunks).startswith(CSV_HEADER_START)
        _end_the_waiting_copy()
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for _chunk in chunks:
                pass
        response.close()
