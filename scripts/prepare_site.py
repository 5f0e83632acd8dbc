"""Everything `make run PROFILE=services` does before serving, in one process.

Creates the PostgreSQL database when it is missing, migrates, creates the
stores' containers and indexes, loads the demo catalogue, repairs the
projections from their homes (cosmosdb-server keeps documents in memory, so
after its restart the product documents are rebuilt from SQL), and creates the
superuser named by DJANGO_SUPERUSER_USERNAME (with DJANGO_SUPERUSER_PASSWORD
and DJANGO_SUPERUSER_EMAIL, through `createsuperuser --noinput`) unless it
exists. Safe to run again.

    POLYGLOT_PROFILE=services .venv/bin/python scripts/prepare_site.py
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polyglot_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def create_database_if_missing():
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    # The server's maintenance database, as Django's own test database creation does.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            print(f"Created the database {name}.")


def create_admin_from_environment():
    username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
    if not username:
        print("No admin created: set DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_EMAIL.")
        return
    User = get_user_model()
    if User.objects.filter(**{User.USERNAME_FIELD: username}).exists():
        print(f"The admin {username} exists; left as it is.")
        return
    call_command("createsuperuser", interactive=False)


if __name__ == "__main__":
    create_database_if_missing()
    call_command("migrate", interactive=False, verbosity=1)
    call_command("stores", "init")
    # An index left by an older version of the site is rebuilt from SQL.
    call_command("search_index", "rebuild")
    call_command("seed_demo")
    call_command("projections", "reconcile", "--repair")
    create_admin_from_environment()
