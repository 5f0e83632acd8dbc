"""Template helpers of the social pages: ``{{ post.image|media_url }}`` and, on a product
page, ``{% product_likes product %}`` (its like count and a like or unlike button)."""
from django import template
from django.core.files.storage import default_storage

from apps.social import counts, services
from apps.stores.exceptions import Unavailable

register = template.Library()


@register.filter
def media_url(name):
    """The URL of a stored post image (blobs or files)."""
    return default_storage.url(name) if name else ""


@register.inclusion_tag("social/_product_likes.html", takes_context=True)
def product_likes(context, product):
    user = context["request"].user
    try:
        likes = counts.product_likes(product.pk)
        liked = user.is_authenticated and services.likes_product(user.pk, product.pk)
    except Unavailable:
        return {"unavailable": True}  # the product page still renders, without its likes
    return {"product": product, "likes": likes, "liked": liked, "signed_in": user.is_authenticated,
            "csrf_token": context.get("csrf_token")}
