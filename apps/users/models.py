from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from apps.sync.outboxed import OutboxedModel

from .avatars import avatar_urls


class User(OutboxedModel, AbstractUser):
    """The project's own user model, in place from the first migration
    so profile fields can be added later without a painful swap.

    Its home is SQL; each change goes out through the outbox, so people search
    (apps.social.projections.PeopleSearchProjector) follows it.
    """

    outbox_aggregate_type = "users.user"
    # Signing in saves last_login alone; no projection carries it, so no event for each sign-in.
    outbox_quiet_fields = frozenset({"last_login"})

    display_name = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True, max_length=1000)
    # Stored through STORAGES["default"]: Azure Blob Storage (Azurite locally) or files.
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            # One account per email address, whatever its case; a sign-up race ends here.
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="one_account_per_email"),
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def avatar_urls(self):
        """The avatar and its thumbnail as stable URLs of this site ({"url", "small"}), or None."""
        return avatar_urls(self)

    def outbox_payload(self):
        # Only what others may see: never the email or anything of the password.
        return {"id": str(self.pk), "username": self.username, "display_name": self.display_name,
                "bio": self.bio, "is_active": self.is_active}
