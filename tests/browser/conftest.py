"""Browser tests: headless Chromium (Debian's) driven by Playwright against pytest-django's
live server, one browser for the whole package and a fresh tab (its own cookies) per test.

    def test_something(phone, shop):          # a shopper at 390 px
        phone.open("/")
        phone.follow(phone.page.get_by_role("link", name="Lamp 1"))

``phone`` and ``operator`` (1280 px) are ready tabs (harness.Tab); ``browse("phone")``
opens more when a test needs two people. A tab that met a script error, a refused
script, a failed stylesheet or picture, a page wider than the screen or a box pushed
out of its container fails its test (harness.Tab lists them).

Our own few fixtures rather than pytest-playwright: that plugin could take the executable
path (browser_type_launch_args), but it brings its own command-line options, artifact
folders and base-url plugin, while what we need is two viewports, a screenshot of every
page reached, and "skip here, fail under CI" when Chromium is missing.
"""
import importlib.util
import os
from pathlib import Path

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, VIEWPORTS, Tab, screenshot_folder
from tests.conftest import in_ci

if importlib.util.find_spec("playwright") is None and not in_ci():
    # The test modules import Playwright: without it (pip install -r requirements/dev.txt)
    # they are left out here; under CI their import error fails the run.
    collect_ignore_glob = ["test_*.py"]


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test (the browser marker), without a line in each module."""
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def _missing(reason):
    """Skip on a developer's machine, fail under CI: the browser tests are part of the run."""
    if in_ci():
        pytest.fail(f"{reason}; under CI=true the browser tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for every browser test.

    While Playwright's sync API is live its event loop is marked running in this
    thread, so Django refuses ORM calls from tests (SynchronousOnlyOperation); they
    are allowed for as long as the browser lives, and the package scope ends it
    before any other test package runs."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_EXECUTABLE)")
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def browse(chromium, live_server, request):
    """browse("phone") or browse("operator"): a new tab with cookies of its own on the live site."""
    shots = screenshot_folder(request.node.nodeid)
    contexts, tabs = [], []

    def open_tab(viewport="phone", label=None):
        context = chromium.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        label = label or viewport
        if any(tab.label == label for tab in tabs):  # two shoppers: phone, phone-2
            label = f"{label}-{len(tabs) + 1}"
        tab = Tab(context.new_page(), live_server.url, shots, label)
        tabs.append(tab)
        return tab

    yield open_tab
    problems = [f"{tab.label}: {problem}" for tab in tabs for problem in tab.problems]
    for context in contexts:
        context.close()
    if shots.exists():
        request.config.stash.setdefault(SCREENSHOTS, set()).add(shots)
    assert not problems, "the browser met problems:\n" + "\n".join(problems)


@pytest.fixture
def phone(browse):
    """A shopper's phone: 390 CSS pixels wide."""
    return browse("phone")


@pytest.fixture
def operator(browse):
    """An operator's screen: 1280 CSS pixels wide."""
    return browse("operator")


SCREENSHOTS = pytest.StashKey[set]()


def pytest_terminal_summary(terminalreporter, config):
    folders = config.stash.get(SCREENSHOTS, set())
    if folders:
        terminalreporter.write_line(f"browser screenshots of {len(folders)} test(s): {ARTIFACTS}")
