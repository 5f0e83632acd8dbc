"""The stock and rating facets, the rating sort and the strong read against PostgreSQL and
cosmosdb-server: there the strong read narrows by rating and stock read from Cosmos."""
import pytest

from tests.catalog.test_search_facets import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.catalog.test_search_facets import rated_shop  # noqa: F401 - a fixture

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_reviews_and_stock_are_read_from_cosmos(clean_stores):
    assert type(clean_stores["documents"]).__name__ == "CosmosDocumentStore"
