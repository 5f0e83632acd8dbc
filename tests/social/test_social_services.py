"""The social flows again in the services profile: PostgreSQL, Redis, cosmosdb-server for
posts and comments, Azurite for their images (the graph is the SQLite file in both)."""
import pytest

from tests.social.test_follows import *  # noqa: F401,F403 - the same tests, collected here as well
from tests.social.test_posts import *  # noqa: F401,F403
from tests.social.test_feed import *  # noqa: F401,F403
from tests.social.test_post_queries import *  # noqa: F401,F403
from tests.social.test_search import *  # noqa: F401,F403
from tests.social.test_pages import *  # noqa: F401,F403
from tests.social.test_maintenance import *  # noqa: F401,F403

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def servers_up(local_services):
    """Every local server runs (skipped, or failed under CI, otherwise)."""
    return local_services
