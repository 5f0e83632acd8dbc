"""A stand-in for Azure AI Search at the wire, for tests: it records every request and answers
with the responses a test scripted, in order.

No emulator of Azure AI Search exists, so the Azure backend is tested on the
exact HTTP it sends and on realistic answers decoded by the real SDK. The
fake sits below the SDK's whole pipeline (retries, authentication,
api-version), plugged in through public APIs only: a ``requests`` session
with a mounted adapter, handed to azure-core as ``RequestsTransport(session=...)``::

    wire = AzureSearchWire()
    backend = AzureSearchBackend(alias="test", endpoint=wire.endpoint, key="secret")
    backend.transport = wire.transport
    wire.respond(200, search_results([...]))
    backend.search("products", "apple")
    assert wire.requests[0].path == "/indexes('products')/docs/search.post.search"

A request nobody scripted an answer for raises UnexpectedRequest, which the
SDK does not catch or retry, so the test fails where it happened.
"""
import io
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import urllib3
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ENDPOINT = "https://polyglot-test.search.windows.net"
ODATA_CONTEXT = ENDPOINT + "/$metadata#"


class UnexpectedRequest(AssertionError):
    """The backend sent a request the test did not expect."""


@dataclass
class RecordedRequest:
    method: str
    url: str
    path: str  # percent-decoded: /indexes('products')/docs/search.post.search
    query: dict  # {name: value}; every parameter here appears once
    headers: CaseInsensitiveDict
    body: object  # decoded JSON, the text, or None

    @property
    def api_version(self):
        return self.query.get("api-version")


@dataclass
class Answer:
    status: int
    body: object = None  # JSON-able, str or bytes
    headers: dict = field(default_factory=dict)
    refused: bool = False  # no answer at all: the connection fails


class _Adapter(BaseAdapter):
    def __init__(self, wire):
        super().__init__()
        self.wire = wire

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        recorded = self.wire._record(request)
        if not self.wire.answers:
            raise UnexpectedRequest(f"No answer was scripted for {recorded.method} {recorded.path}.")
        answer = self.wire.answers.pop(0)
        if answer.refused:
            raise requests.exceptions.ConnectionError(f"Connection refused: {recorded.method} {recorded.path}")
        return _response(request, answer)

    def close(self):
        pass


def _response(request, answer):
    response = requests.Response()
    response.status_code = answer.status
    response.reason = requests.status_codes._codes.get(answer.status, ("",))[0].upper()
    response.request = request
    response.url = request.url
    headers = {"request-id": "00000000-0000-0000-0000-000000000001", **answer.headers}
    body = answer.body
    if body is None:
        content = b""
    elif isinstance(body, bytes):
        content = body
    elif isinstance(body, str):
        content = body.encode()
        headers.setdefault("Content-Type", "text/plain")
    else:
        content = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true")
    headers["Content-Length"] = str(len(content))
    response.headers = CaseInsensitiveDict(headers)
    # As requests' HTTPAdapter builds it: the body readable from ``raw``, as azure-core streams it.
    response.raw = urllib3.HTTPResponse(
        body=io.BytesIO(content), headers=headers, status=answer.status, preload_content=False
    )
    response.encoding = "utf-8"
    return response


class AzureSearchWire:
    """Records requests and answers each with the next scripted Answer."""

    endpoint = ENDPOINT

    def __init__(self):
        self.requests = []
        self.answers = []
        session = requests.Session()
        session.mount("https://", _Adapter(self))
        self.transport = RequestsTransport(session=session, session_owner=False)

    def respond(self, status, body=None, headers=None, times=1):
        """Script the answer to the next request(s)."""
        for _ in range(times):
            self.answers.append(Answer(status, body, headers or {}))
        return self

    def refuse(self, times=1):
        """Script connection failures for the next request(s)."""
        for _ in range(times):
            self.answers.append(Answer(0, refused=True))
        return self

    def _record(self, prepared):
        parts = urlsplit(prepared.url)
        body = prepared.body
        if isinstance(body, bytes):
            body = body.decode()
        if isinstance(body, str) and body:
            try:
                body = json.loads(body)
            except ValueError:
                pass
        recorded = RecordedRequest(
            method=prepared.method,
            url=prepared.url,
            path=unquote(parts.path),
            query={name: values[0] for name, values in parse_qs(parts.query).items()},
            headers=CaseInsensitiveDict(prepared.headers),
            body=body or None,
        )
        self.requests.append(recorded)
        return recorded

    def take(self):
        """The requests recorded so far, forgetting them."""
        taken, self.requests = self.requests, []
        return taken


# -- realistic answers ----------------------------------------------------------
def error(code, message):
    """The body Azure AI Search sends with an error status."""
    return {"error": {"code": code, "message": message}}


def alias(name, index, etag='"0x8DD0AAA00000001"'):
    context = ODATA_CONTEXT + "aliases/$entity"
    return {"@odata.context": context, "@odata.etag": etag, "name": name, "indexes": [index]}


def index_names(*names):
    return {"@odata.context": ODATA_CONTEXT + "indexes(name)", "value": [{"name": name} for name in names]}


def index_created(schema, etag='"0x8DD0AAA00000002"'):
    """The service echoes the index it created, with its ETag and defaults filled in."""
    return {"@odata.context": ODATA_CONTEXT + "indexes/$entity", "@odata.etag": etag, **schema}


def indexing_results(*results):
    """``results`` are (key, status code) pairs, or (key, status code, message) for a failure."""
    value = []
    for key, status, *message in results:
        succeeded = status in (200, 201)
        value.append({
            "key": key,
            "status": succeeded,
            "errorMessage": None if succeeded else (message[0] if message else "Service unavailable"),
            "statusCode": status,
        })
    return {"value": value}


def search_results(hits, count=None, facets=None):
    """``hits`` are documents; ``@search.score`` (default 1.0) and ``@search.highlights`` may be given."""
    body = {"@odata.context": ODATA_CONTEXT + "docs(*)"}
    if count is not None:
        body["@odata.count"] = count
    if facets is not None:
        body["@search.facets"] = facets
    body["value"] = [{"@search.score": 1.0, **hit} for hit in hits]
    return body


def suggestions(*pairs):
    """(text, document) pairs: what a suggester matched and the selected fields."""
    return {"@odata.context": ODATA_CONTEXT + "docs(*)", "value": [{"@search.text": t, **d} for t, d in pairs]}
