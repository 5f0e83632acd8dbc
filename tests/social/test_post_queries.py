"""What the feed asks of the document store, in whichever store the profile runs: a filter on
hundreds of authors at once, newest first by id, and a cursor on the id."""
import pytest

from apps.stores import stores
from apps.stores.query import Q

pytestmark = pytest.mark.django_db(transaction=True)


def post(id, author, **extra):
    return {"id": id, "author": author, "text": "t", "hidden": False, **extra}


def test_a_filter_on_many_authors_ordered_and_cursored_by_id_matches_only_strings(clean_stores):
    documents = stores["documents"]
    documents.bulk_upsert("posts", [
        post("001", "1"), post("002", "2"), post("003", "3"), post("004", "1"), post("005", "9"),
        post("006", "1", hidden=True), post("007", 1),  # a number is not the string "1"
    ])
    authors = [str(n) for n in range(1, 400)]

    newest = documents.query("posts", Q(author__in=authors, hidden=False), order_by=("-id",), limit=3).items
    older = documents.query("posts", Q(author__in=authors, hidden=False) & Q(id__lt="003"), order_by=("-id",)).items
    numbers = documents.query("posts", Q(author__in=["1", "2"]) & Q(id__gte="004"), order_by=("id",)).items

    assert [d["id"] for d in newest] == ["005", "004", "003"]
    assert [d["id"] for d in older] == ["002", "001"]
    assert [d["id"] for d in numbers] == ["004", "006"]
