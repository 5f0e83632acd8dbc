"""The sync benchmark runs on the services profile, in a PostgreSQL database,
a Celery queue and a Cosmos database of its own, all removed afterwards."""
import os
import sys
import uuid

# The stand-ins this benchmark needs; bench/__main__.py starts those not running, by pid.
STAND_INS = ("cosmosdb-server", "azurite")  # stores init also makes the blob containers
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def prepare_environment():
    import psycopg
    from psycopg import sql

    run = uuid.uuid4().hex[:8]
    database = f"polyglot_bench_{run}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    base = ADMIN_URL.rsplit("/", 1)[0]
    os.environ.update(
        POLYGLOT_PROFILE="services",
        DATABASE_URL=f"{base}/{database}",
        CELERY_TASK_DEFAULT_QUEUE=f"bench-sync-{run}",
        COSMOS_DATABASE=f"bench-sync-{run}",
    )

    def cleanup():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        try:
            from apps.stores import stores
            from polyglot_site.celery import app

            with app.connection_for_write() as broker:
                broker.default_channel.queue_delete(os.environ["CELERY_TASK_DEFAULT_QUEUE"])
            stores["documents"].client.delete_database(os.environ["COSMOS_DATABASE"])
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
            print(f"cleanup: {error}", file=sys.stderr)

    return cleanup
