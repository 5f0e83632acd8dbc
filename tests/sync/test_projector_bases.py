"""The platform's shapes: a home per projection, a base per target store, a child row
that announces its parent, and conditional changes to a document home."""
import pytest
from django.core.cache import cache

from apps.sync.changes import record_change
from apps.sync.edge_ids import edge_aggregate_id
from apps.sync.homes import GraphEdgeHome, SQLHome
from apps.sync.models import Delivery, OutboxEvent, ProjectionCursor
from apps.sync.projectors import CacheProjector, GraphEdgeHomeProjector, GraphProjector, Projector, State, registry
from tests.sync import stock_home
from tests.testapp.models import Basket, BasketLine

pytestmark = pytest.mark.django_db(transaction=True)


def events(aggregatetype="testapp.basket"):
    return list(OutboxEvent.objects.filter(aggregatetype=aggregatetype).values_list("type", "version", "payload"))


def test_a_projector_without_a_home_is_refused():
    class Homeless(Projector):
        name, aggregatetype = "test.homeless", "test.thing"

    with pytest.raises(ValueError, match="needs a home"):
        registry.register(Homeless())


def test_a_child_row_announces_its_parent_with_the_parents_whole_state():
    basket = Basket.objects.create(owner="ada")
    line = BasketLine.objects.create(basket=basket, item="lamp", quantity=1)
    line.quantity = 3
    line.save()
    line.delete()

    assert events() == [
        ("saved", 1, {"owner": "ada", "lines": []}),
        ("saved", 2, {"owner": "ada", "lines": [["lamp", 1]]}),
        ("saved", 3, {"owner": "ada", "lines": [["lamp", 3]]}),
        ("saved", 4, {"owner": "ada", "lines": []}),
    ]
    assert Basket.objects.get().version == 4


def test_deleting_a_parent_with_its_rows_announces_only_its_deletion():
    basket = Basket.objects.create(owner="ada")
    BasketLine.objects.create(basket=basket, item="lamp")
    BasketLine.objects.create(basket=basket, item="mug")

    Basket.objects.get().delete()

    assert [(kind, version) for kind, version, _ in events()] == [("saved", 1), ("saved", 2), ("saved", 3), ("deleted", 4)]


class BasketCardCache(CacheProjector):
    name = "testapp.basket.card"
    aggregatetype = "testapp.basket"
    home = SQLHome(Basket)

    def keys(self, state):
        return [f"basket-card:{state.aggregateid}"]


@pytest.fixture
def card_cache():
    projector = registry.register(BasketCardCache())
    yield projector
    registry.unregister(projector.name)


def test_a_cache_projection_drops_the_records_entries_on_each_event(card_cache):
    basket = Basket.objects.create(owner="ada")
    cache.set(f"basket-card:{basket.pk}", "ada, 0 lines")
    cache.set("basket-card:other", "kept")

    BasketLine.objects.create(basket=basket, item="lamp")

    assert cache.get(f"basket-card:{basket.pk}") is None
    assert cache.get("basket-card:other") == "kept"
    assert Delivery.objects.filter(projection=card_cache.name).exclude(status="done").count() == 0


def test_a_cache_projection_applies_every_event_in_any_order_without_cursors(card_cache, monkeypatch):
    from apps.sync import relay, tasks

    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args: None)  # delivered below, newest first
    basket = Basket.objects.create(owner="ada")
    BasketLine.objects.create(basket=basket, item="lamp")
    deliveries = Delivery.objects.filter(projection=card_cache.name).order_by("-event_id")

    cache.set(f"basket-card:{basket.pk}", "read after the newest event")
    relay.deliver(deliveries[0].pk)
    cache.set(f"basket-card:{basket.pk}", "read again")
    relay.deliver(deliveries[1].pk)  # the older event still drops the entry

    assert cache.get(f"basket-card:{basket.pk}") is None
    assert sorted(deliveries.values_list("status", "outcome")) == [("done", "applied")] * 2
    assert not ProjectionCursor.objects.filter(projection=card_cache.name).exists()


def test_a_cache_projection_is_skipped_by_reconcile_and_emptied_by_rebuild(card_cache):
    from apps.sync import maintenance

    basket = Basket.objects.create(owner="ada")
    cache.set(f"basket-card:{basket.pk}", "stale card")

    drift = maintenance.reconcile(card_cache, repair=True)
    maintenance.rebuild(card_cache)

    assert drift.skipped and drift.clean
    assert cache.get(f"basket-card:{basket.pk}") is None


