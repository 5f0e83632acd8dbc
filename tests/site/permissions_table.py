"""The permissions audit: every page and endpoint, and what each kind of visitor gets.

One row per route and method. The four columns are who asks:

- anonymous: nobody signed in;
- owner: a signed-in shopper who owns the record the route names (their order,
  post, review, cart, profile); where a route names no one's record, simply a
  signed-in shopper;
- another user: a signed-in shopper who does not own it;
- staff: an operator (``is_staff`` and superuser).

A cell is the status code the request answers, or ``login`` for a redirect to the
sign-in page. tests/site/test_permissions_audit.py makes every request in a fresh
world and checks its cell, checks that every URL the site routes has a row, and
that README.md holds this table as ``python -m tests.site.permissions_table``
prints it.
"""
from dataclasses import dataclass

LOGIN = "login"


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # placeholders: see make_world() in test_permissions_audit.py
    name: str  # the URL name (namespace:name), for the coverage check
    anonymous: object
    owner: object
    other: object
    staff: object
    data: dict = None  # the request's body (form fields, or JSON for /api/)
    headers: dict = None
    note: str = ""

    def cells(self):
        return {"anonymous": self.anonymous, "owner": self.owner, "other": self.other, "staff": self.staff}


ROWS = [
    # -- the shop -------------------------------------------------------------------------
    Row("GET", "/", "catalog:product-list", 200, 200, 200, 200),
    Row("GET", "/category/{category}/", "catalog:category", 200, 200, 200, 200),
    Row("GET", "/products/{slug}/", "catalog:product-detail", 200, 200, 200, 200),
    Row("GET", "/products/{draft}/", "catalog:product-detail", 404, 404, 404, 404,
        note="a draft product is not shown, even to staff (they preview in the admin)"),
    Row("POST", "/products/{slug}/reviews/", "catalog:write-review", LOGIN, 302, 302, 302,
        data={"rating": 4, "text": "Good."}, note="owner: reviews it again, and is told they did already"),
    Row("GET", "/images/{image}", "stored-image", 200, 200, 200, 200),
    # -- accounts -------------------------------------------------------------------------
    Row("GET", "/accounts/sign-up/", "users:sign-up", 200, 302, 302, 302,
        note="a signed-in visitor is sent to the shop"),
    Row("GET", "/accounts/login/", "login", 200, 200, 200, 200),
    Row("POST", "/accounts/logout/", "logout", 302, 302, 302, 302),
    Row("GET", "/accounts/profile/", "users:profile", LOGIN, 200, 200, 200,
        note="each signed-in user sees their own profile; there is no one else's"),
    Row("GET", "/accounts/password_change/", "password_change", LOGIN, 200, 200, 200),
    Row("GET", "/accounts/password_change/done/", "password_change_done", LOGIN, 200, 200, 200),
    Row("GET", "/accounts/password_reset/", "password_reset", 200, 200, 200, 200),
    Row("GET", "/accounts/password_reset/done/", "password_reset_done", 200, 200, 200, 200),
    Row("GET", "/accounts/reset/bad/set-password/", "password_reset_confirm", 200, 200, 200, 200,
        note="an invalid link shows 'this link is not valid'"),
    Row("GET", "/accounts/reset/done/", "password_reset_complete", 200, 200, 200, 200),
    # -- social pages ---------------------------------------------------------------------
    Row("GET", "/social/feed/", "social:feed", LOGIN, 200, 200, 200),
    Row("GET", "/social/search/?q=ada", "social:search", 200, 200, 200, 200),
    Row("GET", "/social/people/{owner}/", "social:profile", 200, 200, 200, 200),
    Row("POST", "/social/people/{owner}/follow/", "social:follow", LOGIN, 302, 302, 302,
        note="owner: following oneself is refused with a message"),
    Row("POST", "/social/products/{product}/like/", "social:like-product", LOGIN, 302, 302, 302),
    Row("GET", "/social/posts/{post}/", "social:post", 200, 200, 200, 200),
    Row("POST", "/social/posts/{post}/like/", "social:like", LOGIN, 302, 302, 302),
    Row("POST", "/social/posts/{post}/comment/", "social:comment", LOGIN, 302, 302, 302, data={"text": "Nice."}),
    Row("POST", "/social/posts/{post}/edit/", "social:edit-post", LOGIN, 302, 403, 403, data={"text": "Edited."},
        note="only the author edits or deletes a post; staff hide it instead"),
    Row("POST", "/social/posts/{post}/delete/", "social:delete-post", LOGIN, 302, 403, 403),
    Row("POST", "/social/posts/{post}/hide/", "social:hide-post", LOGIN, 403, 403, 302),
    # -- orders ---------------------------------------------------------------------------
    Row("GET", "/orders/cart/", "orders:cart", 200, 200, 200, 200, note="everyone has their own cart"),
    Row("POST", "/orders/cart/add/", "orders:add", 302, 302, 302, 302, data={"product": "{product}", "quantity": 1}),
    Row("POST", "/orders/cart/update/", "orders:update", 400, 302, 400, 400, data={"product": "{product}", "quantity": 2},
        note="only a line in one's own cart can change"),
    Row("POST", "/orders/cart/remove/", "orders:remove", 302, 302, 302, 302, data={"product": "{product}"}),
    Row("POST", "/orders/cart/accept-prices/", "orders:accept-prices", 302, 302, 302, 302),
    Row("GET", "/orders/checkout/", "orders:checkout", LOGIN, 200, 302, 302,
        note="an empty cart goes back to the cart page"),
    Row("POST", "/orders/checkout/", "orders:checkout", LOGIN, 302, 409, 409,
        data={"payment_method": "on_delivery", "idempotency_key": "audit-key-0001"},
        note="302 to the new order; another user's and staff's carts are empty here"),
    Row("GET", "/orders/", "orders:mine", LOGIN, 200, 200, 200, note="each sees their own orders"),
    Row("GET", "/orders/{order}/", "orders:order", LOGIN, 200, 404, 200),
    Row("GET", "/orders/{order}/receipt/", "orders:receipt", LOGIN, 302, 404, 302,
        note="a redirect to a link that expires (ORDERS_RECEIPT_LINK_SECONDS)"),
    Row("GET", "/files/{receipt_token}", "signed-file", 200, 200, 200, 200,
        note="the signed link is the key: whoever holds it reads the receipt until it expires"),
    # -- API ------------------------------------------------------------------------------
    Row("GET", "/api/", "api-root", 200, 200, 200, 200),
    Row("GET", "/api/products/", "product-list", 200, 200, 200, 200),
    Row("POST", "/api/products/", "product-list", 401, 403, 403, 201,
        data={"sku": "AUDIT-1", "name": "Audit lamp", "slug": "audit-lamp", "category": "{category}",
              "price": "10.00"}),
    Row("GET", "/api/products/{product}/", "product-detail", 200, 200, 200, 200),
    Row("PATCH", "/api/products/{product}/", "product-detail", 401, 403, 403, 200, data={"price": "12.00"}),
    Row("DELETE", "/api/products/{product}/", "product-detail", 401, 403, 403, 204),
    Row("GET", "/api/products/{draft}/", "product-detail", 404, 404, 404, 404),
    Row("GET", "/api/products/by-slug/{slug}/", "product-by-slug", 200, 200, 200, 200),
    Row("GET", "/api/products/suggest/?q=lam", "product-suggest", 200, 200, 200, 200),
    Row("GET", "/api/products/{product}/reviews/", "product-review-list", 200, 200, 200, 200),
    Row("POST", "/api/products/{product}/reviews/", "product-review-list", 401, 409, 201, 201,
        data={"rating": 5, "text": "Great."}, note="owner: has reviewed it already"),
    Row("GET", "/api/products/{product}/reviews/{owner}/", "product-review-detail", 200, 200, 200, 200),
    Row("DELETE", "/api/products/{product}/reviews/{owner}/", "product-review-detail", 401, 204, 403, 204),
    Row("GET", "/api/categories/", "category-list", 200, 200, 200, 200),
    Row("GET", "/api/categories/{category_pk}/", "category-detail", 200, 200, 200, 200),
    Row("GET", "/api/me/", "api-me", 401, 200, 200, 200),
    Row("PATCH", "/api/me/", "api-me", 401, 200, 200, 200, data={"bio": "Hello."}),
    Row("POST", "/api/token/", "api-token", 400, 400, 400, 400, data={},
        note="a token is obtained with a username and password (401 for wrong ones)"),
    Row("GET", "/api/cart/", "orders-api:cart", 200, 200, 200, 200),
    Row("POST", "/api/cart/lines/", "orders-api:cart-lines", 201, 200, 201, 201,
        data={"product": "{product}", "quantity": 1}, note="200 when the product was in the cart already"),
    Row("PATCH", "/api/cart/lines/{product}/", "orders-api:cart-line", 404, 200, 404, 404, data={"quantity": 2}),
    Row("DELETE", "/api/cart/lines/{product}/", "orders-api:cart-line", 404, 200, 404, 404,
        note="answers with the cart as it is now"),
    Row("POST", "/api/cart/accept-prices/", "orders-api:cart-accept-prices", 200, 200, 200, 200),
    Row("GET", "/api/orders/", "orders-api:orders", 401, 200, 200, 200),
    Row("POST", "/api/orders/", "orders-api:orders", 401, 201, 400, 400, headers={"Idempotency-Key": "audit-key-0002"},
        note="another user's and staff's carts are empty here"),
    Row("GET", "/api/orders/{order}/", "orders-api:order", 401, 200, 404, 200),
    Row("GET", "/api/orders/{order}/receipt/", "orders-api:receipt", 401, 200, 404, 200),
    Row("GET", "/api/schema/", "api-schema", 200, 200, 200, 200),
    Row("GET", "/api/docs/", "api-docs", 200, 200, 200, 200),
    Row("GET", "/api-auth/login/", "rest_framework:login", 200, 200, 200, 200),
    Row("POST", "/api-auth/logout/", "rest_framework:logout", 302, 302, 302, 302),
    Row("POST", "/api/social/users/{owner}/follow/", "follow", 401, 400, 201, 201,
        note="owner: cannot follow themself"),
    Row("DELETE", "/api/social/users/{owner}/follow/", "follow", 401, 200, 200, 200,
        note="unfollowing someone one does not follow changes nothing"),
    Row("GET", "/api/social/users/{owner}/followers/", "followers", 200, 200, 200, 200),
    Row("GET", "/api/social/users/{owner}/following/", "following", 200, 200, 200, 200),
    Row("GET", "/api/social/users/{owner}/mutual/", "mutual", 200, 200, 200, 200,
        note="follows are public, as on the profile page"),
    Row("GET", "/api/social/bought-by-people-you-follow/", "bought-by-followed", 401, 200, 200, 200),
    Row("GET", "/api/social/people-you-may-know/", "people-you-may-know", 401, 200, 200, 200),
    Row("POST", "/api/social/products/{product}/like/", "like-product", 401, 201, 201, 201),
    Row("POST", "/api/social/posts/{post}/like/", "like-post", 401, 201, 201, 201),
    Row("GET", "/api/social/posts/?author={owner}", "posts", 200, 200, 200, 200),
    Row("POST", "/api/social/posts/", "posts", 401, 201, 201, 201, data={"text": "Hello."}),
    Row("GET", "/api/social/posts/{post}/", "post", 200, 200, 200, 200),
    Row("PATCH", "/api/social/posts/{post}/", "post", 401, 200, 403, 403, data={"text": "Edited."}),
    Row("DELETE", "/api/social/posts/{post}/", "post", 401, 204, 403, 403),
    Row("POST", "/api/social/posts/{post}/hide/", "hide-post", 401, 403, 403, 200),
    Row("GET", "/api/social/posts/{post}/comments/", "comments", 200, 200, 200, 200),
    Row("POST", "/api/social/posts/{post}/comments/", "comments", 401, 201, 201, 201, data={"text": "Yes."}),
    Row("GET", "/api/social/feed/", "feed", 401, 200, 200, 200),
    Row("GET", "/api/social/search/people/?q=ada", "search-people", 200, 200, 200, 200),
    Row("GET", "/api/social/search/posts/?q=hello", "search-posts", 200, 200, 200, 200),
    # -- operations -----------------------------------------------------------------------
    Row("GET", "/health/live", "live", 200, 200, 200, 200),
    Row("GET", "/health/ready", "ready", 200, 200, 200, 200,
        note="details (projections, stores) only for staff and the probes' networks"),
    Row("GET", "/admin/", "admin:index", LOGIN, LOGIN, LOGIN, 200),
    Row("GET", "/admin/catalog/product/", "admin:catalog_product_changelist", LOGIN, LOGIN, LOGIN, 200),
    Row("GET", "/admin/orders/order/", "admin:orders_order_changelist", LOGIN, LOGIN, LOGIN, 200),
    Row("GET", "/admin/orders/order/{order}/change/", "admin:orders_order_change", LOGIN, LOGIN, LOGIN, 200),
    Row("GET", "/admin/sync/delivery/", "admin:sync_delivery_changelist", LOGIN, LOGIN, LOGIN, 200),
    Row("GET", "/admin/sync/maintenancerun/data-map/", "admin:sync_data_map", LOGIN, LOGIN, LOGIN, 200),
    Row("GET", "/admin/sync/sagarun/", "admin:sync_sagarun_changelist", LOGIN, LOGIN, LOGIN, 200),
]

ROLES = ("anonymous", "owner", "other", "staff")
HEADINGS = ("anonymous", "owner", "another user", "staff")


def _cell(value):
    return "sign-in page" if value == LOGIN else str(value)


def markdown():
    lines = ["| method | path | " + " | ".join(HEADINGS) + " | note |", "|---|---|" + "---|" * (len(ROLES) + 1)]
    for row in ROWS:
        cells = " | ".join(_cell(row.cells()[role]) for role in ROLES)
        path = row.path.replace("|", "\\|")
        lines.append(f"| {row.method} | `{path}` | {cells} | {row.note} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
