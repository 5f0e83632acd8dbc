"""What only the Cosmos DB backend has: throttling, session tokens, one client
per process, and the Cosmos DB features cosmosdb-server lacks.

Throttling and session tokens are driven through ``CosmosProxy``, a plain
HTTP proxy in front of cosmosdb-server that forwards every request to it and
can answer as Cosmos DB does where the stand-in cannot: a 429 with
``x-ms-retry-after-ms``, and session tokens on writes. The real server
answers everything else.
"""
import http.client
import itertools
import multiprocessing
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.stores.documents import declare_container
from apps.stores.documents.cosmos import CosmosDocumentStore
from apps.stores.exceptions import Unavailable
from apps.stores.signals import store_operation
from tests.stores.test_documents import talks_to_stand_in


pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

ITEMS = declare_container("test-cosmos-items", "/pk")
# Headers that belong to one connection, not to the request or response carried.
HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding", "host"}


class CosmosProxy:
    """Forwards plain HTTP to cosmosdb-server over HTTPS, recording each request.

    ``throttle(times, retry_after_ms)`` answers the next document requests
    with Cosmos DB's 429; ``session_tokens`` adds to each document write the
    session headers Cosmos DB sends (cosmosdb-server sends none). The account
    read is rewritten so the SDK keeps sending to the proxy.
    """

    def __init__(self, upstream, session_tokens=False):
        self.upstream = urlsplit(upstream)
        self.session_tokens = session_tokens
        self.requests = []
        self.issued_tokens = []
        self._throttles_left = 0
        self._retry_after_ms = 0
        self._stall_seconds = 0
        self.before_create = None  # called before a container or database POST is forwarded
        self._lsn = itertools.count(1)
        self._lock = threading.Lock()
        self._upstream_connections = threading.local()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def throttle(self, times, retry_after_ms):
        with self._lock:
            self._throttles_left, self._retry_after_ms = times, retry_after_ms

    def stall(self, seconds):
        """Document requests from now on wait this long before any answer (a server that hangs)."""
        self._stall_seconds = seconds

    def requests_to(self, path_part, method=None):
        return [r for r in self.requests if path_part in r[1] and method in (None, r[0])]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the SDK expects

            def log_message(self, *args):
                pass

            def relay(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, headers, payload = proxy.answer(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = relay

        return Handler

    def answer(self, method, path, headers, body):
        self.requests.append((method, path, {k.lower(): v for k, v in headers.items()}))
        if "/docs" in path and self._stall_seconds:
            time.sleep(self._stall_seconds)
        if method == "POST" and path.rstrip("/").endswith(("/colls", "dbs")) and self.before_create:
            self.before_create()
        if "/docs" in path:
            with self._lock:
                throttled = self._throttles_left > 0
                self._throttles_left -= throttled
            if throttled:
                return 429, [
                    ("content-type", "application/json"),
                    ("x-ms-retry-after-ms", str(self._retry_after_ms)),
                    ("x-ms-substatus", "3200"),
                    ("x-ms-request-charge", "0"),
                ], b'{"code": "429", "message": "Request rate is large."}'
        status, response_headers, payload = self._forward(method, path, headers, body)
        if path == "/":
            payload = payload.replace(f"https://{self.upstream.netloc}/".encode(), f"{self.url}/".encode())
        if self.session_tokens and "/docs" in path and method != "GET" and status < 300:
            token = f"0:-1#{next(self._lsn)}"
            self.issued_tokens.append(token)
            container_path = "/".join(path.strip("/").split("/")[:4])  # dbs/<db>/colls/<container>
            response_headers += [("x-ms-session-token", token), ("x-ms-alt-content-path", container_path)]
        return status, response_headers, payload

    def _forward(self, method, path, headers, body):
        connection = getattr(self._upstream_connections, "connection", None)
        if connection is None:
            # cosmosdb-server's certificate is self-signed.
            context = ssl._create_unverified_context()  # noqa: S323
            connection = http.client.HTTPSConnection(
                self.upstream.hostname, self.upstream.port, context=context
            )
            self._upstream_connections.connection = connection
        forwarded = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        connection.request(method, path, body=body or None, headers=forwarded)
        response = connection.getresponse()
        payload = response.read()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        return response.status, kept, payload


# -- fixtures ---------------------------------------------------------------
@pytest.fixture(scope="module")
def cosmos_options(local_services):
    """Options of a database of this module's own, deleted at the end."""
    options = dict(settings.POLYGLOT_STORES["documents"]["OPTIONS"], database=f"test-{uuid.uuid4().hex[:12]}")
    store = CosmosDocumentStore(alias="cosmos-direct", **options)
    store.ensure_container(ITEMS)
    yield options
    store.client.delete_database(options["database"])
    store.close()


@pytest.fixture
def direct(cosmos_options):
    """A store talking to the Cosmos endpoint itself, on an emptied container."""
    store = CosmosDocumentStore(alias="cosmos-direct", **cosmos_options)
    store.delete_container(ITEMS)
    store.ensure_container(ITEMS)
    yield store
    store.close()


@pytest.fixture
def through_proxy(cosmos_options, direct):
    """``through_proxy(**options) -> (store, proxy)``: a store reaching the endpoint through a CosmosProxy."""
    made = []

    def build(session_tokens=False, **options):
        proxy = CosmosProxy(cosmos_options["endpoint"], session_tokens=session_tokens)
        options = {**cosmos_options, "endpoint": proxy.url, **options}
        store = CosmosDocumentStore(alias="cosmos-proxied", **options)
        store.ensure_container(ITEMS)
        made.append((store, proxy))
        return store, proxy

    yield build
    for store, proxy in made:
        store.close()
        proxy.close()


@pytest.fixture
def sdk_container(direct):
    """The SDK's own container client, for Cosmos DB features the contract does not cover."""
    return direct.database.get_container_client(ITEMS.name)


@pytest.fixture
def stand_in_lacks(request, direct):
    def mark(reason):
        if talks_to_stand_in(direct):
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))

    return mark


