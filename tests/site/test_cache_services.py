"""Redis holds JSON under the site's prefix, and a pickle planted there is never loaded."""
import json
import os
import pickle

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from tests.site.fresh import load_settings

pytestmark = pytest.mark.services


def test_redis_entries_are_json_under_the_sites_prefix_and_pickles_are_refused(tmp_path, local_services):
    cache.set("card", {"name": "Lamp", "versions": [1, 2]})
    redis = get_redis_connection("default")
    [key] = [k for k in redis.keys("*card") if k.decode().startswith(os.environ["CACHE_KEY_PREFIX"] + ":")]

    assert json.loads(redis.get(key)) == {"name": "Lamp", "versions": [1, 2]}

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "ran"),))

    redis.set(key, pickle.dumps(Boom()))
    with pytest.raises(ValueError):
        cache.get("card")
    assert not (tmp_path / "ran").exists()
    cache.delete("card")


def test_each_site_has_a_cache_prefix_of_its_own_by_default(tmp_path):
    script = "from django.conf import settings; print(settings.CACHES['default']['KEY_PREFIX'])"
    env = {"POLYGLOT_PROFILE": "services", "CACHE_KEY_PREFIX": ""}

    shop = load_settings(tmp_path, script, DATABASE_URL="postgres://postgres@127.0.0.1:5432/shop", **env)
    other = load_settings(tmp_path, script, DATABASE_URL="postgres://postgres@127.0.0.1:5432/other_shop", **env)

    assert (shop.stdout.strip(), other.stdout.strip()) == ("polyglot:shop", "polyglot:other_shop")
