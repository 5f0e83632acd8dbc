"""The review API tests against cosmosdb-server and PostgreSQL."""
import pytest

from tests.catalog.test_review_api import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.catalog.test_review_api import people  # noqa: F401 - fixtures

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
