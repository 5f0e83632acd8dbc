"""A benchmark's own corner of the services: a PostgreSQL database, a Celery queue, a Cosmos
database, a cache prefix and a receipts container named for this run, all removed afterwards.

    def prepare_environment():          # in bench/NAME_env.py
        return isolated_services.prepare("api", LOG_LEVEL="WARNING")
"""
import os
import sys
import uuid

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def prepare(name, **settings):
    """Create this run's database and point the services profile at this run's names (plus
    ``settings``, as environment variables); returns the cleanup callable."""
    import psycopg
    from psycopg import sql

    run = uuid.uuid4().hex[:8]
    database = f"polyglot_bench_{name}_{run}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    prefix = f"bench-{name}-{run}"
    os.environ.update(
        POLYGLOT_PROFILE="services",
        DATABASE_URL=f"{ADMIN_URL.rsplit('/', 1)[0]}/{database}",
        CELERY_TASK_DEFAULT_QUEUE=prefix,
        COSMOS_DATABASE=prefix,
        CACHE_KEY_PREFIX=prefix,
        AZURE_RECEIPTS_CONTAINER=prefix,
        **settings,
    )

    def cleanup():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        try:
            from django.core.files.storage import storages
            from django_redis import get_redis_connection

            from apps.stores import stores
            from polyglot_site.celery import app

            redis = get_redis_connection("default")
            for key in redis.scan_iter(match=f"{prefix}:*"):
                redis.delete(key)
            with app.connection_for_write() as broker:
                broker.default_channel.queue_delete(prefix)
            stores["documents"].client.delete_database(prefix)
            receipts = storages["receipts"].client
            if receipts.exists():
                receipts.delete_container()
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
            print(f"cleanup: {error}", file=sys.stderr)

    return cleanup
