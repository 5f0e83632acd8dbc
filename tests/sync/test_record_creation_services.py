"""record_creation against cosmosdb-server and PostgreSQL."""
import pytest

from tests.sync.test_record_creation import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.sync.test_record_creation import votes  # noqa: F401 - fixtures

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