def operations_reported(action):
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    store_operation.connect(receiver)
    try:
        action()
    except Exception:  # noqa: BLE001 - the caller checks what was reported
        pass
    finally:
        store_operation.disconnect(receiver)
    return calls


# -- creation races --------------------------------------------------------------
@pytest.mark.services
def test_a_container_another_process_created_first_is_used_not_refused(through_proxy, direct):
    """create_if_not_exists reads, then creates: another process can create in between (409)."""
    racing = declare_container(f"test-cosmos-race-{uuid.uuid4().hex[:8]}", "/pk")
    store, proxy = through_proxy()
    proxy.before_create = lambda: direct.ensure_container(racing)  # the other process wins

    store.create(racing, {"id": "1", "pk": "p"})

    proxy.before_create = None
    assert proxy.requests_to("/colls", "POST"), "the proxied store did try to create the container"
    assert direct.get(racing, "1", "p")["id"] == "1"
    direct.delete_container(racing)


# -- throttling ---------------------------------------------------------------
@pytest.mark.services
def test_throttled_call_is_retried_after_the_delay_the_service_asks(through_proxy):
    store, proxy = through_proxy()
    created = store.create(ITEMS, {"id": "1", "pk": "p"})
    proxy.throttle(times=2, retry_after_ms=150)

    started = time.perf_counter()
    found = store.get(ITEMS, "1", "p")

    assert found == created
    assert time.perf_counter() - started >= 0.3
    assert len(proxy.requests_to("/docs/1", "GET")) == 3


@pytest.mark.services
def test_throttled_patch_is_applied_once_when_retried(through_proxy):
    store, proxy = through_proxy()
    store.create(ITEMS, {"id": "1", "pk": "p", "n": 0})
    proxy.throttle(times=3, retry_after_ms=20)

    assert store.patch(ITEMS, "1", "p", [("increment", "n", 1)])["n"] == 1
    assert store.get(ITEMS, "1", "p")["n"] == 1


@pytest.mark.services
def test_a_server_that_stops_answering_is_unavailable_within_the_timeout(through_proxy):
    store, proxy = through_proxy(timeout=2)
    store.upsert(ITEMS, {"id": "a", "pk": "p"})
    proxy.stall(12)

    started = time.monotonic()
    with pytest.raises(Unavailable):
        store.get(ITEMS, "a", "p")

    # each attempt gives up after 2 s; the SDK tries a timed-out read a few times before raising
    assert time.monotonic() - started < 20, "the call gave up, rather than wait on the server for ever"


@pytest.mark.services
def test_call_still_throttled_after_the_retries_raises_unavailable(through_proxy):
    store, proxy = through_proxy(throttle_retries=2)
    store.create(ITEMS, {"id": "1", "pk": "p"})
    proxy.throttle(times=100, retry_after_ms=20)

    with pytest.raises(Unavailable, match="throttles"):
        store.get(ITEMS, "1", "p")
    reported = operations_reported(lambda: store.get(ITEMS, "1", "p"))

    assert len(proxy.requests_to("/docs/1", "GET")) == 6  # twice: the call and 2 retries
    assert [(r["operation"], r["error"]) for r in reported] == [("get", "Unavailable")]


