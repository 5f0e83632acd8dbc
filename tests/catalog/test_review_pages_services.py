"""The product page's stock, attributes and reviews against cosmosdb-server and PostgreSQL."""
import pytest

from tests.catalog.test_review_pages import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.catalog.test_review_pages import lamp, shopper  # noqa: F401 - fixtures

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
