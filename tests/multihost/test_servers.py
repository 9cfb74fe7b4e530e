"""The server fixtures themselves: a real PostgreSQL that stops and starts again."""

from __future__ import annotations

import pytest

from tests.servers import PostgresServer

pytestmark = pytest.mark.postgres


def test_postgres_fixture_serves_fresh_databases_on_loopback(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        row = conn.execute(
            "SELECT current_database(), inet_server_addr()::text, "
            "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')"
        ).fetchone()
    assert row is not None
    assert row[0].startswith("t_") and row[1].startswith("127.0.0.1") and row[2] == 0


def test_postgres_fixture_stops_and_starts(private_postgres: PostgresServer) -> None:
    import psycopg

    url = private_postgres.create_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    private_postgres.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    private_postgres.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchall() == [(7,)]