# -- session consistency --------------------------------------------------------
@pytest.mark.services
def test_reads_after_a_write_carry_its_session_token_on_every_thread(through_proxy):
    store, proxy = through_proxy(session_tokens=True)
    store.create(ITEMS, {"id": "1", "pk": "p", "v": 1})
    store.patch(ITEMS, "1", "p", [("set", "v", 2)])
    latest = proxy.issued_tokens[-1]

    results = []
    reader = threading.Thread(target=lambda: results.append(store.get(ITEMS, "1", "p")))
    reader.start()
    reader.join()
    store.query(ITEMS, {"v": 2}, partition_key="p")

    assert results[0]["v"] == 2
    assert [r[2].get("x-ms-session-token") for r in proxy.requests_to("/docs/1", "GET")] == [latest]
    assert [r[2].get("x-ms-session-token") for r in proxy.requests_to("/docs/", "POST")][-1] == latest
    assert store.reads_your_writes and store.consistency_level == "Session"


@pytest.mark.services
def test_a_weaker_consistency_than_session_sends_no_session_token(through_proxy):
    store, proxy = through_proxy(session_tokens=True, consistency_level="Eventual")
    store.create(ITEMS, {"id": "1", "pk": "p"})

    store.get(ITEMS, "1", "p")

    assert not store.reads_your_writes
    assert [r[2].get("x-ms-session-token") for r in proxy.requests_to("/docs/1", "GET")] == [None]


def read_in_a_forked_child(store, parent_client):
    child_client = store.client
    ok = child_client is not parent_client and store.get(ITEMS, "1", "p")["id"] == "1"
    raise SystemExit(0 if ok else 1)


@pytest.mark.services
def test_a_forked_worker_builds_its_own_client(direct):
    direct.create(ITEMS, {"id": "1", "pk": "p"})
    parent_client = direct.client

    fork = multiprocessing.get_context("fork")
    child = fork.Process(target=read_in_a_forked_child, args=(direct, parent_client))
    child.start()
    child.join(timeout=60)

    assert child.exitcode == 0
    assert direct.client is parent_client


@pytest.mark.parametrize(
    "options",
    [{"consistency_level": "Sometimes"}, {"throttle_retries": 0}, {"throttle_max_wait": "10"}],
    ids=["unknown consistency", "no retries", "wait as text"],
)
def test_unknown_consistency_or_retry_bounds_are_refused(options):
    with pytest.raises(ImproperlyConfigured):
        CosmosDocumentStore(endpoint="https://127.0.0.1:1", key="a2V5", database="x", **options)


# -- what cosmosdb-server lacks, through the SDK ------------------------------------
@pytest.mark.services
def test_offset_limit_skips_and_caps_results(sdk_container, stand_in_lacks):
    stand_in_lacks("cosmosdb-server's query parser refuses OFFSET ... LIMIT")
    for n in range(6):
        sdk_container.create_item({"id": str(n), "pk": "p", "n": n})

    items = sdk_container.query_items(
        'SELECT VALUE c.n FROM c WHERE c.pk = @pk ORDER BY c.n OFFSET 2 LIMIT 3',
        parameters=[{"name": "@pk", "value": "p"}],
        partition_key="p",
    )

    assert list(items) == [2, 3, 4]


@pytest.mark.services
def test_group_by_counts_within_a_partition(sdk_container, stand_in_lacks):
    stand_in_lacks("cosmosdb-server's query parser refuses GROUP BY")
    for n, kind in enumerate(["book", "book", "game"]):
        sdk_container.create_item({"id": str(n), "pk": "p", "kind": kind})

    rows = sdk_container.query_items(
        "SELECT c.kind, COUNT(1) AS n FROM c WHERE c.pk = @pk GROUP BY c.kind",
        parameters=[{"name": "@pk", "value": "p"}],
        partition_key="p",
    )

    assert sorted((row["kind"], row["n"]) for row in rows) == [("book", 2), ("game", 1)]


@pytest.mark.services
def test_change_feed_resumes_from_its_continuation(sdk_container, stand_in_lacks):
    stand_in_lacks("cosmosdb-server answers every change feed continuation with 304 Not Modified")
    sdk_container.create_item({"id": "a", "pk": "p"})
    pages = sdk_container.query_items_change_feed(start_time="Beginning", partition_key="p").by_page()
    first = [item["id"] for page in pages for item in page]
    token = pages.continuation_token

    sdk_container.create_item({"id": "b", "pk": "p"})
    resumed = sdk_container.query_items_change_feed(continuation=token).by_page()

    assert first == ["a"]
    assert [item["id"] for page in resumed for item in page] == ["b"]
