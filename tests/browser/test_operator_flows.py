"""An operator's day at 1280 px: find a dead letter, read its error, redrive it and see the
lag fall; rebuild a projection from the data map and see the run finish."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.sync.models import Delivery, ProjectionCursor
from tests.factories import ProductFactory

SEARCH = "catalog.product.search"


@pytest.fixture
def olga(transactional_db):
    return get_user_model().objects.create_superuser("olga", "olga@example.com", "a-long-Passphrase-42")


def test_an_operator_finds_a_dead_letter_reads_its_error_and_redrives_it(operator, olga, clean_stores):
    product = ProductFactory(name="Brass lamp")
    clean_stores["search"].clear("products")
    # Dead, and never applied, as after a store outage.
    ProjectionCursor.objects.filter(projection=SEARCH).update(version=0)
    Delivery.objects.filter(projection=SEARCH).update(
        status="dead", attempts=8, last_error="Unavailable: the search index stayed locked by another writer for 10 s."
    )
    operator.sign_in_as(olga)
    page = operator.page

    operator.open("/admin/sync/delivery/")
    expect(page.locator(".projection-lag .dead")).to_have_text("1")
    operator.follow(page.get_by_role("link", name="Dead (needs a redrive)"))
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Unavailable: the search index stayed locked")
    operator.follow(row.get_by_role("link", name=str(Delivery.objects.get(projection=SEARCH).event_id), exact=True))
    expect(page.locator(".field-last_error")).to_contain_text("for 10 s.")
    page.go_back()

    page.locator("#result_list tbody input[type=checkbox]").check()
    page.locator("select[name=action]").select_option("redrive")
    operator.follow(page.get_by_role("button", name="Go"))

    expect(page.locator(".messagelist")).to_have_text("1 delivery queued again.")
    expect(page.locator(".projection-lag")).not_to_contain_text("needs")
    assert page.locator(".projection-lag .dead").count() == 0
    assert Delivery.objects.get(projection=SEARCH).status == "done"
    operator.open("/?q=brass")  # the shop finds it again
    expect(page.locator(".products .name")).to_have_text(["Brass lamp"])
    assert operator.page_width() <= 1280


def test_an_operator_rebuilds_a_projection_from_the_data_map_and_sees_it_finish(operator, olga, clean_stores):
    ProductFactory.create_batch(3)
    clean_stores["search"].clear("products")
    operator.sign_in_as(olga)
    page = operator.page

    operator.open("/admin/sync/delivery/")
    operator.follow(page.get_by_role("link", name="Data map"))
    row = page.locator("tr", has=page.get_by_role("cell", name=SEARCH, exact=True))
    expect(row.locator("td").nth(3)).to_have_text("0")
    row.get_by_label(f"Action for {SEARCH}").select_option("rebuild")
    operator.follow(row.get_by_role("button", name="Start"))

    expect(page.locator(".messagelist")).to_have_text(f"Rebuild of {SEARCH} started.")
    runs = page.locator(".data-map").last
    expect(runs.locator("tbody tr").first).to_contain_text("Done")
    expect(runs.locator("tbody tr").first).to_contain_text("3 written")
    expect(row.locator("td").nth(3)).to_have_text("3")
    assert operator.page_width() <= 1280
