"""`make run` sets up and serves the demo shop on the port it is given."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


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
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
