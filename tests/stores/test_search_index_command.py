"""manage.py search_index rebuild | update | clear, with the Product model's search index."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.catalog.models import Product
from tests.factories import CategoryFactory, ProductFactory

INDEX = Product.search_index_name


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run(*args):
    out, err = io.StringIO(), Terminal()
    call_command("search_index", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def products(transactional_db, clean_stores):
    books = CategoryFactory(name="Books", slug="books")
    toys = CategoryFactory(name="Toys", slug="toys")
    made = [
        ProductFactory(name="Walnut chess set", category=toys, price="40.00"),
        ProductFactory(name="Walnut cookbook", category=books, price="12.50"),
        ProductFactory(name="Paper kite", category=toys, price="8.00"),
    ]
    return made


def indexed_ids(search):
    return sorted(search.search(INDEX, page_size=100).ids)


def test_rebuild_indexes_every_product_from_sql_and_drops_strays(products, clean_stores):
    search = clean_stores["search"]
    search.clear(INDEX)
    search.index_documents(INDEX, [{"id": "stray", "name": "Not a product any more"}])

    out, err = run("rebuild", "--model", "catalog.Product", "--chunk-size", "2")

    assert indexed_ids(search) == sorted(str(p.pk) for p in products)
    hit = search.search(INDEX, "cookbook").hits[0]
    assert hit.document["category"] == "books" and hit.document["price"] == 12.5
    assert f"{INDEX}: rebuilt with 3 documents (catalog.product.search)." in out
    assert "3/3" in err  # the progress bar


def test_rebuild_without_a_model_does_every_search_index(products, clean_stores):
    clean_stores["search"].clear(INDEX)

    out, _ = run("rebuild")

    assert indexed_ids(clean_stores["search"]) == sorted(str(p.pk) for p in products)
    assert "rebuilt with 3 documents" in out


def test_searches_keep_working_while_a_rebuild_runs(products, clean_stores, monkeypatch):
    from apps.sync.management.commands import search_index

    search, seen = clean_stores["search"], []
    documents = search_index.Command.documents

    def watching(self, projector, chunk_size, bar):
        for document in documents(self, projector, chunk_size, bar):
            seen.append(search.search(INDEX, "walnut").total)
            yield document

    search.clear(INDEX)
    search.index_documents(INDEX, [{"id": "old", "name": "Old walnut"}])
    monkeypatch.setattr(search_index.Command, "documents", watching)

    run("rebuild", "--chunk-size", "1")

    assert seen == [1, 1, 1]
    assert search.search(INDEX, "walnut").total == 2


def test_update_writes_every_products_document_in_place(products, clean_stores):
    search = clean_stores["search"]
    search.clear(INDEX)
    search.index_documents(INDEX, [{"id": "stray", "name": "Kept by update"}])

    out, _ = run("update", "--chunk-size", "2")

    assert indexed_ids(search) == sorted([str(p.pk) for p in products] + ["stray"])
    assert f"{INDEX}: updated 3 documents" in out


def test_clear_empties_the_index(products, clean_stores):
    out, _ = run("clear", "--model", "catalog.Product")

    assert clean_stores["search"].count(INDEX) == 0
    assert f"{INDEX}: cleared" in out


def test_an_unknown_model_is_a_clear_error():
    with pytest.raises(CommandError, match=r"Unknown model 'catalog.Nope'.*catalog.Product"):
        run("rebuild", "--model", "catalog.Nope")
    with pytest.raises(CommandError, match=r"Unknown model 'Product'"):
        run("rebuild", "--model", "Product")


def test_a_model_without_a_search_index_is_a_clear_error():
    with pytest.raises(CommandError, match=r"No search index is projected from catalog.Category"):
        run("update", "--model", "catalog.Category")


@pytest.mark.parametrize("size", ["0", "-3", "many"])
def test_the_chunk_size_is_a_whole_number_from_one(size):
    with pytest.raises(CommandError, match="chunk-size"):
        run("update", "--chunk-size", size)


@pytest.mark.django_db(transaction=True)
def test_an_index_built_from_an_older_definition_is_reported_then_rebuilt_from_its_home(clean_stores):
    from dataclasses import replace

    from apps.stores.search import declare_index, declared_indexes

    current = declared_indexes()[INDEX]
    older = replace(current, fields=tuple(f for f in current.fields if f.name != "created_at"))
    search = clean_stores["search"]
    search.rebuild(INDEX, [])  # a fresh generation, so the older definition builds its own
    declare_index(older)
    try:
        search.rebuild(INDEX, [])  # the index an older version of the site left
    finally:
        declare_index(current)
    err = io.StringIO()

    call_command("stores", "init", stdout=io.StringIO(), stderr=err)
    call_command("search_index", "rebuild", stdout=io.StringIO(), stderr=io.StringIO())
    ProductFactory(name="Upgraded lamp")

    assert "built from another definition" in err.getvalue()
    assert search.search(INDEX, "upgraded").total == 1
