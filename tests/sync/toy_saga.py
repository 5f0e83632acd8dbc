"""A toy saga over the real stores, for the saga runner's tests: a note in the document
store, a file in blob storage, an edge in the graph. Faults are planned in the
run's context: ``{"fail": {"blob": 2}}`` fails the blob step's first two
attempts, ``{"fail": {"undo:note": 99}}`` makes undoing the note fail. With
TOY_SAGA_CRASH_AFTER=blob in the environment, the process dies right after the
blob step's effect, before the runner records it."""
import os
from collections import Counter

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.stores import stores
from apps.stores.documents import declare_container
from apps.stores.exceptions import NotFound
from apps.sync import sagas

NAME, CONTAINER, EDGE = "test.toy", "test-saga-notes", "test_saga"
attempts = Counter()
journal = []  # (step, "do" or "undo"), in the order they took effect in this process


def planned_fault(context, what):
    attempts[(context["saga_run"], what)] += 1
    if attempts[(context["saga_run"], what)] <= context.get("fail", {}).get(what, 0):
        raise RuntimeError(f"planned fault in {what}")


def blob_name(context):
    return f"saga-tests/{context['saga_run']}.txt"


def write_note(context):
    planned_fault(context, "note")
    stores["documents"].upsert(CONTAINER, {"id": context["saga_run"], "run": context["saga_run"], "text": context["text"]})
    journal.append(("note", "do"))
    return {"note": context["saga_run"]}


def delete_note(context):
    planned_fault(context, "undo:note")
    try:
        stores["documents"].delete(CONTAINER, context["saga_run"], context["saga_run"])
    except NotFound:
        pass
    journal.append(("note", "undo"))


def write_blob(context):
    planned_fault(context, "blob")
    if not default_storage.exists(blob_name(context)):
        default_storage.save(blob_name(context), ContentFile(context["text"].encode()))
    if os.environ.get("TOY_SAGA_CRASH_AFTER") == "blob":
        os._exit(9)  # dies between the effect and its record
    journal.append(("blob", "do"))
    return {"blob": blob_name(context)}


def delete_blob(context):
    planned_fault(context, "undo:blob")
    default_storage.delete(blob_name(context))
    journal.append(("blob", "undo"))


def link(context):
    planned_fault(context, "edge")
    graph = stores["graph"]
    graph.upsert_vertex(context["saga_run"], "test_run")
    graph.upsert_vertex("done", "test_state")
    graph.upsert_edge(context["saga_run"], EDGE, "done")
    journal.append(("edge", "do"))


def unlink(context):
    planned_fault(context, "undo:edge")
    stores["graph"].remove_edge(context["saga_run"], EDGE, "done")
    journal.append(("edge", "undo"))


def install():
    declare_container(CONTAINER, "/run")
    stores["documents"].ensure_container(CONTAINER)
    journal.clear()
    return sagas.register(sagas.Saga(NAME, [
        sagas.Step("note", do=write_note, undo=delete_note),
        sagas.Step("blob", do=write_blob, undo=delete_blob),
        sagas.Step("edge", do=link, undo=unlink),
    ]))


def effects(run_id):
    """What the run left in each store: (note, blob, edge) as booleans."""
    try:
        stores["documents"].get(CONTAINER, str(run_id), str(run_id))
        note = True
    except NotFound:
        note = False
    edge = "done" in [vertex.id for vertex in stores["graph"].neighbours(str(run_id), label=EDGE)]
    return note, default_storage.exists(f"saga-tests/{run_id}.txt"), edge
