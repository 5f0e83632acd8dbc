"""`make run` sets up and serves the demo shop on the port it is given."""
import os
import subprocess
import time

import pytest

from tests.site.fresh import ROOT, fetch, free_port, stop_process_group

pytestmark = pytest.mark.slow


def test_make_run_serves_the_demo_shop_with_search(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLYGLOT_", "DJANGO_"))}
    env.update(PORT=str(port), POLYGLOT_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                status, page = fetch(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("make run did not serve:\n" + server.stdout.read()[-4000:])
                time.sleep(0.5)
        assert status == 200
        assert "Brass desk lamp" in page

        status, results = fetch(f"http://127.0.0.1:{port}/?q=lamp")
        assert status == 200
        assert "Brass desk lamp" in results and "Stoneware mug set" not in results
    finally:
        stop_process_group(server, timeout=15)
