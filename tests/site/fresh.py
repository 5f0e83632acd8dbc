"""Settings as a fresh process sees them: a clean environment, nothing of this test run."""
import os
import subprocess
import sys
from pathlib import Path

from polyglot_site.settings.base import AZURE_REQUIRED_VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, script, **env):
    """Run ``script`` in a fresh interpreter whose environment holds only ``env`` of ours
    (and POLYGLOT_DATA_DIR=tmp_path unless tmp_path is None)."""
    clean = {k: v for k, v in os.environ.items() if k not in AZURE_REQUIRED_VARIABLES and not k.startswith("POLYGLOT_")}
    if tmp_path is not None:
        clean["POLYGLOT_DATA_DIR"] = str(tmp_path)
    clean.update(DJANGO_SETTINGS_MODULE="polyglot_site.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
