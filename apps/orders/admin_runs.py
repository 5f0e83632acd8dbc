"""What operators see of an order's checkout run in the admin: its state on every row (one
subquery, not a query per row), and the orders that need an operator: a run left
compensation_failed, or a stuck one (active, its runner's lease gone)."""
from django.contrib import admin
from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat

from apps.sync import sagas
from apps.sync.models import SagaRun

from .checkout import RUN_KEY_PREFIX, SAGA

NEEDS_OPERATOR = {
    "stuck": ("Stuck (its run stopped)", sagas.stuck_condition),
    "compensation_failed": ("Compensation failed", lambda: Q(state=SagaRun.State.COMPENSATION_FAILED)),
}


def runs_of_outer_order():
    """The checkout run of the order in the outer query (runs are keyed "order-<id>")."""
    key = Concat(Value(RUN_KEY_PREFIX), Cast(OuterRef("pk"), output_field=CharField()))
    return SagaRun.objects.filter(saga=SAGA, key=key)


def with_run(orders):
    """The orders with their run's id and state, and whether it is stuck (``run_id``,
    ``run_state``, ``run_stuck``)."""
    runs = runs_of_outer_order()
    return orders.annotate(run_id=Subquery(runs.values("pk")[:1]), run_state=Subquery(runs.values("state")[:1]),
                           run_stuck=Exists(runs.filter(sagas.stuck_condition())))


def needing_operator(orders, problem=None):
    """The orders whose run has ``problem`` (a NEEDS_OPERATOR key), or either problem if None."""
    problems = [problem] if problem else list(NEEDS_OPERATOR)
    condition = Q()
    for name in problems:
        condition |= NEEDS_OPERATOR[name][1]()
    return orders.filter(Exists(runs_of_outer_order().filter(condition)))


def run_problem(order):
    """"stuck", "compensation_failed" or None, from an order annotated by with_run()."""
    if order.run_state == SagaRun.State.COMPENSATION_FAILED:
        return "compensation_failed"
    return "stuck" if order.run_stuck else None


class NeedsOperatorFilter(admin.SimpleListFilter):
    """Stuck and failed runs at a glance: the orders an operator has to look at."""

    title = "needs an operator"
    parameter_name = "needs"

    def lookups(self, request, model_admin):
        return [("any", "Stuck or compensation failed")] + [(key, label) for key, (label, _) in NEEDS_OPERATOR.items()]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return needing_operator(queryset)
        if self.value() in NEEDS_OPERATOR:
            return needing_operator(queryset, self.value())
        return queryset
