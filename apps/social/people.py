"""People as the social pages show them: active users, loaded from SQL (their home)."""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from .vertices import USER, pk_of


def active_user(pk):
    """The active user with primary key ``pk``; ValidationError for an unknown or deleted one."""
    User = get_user_model()
    try:
        number = int(pk)
        if not 0 < number < 2**63:
            raise ValueError(pk)
        return User.objects.get(pk=number, is_active=True)
    except (TypeError, ValueError, User.DoesNotExist):
        raise ValidationError(f"There is no user {pk}.", code="unknown_user") from None


def users_in_order(vertex_ids):
    """The active users these vertices name, in the order given; vertices of users
    deleted or deactivated since are left out."""
    pks = [int(pk) for pk in (pk_of(v, USER) for v in vertex_ids) if pk and pk.isdigit()]
    found = get_user_model().objects.filter(is_active=True).in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]
