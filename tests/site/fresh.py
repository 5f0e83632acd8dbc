"""The site in fresh processes: settings as a new process sees them, and `make run` servers."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from polyglot_site.settings.base import AZURE_REQUIRED_VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, script, **env):
    """Run ``script`` in a fresh interpreter whose environment holds only ``env`` of ours
    (and POLYGLOT_DATA_DIR=tmp_path unless tmp_path is None)."""
    clean = {k: v for k, v in os.environ.items() if k not in AZURE_REQUIRED_VARIABLES and not k.startswith("POLYGLOT_")}
    if tmp_path is not None:
        clean["POLYGLOT_DATA_DIR"] = str(tmp_path)
    clean.update({"DJANGO_SETTINGS_MODULE": "polyglot_site.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def stop_process_group(process, timeout=30):
    """SIGTERM to the process and everything it started (its own session); SIGKILL what is left
    after ``timeout`` seconds. True when the whole group ended by itself."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, or its zombie would count as left
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    return False
