"""The transactional outbox, in Debezium's outbox layout plus sequence and version."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """One change to a record's home, written in the same transaction as the change.

    id, aggregatetype, aggregateid, type and payload are the columns
    Debezium's outbox event router reads, so CDC could replace the relay.
    ``sequence`` orders events; ``version`` is the aggregate's version after
    the change, which projectors compare to ignore old or repeated events.
    """

    sequence = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    aggregatetype = models.CharField(max_length=100)
    aggregateid = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    version = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outbox"
        ordering = ["sequence"]
        indexes = [models.Index(fields=["aggregatetype", "aggregateid"], name="outbox_aggregate_idx")]

    def __str__(self):
        return f"#{self.sequence} {self.aggregatetype}:{self.aggregateid} {self.type} v{self.version}"


class Delivery(models.Model):
    """The delivery of one event to one projection: pending, done, failed or dead.

    Rows are written with the event, in the same transaction, so a committed
    change always has its deliveries waiting even if dispatch never happens.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (will retry)"
        DEAD = "dead", "Dead (needs a redrive)"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        SKIPPED = "skipped", "Skipped (older or repeated)"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    projection = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "outbox_delivery"
        verbose_name_plural = "deliveries"
        ordering = ["event_id", "projection"]
        constraints = [
            models.UniqueConstraint(fields=["event", "projection"], name="delivery_once_per_projection"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["projection", "status"], name="delivery_projection_idx"),
        ]

    def __str__(self):
        return f"event #{self.event_id} → {self.projection}: {self.status}"


class ProjectionCursor(models.Model):
    """The version of one aggregate a projection has reached.

    Updated in the same transaction that marks the delivery done and held
    locked while the projector runs, so two deliveries of one aggregate never
    race and an older or repeated event is recognised and skipped.
    """

    projection = models.CharField(max_length=100)
    aggregatetype = models.CharField(max_length=100)
    aggregateid = models.CharField(max_length=255)
    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "outbox_projection_cursor"
        constraints = [
            models.UniqueConstraint(
                fields=["projection", "aggregatetype", "aggregateid"], name="cursor_per_aggregate"
            ),
        ]

    def __str__(self):
        return f"{self.projection} {self.aggregatetype}:{self.aggregateid} at v{self.version}"


class AggregateVersion(models.Model):
    """Version counters for aggregates whose home is not SQL (documents, graph).

    The event carrying the new state takes its version from here, in the
    same transaction that writes the event, so versions are gap-free per
    aggregate and ordered even when two writers race.
    """

    aggregatetype = models.CharField(max_length=100)
    aggregateid = models.CharField(max_length=255)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "outbox_aggregate_version"
        constraints = [
            models.UniqueConstraint(fields=["aggregatetype", "aggregateid"], name="one_version_per_aggregate"),
        ]


class SagaRun(models.Model):
    """One run of a saga (apps.sync.sagas): its steps' states are persisted as it goes, so a
    crash leaves a run that the periodic task resumes or compensates."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        COMPENSATING = "compensating", "Compensating"
        COMPENSATED = "compensated", "Compensated"
        COMPENSATION_FAILED = "compensation_failed", "Compensation failed (needs an operator)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    saga = models.CharField(max_length=100)
    key = models.CharField(max_length=200, null=True, blank=True, help_text="Idempotency key: one run per key.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING)
    context = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "saga_run"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["saga", "key"], name="one_saga_run_per_key"),
        ]
        indexes = [models.Index(fields=["state", "lease_until"], name="saga_run_state_idx")]

    def __str__(self):
        return f"{self.saga} {self.key or self.pk}: {self.state}"


class SagaStep(models.Model):
    """One step of a run: its do (and, when compensating, undo) attempts and outcome."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"
        UNDO_FAILED = "undo_failed", "Undo failed"

    run = models.ForeignKey(SagaRun, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    undo_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "saga_step"
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="one_saga_step_per_index")]

    def __str__(self):
        return f"{self.index}. {self.name}: {self.state}"


class MaintenanceRun(models.Model):
    """A rebuild, replay or reconcile asked for by an operator, run as a Celery task.

    The task writes its progress here as it goes and keeps the result (the drift
    a reconcile found, how many records a rebuild wrote), so the admin can show
    both, and the data map the last reconcile of each projection. At most one run
    per projection is queued or running at a time.
    """

    class Action(models.TextChoices):
        REBUILD = "rebuild", "Rebuild"
        REPLAY = "replay", "Replay"
        RECONCILE = "reconcile", "Reconcile (report only)"
        REPAIR = "repair", "Reconcile and repair"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (State.QUEUED, State.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.CharField(max_length=10, choices=Action.choices)
    projection = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    since = models.PositiveBigIntegerField(default=0, help_text="Replay: the first event sequence replayed.")
    done_count = models.PositiveIntegerField("done", default=0)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Records to go through, when known.")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sync_maintenance_run"
        ordering = ["-created_at"]
        constraints = [
            # Two rebuilds of one projection at once would each write it; the second is refused here.
            models.UniqueConstraint(
                fields=["projection"], condition=models.Q(state__in=["queued", "running"]),
                name="one_active_run_per_projection",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} of {self.projection}: {self.get_state_display()}"

    @property
    def percent(self):
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return None
        return min(99, int(100 * self.done_count / self.total))
