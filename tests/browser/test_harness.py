"""The harness itself: what a tab notices (so a broken page fails the test that met it)
and where its screenshots go."""
import os
import subprocess
import sys

from tests.browser.harness import ARTIFACTS, ROOT


def test_a_script_error_a_refused_inline_script_and_a_missing_stylesheet_are_noticed(phone):
    phone.open("/")

    phone.page.evaluate("setTimeout(() => { throw new Error('boom') })")
    phone.page.evaluate("""document.body.append(Object.assign(document.createElement('script'), {textContent: '1'}))""")
    with phone.page.expect_response(lambda response: response.url.endswith("/static/css/missing.css")):
        phone.page.evaluate("""document.head.append(Object.assign(document.createElement('link'),
                               {rel: 'stylesheet', href: '/static/css/missing.css'}))""")
    phone.page.wait_for_timeout(100)

    problems = "\n".join(phone.problems)
    assert "script error: boom" in problems
    assert "Content Security Policy" in problems, "inline scripts are refused: a script must be a static file"
    assert "404 for stylesheet" in problems and "missing.css" in problems
    phone.problems.clear()  # seen on purpose: the fixture would fail the test on them


def test_a_button_pushed_out_of_its_box_or_the_screen_is_noticed(phone):
    phone.open("/no-such-page/", status=404)
    assert phone.sticking_out() == [] and phone.problems == []

    phone.page.evaluate("document.querySelector('main .search input').style.minWidth = '420px'")
    phone._check_layout()

    assert "button" in phone.sticking_out()
    assert any("px wide on a 390 px screen" in problem for problem in phone.problems)
    phone.problems.clear()


def test_each_page_visited_leaves_a_numbered_full_page_screenshot(browse):
    shopper, operator = browse("phone"), browse("operator")

    first = shopper.open("/?q=lamp") and shopper.snap("again")
    second = operator.open("/no-such-page/", status=404) and operator.snap()

    assert first.parent == ARTIFACTS / "test_harness" / "test_each_page_visited_leaves_a_numbered_full_page_screenshot"
    assert first.name == "02-phone-q-lamp-again.png" and first.stat().st_size > 0
    assert second.name == "02-operator-no-such-page.png"
    assert sorted(p.name for p in first.parent.iterdir()) == [
        "01-operator-no-such-page.png", "01-phone-q-lamp.png", "02-operator-no-such-page.png", "02-phone-q-lamp-again.png"]


def test_under_ci_a_missing_chromium_fails_the_run_instead_of_skipping(tmp_path):
    env = dict(os.environ, CI="true", CHROMIUM_EXECUTABLE=str(tmp_path / "no-chromium"), POLYGLOT_PROFILE="embedded")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "not services",
         f"{__file__}::test_each_page_visited_leaves_a_numbered_full_page_screenshot"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )

    assert run.returncode == 1, run.stdout
    assert "under CI=true the browser tests must run" in run.stdout
    assert "1 error" in run.stdout and "skipped" not in run.stdout
