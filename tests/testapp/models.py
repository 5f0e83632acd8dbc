from django.db import models

from apps.sync.outboxed import AnnouncesParent, OutboxedModel


class Basket(OutboxedModel):
    """A parent record whose state includes its lines."""

    owner = models.CharField(max_length=50)

    outbox_aggregate_type = "testapp.basket"

    def outbox_payload(self):
        return {"owner": self.owner, "lines": sorted(self.lines.values_list("item", "quantity"))}


class BasketLine(AnnouncesParent):
    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="lines")
    item = models.CharField(max_length=50)
    quantity = models.PositiveIntegerField(default=1)

    outbox_parent = "basket"
