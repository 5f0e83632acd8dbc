from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Models that exist only for the tests of the platform (apps.sync), never shipped."""

    name = "tests.testapp"
    label = "testapp"
