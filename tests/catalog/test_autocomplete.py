"""The search box's autocomplete: a script file (no inline script, as the CSP says) fills a
<datalist> from the suggest endpoint; without it the form works as before."""
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_search_box_names_its_suggestions_and_loads_the_script_as_a_file(client, clean_stores):
    response = client.get(reverse("catalog:product-list"))

    body = response.content.decode()
    assert 'list="search-suggestions"' in body and '<datalist id="search-suggestions">' in body
    assert f'data-suggest-url="{reverse("product-suggest")}"' in body
    assert '<script src="/static/js/suggest.js" defer></script>' in body
    assert "<script>" not in body, "no inline script"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    script = open(finders.find("js/suggest.js")).read()
    assert "innerHTML" not in script, "suggestions become option values, never markup"


def test_the_endpoint_the_box_calls_answers_what_the_script_reads(client, clean_stores):
    ProductFactory(name="Brass desk lamp")

    response = client.get(reverse("product-suggest"), {"q": "bra"}, HTTP_ACCEPT="application/json")

    assert response.json() == {"suggestions": ["Brass desk lamp"]}


def test_without_javascript_the_form_still_searches(client, clean_stores):
    ProductFactory(name="Brass desk lamp")

    response = client.get(reverse("catalog:product-list"), {"q": "brass"})

    assert [p.name for p in response.context["page_obj"].object_list] == ["Brass desk lamp"]
