"""The plugin's real servers answer, on ports of their own."""

import psycopg
import pytest
import redis

pytestmark = pytest.mark.integration


def test_postgres_fixture_is_a_real_postgresql(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as connection:
        version = connection.execute("SHOW server_version").fetchone()
        connection.execute("CREATE TABLE IF NOT EXISTS probe (id int)")
    assert version is not None
    assert int(str(version[0]).split(".")[0]) >= 13


def test_redis_fixture_is_a_real_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set("probe", "1")
    assert client.get("probe") == b"1"
    assert "redis_version" in client.info("server")
