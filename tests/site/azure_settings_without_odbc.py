"""The azure profile's settings with SQLite in place of Azure SQL: this machine has no ODBC
driver (libodbc), which the mssql backend loads at start-up, and `check --deploy` needs
no database. Everything else is the azure profile as deployed."""
from polyglot_site.settings import *  # noqa: F401,F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
