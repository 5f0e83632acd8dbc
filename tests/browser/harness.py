"""What a browser test holds: a tab of a person on the live site, at a phone's or an
operator's width, that photographs every page it reaches and notices what broke
on the way (a script error, a refused inline script, a stylesheet or picture that failed).

Debian's Chromium, not a browser Playwright downloads (it cannot download one here).
"""
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
# Screenshots of every page the tests visit: one folder per test (git-ignored).
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or ROOT / "test-artifacts") / "browser"

PHONE = {"width": 390, "height": 844}
OPERATOR = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "operator": OPERATOR}


def slug(text, limit=60):
    """A file name's part from an address or a test name: letters, digits, _ and -."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-")[:limit].strip("-") or "root"


@dataclass
class Tab:
    """One person's browser tab on the live site.

    ``open(path)`` and ``follow(locator)`` check the status of the page they reach and
    save a full-page screenshot of it, so a test reads as the steps a person takes.
    """

    page: object
    base_url: str
    shots: Path
    label: str
    problems: list = field(default_factory=list)
    _count: int = 0

    def __post_init__(self):
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message):
        # A failed resource is reported once, by _response, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")

    def _response(self, response):
        if response.request.resource_type != "document" and response.status >= 400:
            self.problems.append(f"{response.status} for {response.request.resource_type} {response.url}")

    @property
    def path(self):
        """The current address without the host: path and query string."""
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def open(self, path, status=200):
        """Type an address of the site into the address bar."""
        response = self.page.goto(self.base_url + path)
        return self._arrived(response, status)

    def follow(self, locator, status=200):
        """Click a link or a submit button and wait for the page it leads to."""
        with self.page.expect_navigation() as navigation:
            locator.click()
        return self._arrived(navigation.value, status)

    def arrive(self, action, status=200):
        """Do what leads to another page without a click (a key pressed, a script's submit) and
        wait for that page, checked and photographed as follow() does."""
        with self.page.expect_navigation() as navigation:
            action()
        return self._arrived(navigation.value, status)

    def _arrived(self, response, status):
        assert response is not None, f"no page at {self.page.url}"
        assert response.status == status, f"{self.page.url} answered {response.status}, not {status}"
        self.snap()
        self._check_layout()
        return response

    def _check_layout(self):
        """Every page reached is laid out within the screen's width, and the shop's own pages
        within their boxes (the admin's tables and sidebar overlap by design: Django's CSS)."""
        width, screen = self.page_width(), self.page.viewport_size["width"]
        if width > screen:
            self.problems.append(f"{self.path} is {width} px wide on a {screen} px screen")
        if self.path.startswith("/admin/"):
            return
        if out := self.sticking_out():
            self.problems.append(f"{self.path}: {', '.join(out)} stick out of their boxes")

    def snap(self, note=""):
        """A full-page screenshot of what the tab shows now (numbered in visiting order)."""
        self._count += 1
        name = f"{self._count:02d}-{self.label}-{slug(self.path)}{'-' + slug(note) if note else ''}.png"
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / name), full_page=True)
        return self.shots / name

    def page_width(self):
        """How wide the page is laid out, in CSS pixels: wider than the viewport means a sideways scroll."""
        return self.page.evaluate("document.scrollingElement.scrollWidth")

    def sticking_out(self):
        """Elements that reach past the right edge of the element holding them (a button pushed
        out of its panel, say): laid out wrong even where the page does not scroll sideways."""
        return self.page.evaluate("""() => [...document.body.querySelectorAll('*')].filter(element => {
            const parent = element.parentElement, box = element.getBoundingClientRect();
            if (!parent || box.width === 0 || getComputedStyle(element).position === 'absolute') return false;
            return box.right > parent.getBoundingClientRect().right + 1;
        }).map(element => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
                          + (element.className ? '.' + element.className : ''))""")

    def sign_in_as(self, user):
        """Give the tab a signed-in session for ``user`` without walking the sign-in form
        (flows that are not about signing in start here)."""
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])


def screenshot_folder(nodeid):
    """A clean folder for one test's screenshots:
    tests/browser/test_x.py::test_y[a] -> <artifacts>/test_x/test_y-a."""
    module, _, name = nodeid.rpartition("::")
    folder = ARTIFACTS / Path(module).stem / slug(name, limit=120)
    shutil.rmtree(folder, ignore_errors=True)
    return folder
