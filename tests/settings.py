"""Settings for the test run: the chosen profile, with everything it names made unique to this run.

The data folder, the Celery queue, the cache prefix, the Cosmos database, the
receipts' blob container and the SQL test database get names of their own
before the profile is read, so a test never touches the developer's var/ and
two runs on one machine never share state. Worker processes started by the
tests inherit the same environment.
"""
import atexit
import os
import shutil
import tempfile
import uuid

RUN = uuid.uuid4().hex[:8]

if "POLYGLOT_DATA_DIR" not in os.environ:
    _data_dir = tempfile.mkdtemp(prefix="polyglot-tests-")
    os.environ["POLYGLOT_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"polyglot-tests-{RUN}")
os.environ.setdefault("COSMOS_DATABASE", f"polyglot-tests-{RUN}")
os.environ.setdefault("CACHE_KEY_PREFIX", f"polyglot-tests-{RUN}")
# Receipts are named by order number, and every run's numbers start at PS-000001: a shared
# container would hold another run's receipt under this run's name.
os.environ.setdefault("AZURE_RECEIPTS_CONTAINER", f"polyglot-tests-receipts-{RUN}")

from polyglot_site.settings import *  # noqa: E402,F401,F403
from polyglot_site.settings import DATABASES, INSTALLED_APPS, POLYGLOT_SYNC, REST_FRAMEWORK  # noqa: E402

# One client (127.0.0.1) makes every request of the run: the throttle tests set their own rates.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")}

# Timer threads would retry one test's deliveries during the next; the test of them turns them on.
POLYGLOT_SYNC = {**POLYGLOT_SYNC, "IN_PROCESS_RETRIES": False}

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

# Both payment methods in every profile: the checkout tests tell the test method to fail.
ORDERS_PAYMENT_METHODS = ["apps.orders.payments.PayOnDelivery", "apps.orders.payments.TestPayment"]

DATABASES["default"].setdefault("TEST", {})["NAME"] = (
    None if DATABASES["default"]["ENGINE"].endswith("sqlite3") else f"test_polyglot_site_{RUN}"
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
