"""The operators' data map: every record kind, its home and its projections, read from the
projection registry (not a hand-written table), with counts, lag, dead letters and the
drift the last reconcile found."""
from dataclasses import dataclass, field

from .lag import projection_lag
from .maintenance_runs import last_reconciles
from .projectors import registry


@dataclass
class Count:
    """A count read from a store, or why it could not be read."""

    value: int | None = None
    error: str = ""


@dataclass
class ProjectionRow:
    name: str
    describe: str
    backend: str
    count: Count
    lag: dict
    last_reconcile: object  # a MaintenanceRun, or None


@dataclass
class RecordKind:
    aggregatetype: str
    home: str
    home_kind: str
    home_backend: str
    home_count: Count
    projections: list = field(default_factory=list)


def counted(call):
    """``call()`` as a Count; a store that is down gives its error, not a failed page."""
    try:
        return Count(call())
    except Exception as error:  # noqa: BLE001 - one store down must not hide the others
        return Count(error=f"{type(error).__name__}: {error}"[:200])


def data_map():
    """[RecordKind], one per aggregate type, each with its projections, in name order."""
    lag, reconciles = projection_lag(), last_reconciles()
    kinds = {}
    for projector in sorted(registry.all(), key=lambda p: (p.aggregatetype, p.name)):
        home = projector.home
        kind = kinds.get(projector.aggregatetype)
        if kind is None:
            kind = kinds[projector.aggregatetype] = RecordKind(
                projector.aggregatetype, home.describe(), home.kind, counted(home.backend).value or "?",
                counted(home.count),
            )
        kind.projections.append(ProjectionRow(
            projector.name, projector.describe(), counted(projector.backend).value or "?", counted(projector.count),
            lag.get(projector.name, {}), reconciles.get(projector.name),
        ))
    return list(kinds.values())
