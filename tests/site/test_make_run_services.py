"""`make run PROFILE=services`: stand-ins, a new database, demo data, an admin from the
environment, a worker with beat, and styled pages with DEBUG off; stopping it stops everything."""
import http.cookiejar
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from apps.catalog.demo import DEFAULT_PRODUCTS
from tests.processes import eventually
from tests.site.fresh import ROOT, fetch, free_port, stop_process_group

pytestmark = [pytest.mark.slow, pytest.mark.services]

ADMIN = {"DJANGO_SUPERUSER_USERNAME": "operator", "DJANGO_SUPERUSER_PASSWORD": "a-long-pass-phrase",
         "DJANGO_SUPERUSER_EMAIL": "operator@example.com"}
OURS = ("POLYGLOT_", "DJANGO_", "DATABASE_URL", "COSMOS_DATABASE", "CELERY_TASK_DEFAULT_QUEUE", "CACHE_KEY_PREFIX")


@pytest.fixture
def run_name():
    """One name for this run's database, Cosmos database, queue and cache prefix; all removed after."""
    name = f"polyglot_run_{uuid.uuid4().hex[:8]}"
    yield name
    from django_redis import get_redis_connection

    from apps.stores import stores
    from polyglot_site.celery import app as celery_app

    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_delete(name)
    stores["documents"].client.delete_database(name)
    redis = get_redis_connection("default")
    for key in redis.scan_iter(f"{name}:*"):
        redis.delete(key)


def sign_in_to_admin(base, username, password):
    """The admin's login form, with its CSRF token; the page the login lands on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"{base}/admin/login/?next=/admin/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    with opener.open(f"{base}/admin/login/?next=/admin/", urllib.parse.urlencode(fields).encode(), timeout=10) as page:
        return page.url, page.read().decode()


def run_environment(tmp_path, run_name, port):
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    env.update(
        ADMIN,
        PORT=str(port),
        POLYGLOT_DATA_DIR=str(tmp_path / "data"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{run_name}",  # missing: the run creates it
        COSMOS_DATABASE=run_name,
        CELERY_TASK_DEFAULT_QUEUE=run_name,
        CACHE_KEY_PREFIX=run_name,
        SYNC_SWEEP_INTERVAL_SECONDS="1",  # beat logs a sweep each second: a beat left behind shows
    )
    return env


def start_make_run(env, log_path):
    """`make run PROFILE=services` in a session of its own; returns it once the home page answers."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(["make", "run", "PROFILE=services"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 240
    while True:
        try:
            fetch(f"http://127.0.0.1:{env['PORT']}/")
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_process_group(server)
                raise AssertionError("make run PROFILE=services did not serve:\n" + log_path.read_text()[-4000:])
            time.sleep(0.5)


def stop_make_run(server, log_path):
    """Stop it like Ctrl-C in a terminal would; nothing of it may be left, even outside its group."""
    assert stop_process_group(server), "a process of make run outlived it:\n" + log_path.read_text()[-2000:]
    size = log_path.stat().st_size
    time.sleep(2.5)
    assert log_path.stat().st_size == size, "still written after the stop:\n" + log_path.read_text()[size:][-2000:]


def run_documents(run_name):
    """The document store of this run's Cosmos database."""
    from apps.stores import StoreHandler

    documents = settings.POLYGLOT_STORES["documents"]
    options = {**documents["OPTIONS"], "database": run_name}
    return StoreHandler({"documents": {**documents, "OPTIONS": options}})["documents"]


def test_make_run_services_serves_a_styled_shop_with_a_worker_beat_and_an_admin(local_services, tmp_path, run_name):
    port = free_port()
    env, log_path = run_environment(tmp_path, run_name, port), tmp_path / "make-run.log"
    server = start_make_run(env, log_path)

    def output():
        return log_path.read_text()

    base = f"http://127.0.0.1:{port}"
    try:
        status, page = fetch(f"{base}/")
        assert status == 200 and "Brass desk lamp" in page
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
        with urllib.request.urlopen(f"{base}{stylesheet}", timeout=5) as css:
            assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        with pytest.raises(urllib.error.HTTPError) as missing:
            fetch(f"{base}/no-such-page/")
        assert missing.value.code == 404 and "URLconf" not in missing.value.read().decode(), "DEBUG is off"

        def projections_caught_up():
            """the worker delivered every demo product to every projection"""
            ready = json.loads(fetch(f"{base}/health/ready")[1])
            events = [entry["events_behind"] for entry in ready["projections"].values()]
            return ready["status"] == "ok" and events and not any(events)

        eventually(projections_caught_up, timeout=90, interval=1)
        status, results = fetch(f"{base}/?q=lamp")
        assert "Brass desk lamp" in results and "Stoneware mug set" not in results

        landed, admin_page = sign_in_to_admin(base, ADMIN["DJANGO_SUPERUSER_USERNAME"], ADMIN["DJANGO_SUPERUSER_PASSWORD"])
        assert landed.endswith("/admin/") and "Run the shop" in admin_page

        assert "beat: Starting" in output()
        assert "InsecureRequestWarning" not in output()
    finally:
        stop_make_run(server, log_path)
    assert f"Created the database {run_name}." in output()


def test_make_run_services_again_after_the_stand_in_lost_its_documents(local_services, tmp_path, run_name):
    env = run_environment(tmp_path, run_name, free_port())
    stop_make_run(start_make_run(env, tmp_path / "first.log"), tmp_path / "first.log")
    documents = run_documents(run_name)
    assert documents.count("products") == DEFAULT_PRODUCTS
    # cosmosdb-server keeps documents in memory: a restart loses them while the SQL homes stay.
    documents.client.delete_database(run_name)

    stop_make_run(start_make_run(env, tmp_path / "second.log"), tmp_path / "second.log")

    second = (tmp_path / "second.log").read_text()
    assert f"Demo shop: 0 products added, {DEFAULT_PRODUCTS} in all;" in second
    assert "The admin operator exists; left as it is." in second
    assert run_documents(run_name).count("products") == DEFAULT_PRODUCTS
