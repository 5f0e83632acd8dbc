"""The write path's statements on PostgreSQL (FOR UPDATE SKIP LOCKED, UPDATE ... RETURNING)."""
import pytest

from tests.sync.test_write_statements import *  # noqa: F401,F403 - the same checks, on the services database

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
