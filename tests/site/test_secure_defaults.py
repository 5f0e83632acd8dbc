"""Defaults a stranger can deploy: a signing key of the site's own, masked secrets on
debug pages, HTTPS cookies on public hosts, TLS checked beyond the stand-in, a
Content-Security-Policy, caches that never unpickle, health details for staff only,
and `check --deploy` clean in the azure profile."""
import json
import os
import stat

import pytest
from django.test import RequestFactory, override_settings

from tests.site.fresh import load_settings

pytestmark = pytest.mark.django_db



def read_settings(tmp_path, *names, **env):
    script = ("import json; from django.conf import settings; "
              f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}, default=str))")
    result = load_settings(tmp_path, script, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_secret_key_each_site_makes_its_own_once(tmp_path):
    first = read_settings(tmp_path, "SECRET_KEY", POLYGLOT_PROFILE="services")["SECRET_KEY"]
    again = read_settings(tmp_path, "SECRET_KEY", POLYGLOT_PROFILE="services")["SECRET_KEY"]
    other_site = read_settings(tmp_path / "other", "SECRET_KEY")["SECRET_KEY"]

    assert first == again != other_site
    assert len(first) >= 50 and "insecure" not in first
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_a_public_host_name_makes_cookies_https_only(tmp_path):
    local = read_settings(tmp_path, "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    public = read_settings(tmp_path, "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                           DJANGO_ALLOWED_HOSTS="shop.example.net")

    assert local == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False}
    assert public == {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True}


def test_tls_goes_unchecked_only_for_the_local_stand_in(tmp_path):
    def verify(endpoint):
        stores = read_settings(tmp_path, "POLYGLOT_STORES", POLYGLOT_PROFILE="services", COSMOS_ENDPOINT=endpoint)
        return stores["POLYGLOT_STORES"]["documents"]["OPTIONS"]["verify_tls"]

    assert verify("https://127.0.0.1:8081") is False
    assert verify("https://shop.documents.azure.com:443/") is True


def test_debug_pages_mask_passwords_in_urls_and_keys_in_connection_strings():
    from polyglot_site.debug import MaskingExceptionReporterFilter

    with override_settings(
        REDIS_URL="redis://:s3cret-redis@cache.example.net:6380/0",
        CELERY_BROKER_URL="amqp://shop:s3cret-broker@mq.example.net//",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                            "LOCATION": "redis://user:s3cret-location@x:1/0"}},
        STORAGES={"default": {"BACKEND": "x", "OPTIONS": {
            "connection_string": "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=s3cret-key=="}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    ):
        shown = json.dumps(MaskingExceptionReporterFilter().get_safe_settings(), default=str)

    assert "s3cret" not in shown
    assert "mq.example.net" in shown, "what is not a secret is still shown"


def test_the_demo_admin_is_refused_outside_a_local_debug_site(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG, settings.SERVES_ONLY_THIS_MACHINE = False, True
    with pytest.raises(CommandError, match="local embedded demo only"):
        call_command("seed_demo", "--admin")
    settings.DEBUG, settings.SERVES_ONLY_THIS_MACHINE = True, False
    with pytest.raises(CommandError, match="local embedded demo only"):
        call_command("seed_demo", "--admin")


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    policy = client.get("/")["Content-Security-Policy"]
    docs = client.get("/api/docs/")

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert docs.status_code == 200 and "<script>" not in docs.content.decode().replace(" ", "")


def test_the_cache_stores_json_and_never_unpickles(tmp_path):
    import pickle

    from polyglot_site.cache import JSONFileBasedCache

    cache = JSONFileBasedCache(str(tmp_path), {})
    cache.set("card", {"name": "Lamp", "versions": [1, 2]})
    [stored] = list(tmp_path.glob("*.json"))
    assert json.loads(stored.read_bytes().split(b"\n", 1)[1]) == {"name": "Lamp", "versions": [1, 2]}
    assert cache.get("card") == {"name": "Lamp", "versions": [1, 2]}

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "ran"),))

    stored.write_bytes(b"null\n" + pickle.dumps(Boom()))
    assert cache.get("card", "miss") == "miss"
    assert not (tmp_path / "ran").exists()
    with pytest.raises(TypeError):
        cache.set("object", object())


@pytest.mark.parametrize("address, staff, detailed", [
    ("127.0.0.1", False, True), ("203.0.113.9", False, False), ("203.0.113.9", True, True),
])
def test_health_details_are_for_staff_and_the_probes_networks_only(address, staff, detailed, django_user_model):
    from apps.sync.views import ready

    request = RequestFactory().get("/health/ready", REMOTE_ADDR=address)
    request.user = django_user_model(is_staff=staff)

    body = json.loads(ready(request).content)

    assert body["status"] in ("ok", "degraded")
    assert ("projections" in body) is detailed


def test_check_deploy_is_clean_in_the_azure_profile(tmp_path):
    from polyglot_site.settings.base import AZURE_REQUIRED_VARIABLES

    env = {name: "x" for name in AZURE_REQUIRED_VARIABLES}
    env.update(DJANGO_SECRET_KEY="k" * 20 + "-Random-Enough-0123456789-abcdefghijKLMNOP", DJANGO_ALLOWED_HOSTS="shop.example.net",
               COSMOS_ENDPOINT="https://shop.documents.azure.com:443/", COSMOS_KEY="a2V5",
               GREMLIN_ENDPOINT="wss://shop.gremlin.cosmos.azure.com:443/", AZURE_SEARCH_ENDPOINT="https://shop.search.windows.net",
               REDIS_URL="rediss://:p@cache.example.net:6380/0", CELERY_BROKER_URL="amqp://u:p@mq.example.net//",
               AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net",
               POLYGLOT_PROFILE="azure", DJANGO_SETTINGS_MODULE="tests.site.azure_settings_without_odbc")
    script = ("import sys; from django.core.management import call_command; "
              "call_command('check', deploy=True, fail_level='WARNING')")
    result = load_settings(tmp_path, "import django; django.setup(); " + script, **env)

    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