@pytest.fixture
def stock(clean_stores):
    projector = stock_home.install()
    clean_stores["documents"].delete_container(stock_home.CONTAINER)
    record_change(aggregatetype=stock_home.AGGREGATE, aggregateid="lamp", type="saved",
                  payload={"sku": "lamp", "available": 3}, home=projector.name)
    yield clean_stores["documents"]
    registry.unregister(projector.name)
    clean_stores["documents"].delete_container(stock_home.CONTAINER)


def reserve(quantity):
    return stock_home.reserve("lamp", quantity)


def test_a_conditional_change_applies_then_is_announced_with_the_stored_state(stock):
    outcome = reserve(2)

    assert outcome.applied
    assert (outcome.document["available"], outcome.document["version"]) == (1, 2)
    assert stock.get("test-stock", "lamp", "lamp")["available"] == 1
    assert [(kind, version, payload["available"]) for kind, version, payload in events("test.stock")] == [
        ("saved", 1, 3), ("saved", 2, 1)
    ]
    assert not Delivery.objects.exclude(status="done").exists()


def test_a_refused_condition_is_a_clear_outcome_and_writes_nothing(stock):
    outcome = reserve(5)

    assert not outcome.applied and outcome.reason
    assert stock.get("test-stock", "lamp", "lamp")["available"] == 3
    assert len(events("test.stock")) == 1
    assert reserve(3).applied and not reserve(1).applied, "never below zero"


def test_a_conditional_change_to_a_missing_record_is_refused_not_raised(stock):
    outcome = stock_home.reserve("desk", 1)

    assert not outcome.applied and "desk" not in [e[2].get("sku") for e in events("test.stock")]


def test_a_conditional_change_sees_every_change_acknowledged_before_it(stock, monkeypatch):
    from apps.sync import changes, outbox

    # A whole-state change whose home write was lost (the process died after the commit).
    monkeypatch.setattr(changes, "_apply_to_home", lambda *args: None)
    monkeypatch.setattr(outbox, "dispatch", lambda sequence: None)
    record_change(aggregatetype="test.stock", aggregateid="lamp", type="saved",
                  payload={"sku": "lamp", "available": 1}, home="test.stock.home")
    monkeypatch.undo()
    assert stock.get("test-stock", "lamp", "lamp")["available"] == 3, "the home missed the change"

    outcome = reserve(2)

    assert not outcome.applied, "checked against the acknowledged 1, not the stale 3"
    assert stock.get("test-stock", "lamp", "lamp")["available"] == 1
    assert reserve(1).document["version"] == 3


class FollowsHome(GraphEdgeHomeProjector):
    name = "test.follows.home"
    aggregatetype = "test.follows"
    label = "test_follows"
    home = GraphEdgeHome("test_follows")


@pytest.fixture
def follows(clean_stores):
    graph = clean_stores["graph"]
    for user in ("ada", "bob"):
        graph.upsert_vertex(user, "test_user")
    projector = registry.register(FollowsHome())
    yield graph
    registry.unregister(projector.name)


def follow(source, target, type="saved", **properties):
    return record_change(aggregatetype="test.follows", aggregateid=edge_aggregate_id(source, target), type=type,
                         payload={"source": source, "target": target, **properties}, home="test.follows.home")


def test_an_edge_whose_home_is_the_graph_is_changed_listed_and_reconciled(follows):
    from apps.sync import maintenance

    follow("ada", "bob", since="2026-11-29")
    follow("bob", "ada")

    [first, second] = sorted(follows.scan_edges("test_follows"), key=lambda edge: edge.source)
    assert (first.source, first.target, first.properties) == ("ada", "bob", {"since": "2026-11-29", "version": 1})
    states = sorted(FollowsHome().home_states(), key=lambda state: state.aggregateid)
    assert [(s.aggregateid, s.version, s.payload) for s in states] == [
        ('["ada","bob"]', 1, {"source": "ada", "target": "bob", "since": "2026-11-29"}),
        ('["bob","ada"]', 1, {"source": "bob", "target": "ada"}),
    ]
    assert GraphEdgeHome("test_follows").count() == 2
    assert maintenance.reconcile(registry.get("test.follows.home")).clean

    follow("ada", "bob", type="deleted")

    assert [(e.source, e.target) for e in follows.scan_edges("test_follows")] == [("bob", "ada")]


