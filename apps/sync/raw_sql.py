"""The few statements apps.sync writes by hand (the ORM has no UPDATE ... RETURNING, and its
delete() would signal row by row): names come from a model's metadata, quoted for the
database, and every value travels as a parameter."""
from django.db import DEFAULT_DB_ALIAS, connections


def quoted_names(model, *fields, using=DEFAULT_DB_ALIAS):
    """The model's table and these fields' columns, quoted for the database ``using``."""
    quote = connections[using].ops.quote_name
    return (quote(model._meta.db_table), *(quote(model._meta.get_field(name).column) for name in fields))


def placeholders(values):
    """One parameter placeholder per value, for an IN (...) list."""
    return ", ".join(["%s"] * len(values))
