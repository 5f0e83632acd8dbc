"""Settings for the test run: the chosen profile, with its files in a fresh temporary folder.

The folder is set before the profile is read, so a test never touches the
developer's own var/ data.
"""
import atexit
import os
import shutil
import tempfile

if "POLYGLOT_DATA_DIR" not in os.environ:
    _data_dir = tempfile.mkdtemp(prefix="polyglot-tests-")
    os.environ["POLYGLOT_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)

from polyglot_site.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