class BasketGraph(GraphProjector):
    name = "testapp.basket.graph"
    aggregatetype = "testapp.basket"
    home = SQLHome(Basket)
    vertex_label = "test_basket"
    edge_labels = ("test_holds",)

    def properties(self, state):
        return {"owner": state.payload["owner"]}

    def edges(self, state):
        return [("test_holds", item, {"quantity": quantity}) for item, quantity in state.payload["lines"]]


@pytest.fixture
def basket_graph(clean_stores):
    for item in ("lamp", "mug"):
        clean_stores["graph"].upsert_vertex(item, "test_item")
    projector = registry.register(BasketGraph())
    yield clean_stores["graph"]
    registry.unregister(projector.name)


def test_a_graph_projection_keeps_a_vertex_and_the_edges_the_record_owns(basket_graph):
    from apps.sync import maintenance

    basket = Basket.objects.create(owner="ada")
    lamp = BasketLine.objects.create(basket=basket, item="lamp", quantity=2)
    BasketLine.objects.create(basket=basket, item="mug")
    lamp.delete()

    [vertex] = basket_graph.scan_vertices("test_basket")
    assert (vertex.id, vertex.properties) == (str(basket.pk), {"owner": "ada", "version": 4})
    assert [v.id for v in basket_graph.neighbours(str(basket.pk), label="test_holds")] == ["mug"]
    assert maintenance.reconcile(registry.get("testapp.basket.graph")).clean

    basket_graph.upsert_vertex(str(basket.pk), "test_basket", {"owner": "eve", "version": 4})
    drift = maintenance.reconcile(registry.get("testapp.basket.graph"), repair=True)
    assert drift.differs == [str(basket.pk)]
    assert basket_graph.get_vertex(str(basket.pk)).properties["owner"] == "ada"

    Basket.objects.get().delete()
    assert list(basket_graph.scan_vertices("test_basket")) == []
    assert basket_graph.neighbours("mug", direction="in", label="test_holds") == []


def product_state(id, version, name, category="lamps", type="saved"):
    return State("catalog.product", id, type, version, {"name": name, "category": category})


def test_a_document_batch_creates_without_reading_yet_keeps_what_is_already_stored(clean_stores):
    """New records (version 1) are written without a read; a create that meets a stored
    document, an edit, a move to another partition and a stale event still end right."""
    from apps.stores import stores

    projector, documents = registry.get("catalog.product.document"), stores["documents"]
    documents.create("products", {"id": "redelivered", "category": "lamps", "version": 1, "name": "Old",
                                  "attributes": {"watts": 40}})
    documents.create("products", {"id": "edited", "category": "lamps", "version": 1, "name": "Before",
                                  "attributes": {"watts": 60}})
    documents.create("products", {"id": "moved", "category": "lamps", "version": 1, "name": "Moving"})
    documents.create("products", {"id": "ahead", "category": "lamps", "version": 5, "name": "Newest"})

    projector.apply_batch([
        product_state("new-1", 1, "New one"),
        product_state("new-2", 1, "New two", category="chairs"),
        product_state("redelivered", 1, "Old again"),
        product_state("edited", 2, "After"),
        product_state("moved", 2, "Moved", category="chairs"),
        product_state("ahead", 3, "Stale"),
        product_state("unseen-edit", 4, "Created by its fourth event"),
    ])

    stored = {d["id"]: d for d in documents.scan("products")}
    assert {id: (d["category"], d["version"], d["name"]) for id, d in stored.items()} == {
        "new-1": ("lamps", 1, "New one"),
        "new-2": ("chairs", 1, "New two"),
        "redelivered": ("lamps", 1, "Old"),  # already in place: not written again
        "edited": ("lamps", 2, "After"),
        "moved": ("chairs", 2, "Moved"),
        "ahead": ("lamps", 5, "Newest"),
        "unseen-edit": ("lamps", 4, "Created by its fourth event"),
    }
    assert stored["edited"]["attributes"] == {"watts": 60}, "fields whose home is the document are kept"
