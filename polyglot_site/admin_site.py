"""The operators' admin, branded as the shop's: its name, its colours, and lists with room
to breathe at 1280 px."""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ShopAdminSite(admin.AdminSite):
    # The operators' pages name the shop, not the framework.
    site_header = site_title = "Polyglot Shop operations"
    index_title = "Run the shop"
    # The navigation sidebar takes 300 px of a 1280 px screen from every list; the
    # breadcrumbs and the index page already lead everywhere.
    enable_nav_sidebar = False


class ShopAdminConfig(AdminConfig):
    """Installed in place of django.contrib.admin, so admin.site is the ShopAdminSite."""

    default_site = "polyglot_site.admin_site.ShopAdminSite"
