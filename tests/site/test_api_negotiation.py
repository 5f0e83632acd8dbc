"""The API's content negotiation: DRF's choice for every header, remembered per header
(a bounded few), never for a request that cannot be served."""
import pytest
from django.test import RequestFactory
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from polyglot_site import api_negotiation
from polyglot_site.api_negotiation import RememberingContentNegotiation

HEADERS = ["application/json", "*/*", "text/html", "application/json; indent=2", "", "application/*",
           "text/html;q=0.5, application/json", "application/json; indent=4; q=0.9, */*;q=0.1"]


@pytest.fixture(autouse=True)
def nothing_remembered():
    RememberingContentNegotiation._choices.clear()
    yield
    RememberingContentNegotiation._choices.clear()


def request_with(accept=None, query=""):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(RequestFactory().get(f"/api/products/{query}", **headers))


def choice(negotiation, request, format_suffix=None):
    renderer, media_type = negotiation.select_renderer(request, [JSONRenderer(), BrowsableAPIRenderer()], format_suffix)
    return type(renderer), media_type


def outcome(negotiation, request, format_suffix=None):
    """The choice, or the error that refused the request (a 406: no Accept token that fits)."""
    try:
        return choice(negotiation, request, format_suffix)
    except NotAcceptable as refused:
        return type(refused)


@pytest.mark.parametrize("accept", [None, *HEADERS])
@pytest.mark.parametrize("query, suffix", [("", None), ("?format=api", None), ("?format=json", None), ("", "api")])
def test_the_remembered_choice_is_drfs_choice(accept, query, suffix):
    drfs = outcome(DefaultContentNegotiation(), request_with(accept, query), suffix)

    first = outcome(RememberingContentNegotiation(), request_with(accept, query), suffix)
    again = outcome(RememberingContentNegotiation(), request_with(accept, query), suffix)

    assert first == again == drfs
    assert len(RememberingContentNegotiation._choices) == (0 if drfs is NotAcceptable else 1)


def test_a_request_that_cannot_be_served_fails_each_time_and_is_not_remembered():
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            choice(RememberingContentNegotiation(), request_with("image/png"))

    assert RememberingContentNegotiation._choices == {}


def test_memory_is_bounded_whatever_headers_clients_send():
    for n in range(api_negotiation.REMEMBERED_CHOICES * 2 + 1):
        choice(RememberingContentNegotiation(), request_with(f"application/json, text/x-{n}"))
    long_header = "application/json, " + "text/x-long;" * 40

    assert choice(RememberingContentNegotiation(), request_with(long_header)) == (JSONRenderer, "application/json")
    assert 0 < len(RememberingContentNegotiation._choices) <= api_negotiation.REMEMBERED_CHOICES
    assert not any(key[0] == long_header for key in RememberingContentNegotiation._choices)


@pytest.mark.django_db
def test_the_api_negotiates_with_it(client):
    answer = client.get("/api/categories/", HTTP_ACCEPT="application/json, text/x-this-test")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert [key[0] for key in RememberingContentNegotiation._choices] == ["application/json, text/x-this-test"]
