"""The API benchmark serves the services profile (PostgreSQL, Redis, cosmosdb-server,
tantivy) from a PostgreSQL database, a Cosmos database, a Celery queue and a cache
prefix of its own, all removed afterwards."""
import os
import sys
import uuid

# The stand-ins this benchmark needs; bench/__main__.py starts those not running, by pid.
STAND_INS = ("cosmosdb-server", "azurite")
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def prepare_environment():
    import psycopg
    from psycopg import sql

    run = uuid.uuid4().hex[:8]
    database = f"polyglot_bench_api_{run}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    base = ADMIN_URL.rsplit("/", 1)[0]
    prefix = f"bench-api-{run}"
    os.environ.update(
        POLYGLOT_PROFILE="services",
        DATABASE_URL=f"{base}/{database}",
        CELERY_TASK_DEFAULT_QUEUE=prefix,
        COSMOS_DATABASE=prefix,
        CACHE_KEY_PREFIX=prefix,
        # The throttle still runs (its two cache calls are part of every API request), but
        # one client making every request must not be told to slow down.
        API_RATE_ANONYMOUS="1000000000/minute",
        LOG_LEVEL="WARNING",
    )

    def cleanup():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        try:
            from django_redis import get_redis_connection

            from apps.stores import stores
            from polyglot_site.celery import app

            redis = get_redis_connection("default")
            for key in redis.scan_iter(match=f"{prefix}:*"):
                redis.delete(key)
            with app.connection_for_write() as broker:
                broker.default_channel.queue_delete(prefix)
            stores["documents"].client.delete_database(prefix)
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
            print(f"cleanup: {error}", file=sys.stderr)

    return cleanup
