"""``python -m bench NAME [options]``: run ``bench.NAME`` and print one JSON object.

Django is set up with the embedded settings on a temporary POLYGLOT_DATA_DIR,
removed afterwards, so a benchmark never touches ./var. A benchmark that
needs other settings ships ``bench/NAME_env.py`` with ``prepare_environment()``,
called before Django is set up: it sets environment variables and returns a
cleanup callable. Anything a benchmark prints goes to stderr with its progress;
stdout carries only the result.
"""
import contextlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile

USAGE = "usage: python -m bench NAME [options]   (e.g. python -m bench documents --help)"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or not re.fullmatch(r"[a-z][a-z0-9_]*", argv[0]):
        print(USAGE, file=sys.stderr)
        return 2
    name, args = argv[0], argv[1:]
    data_dir = tempfile.mkdtemp(prefix="polyglot-bench-")
    cleanup = None
    try:
        os.environ["POLYGLOT_PROFILE"] = "embedded"
        os.environ["POLYGLOT_DATA_DIR"] = data_dir
        os.environ["DJANGO_SETTINGS_MODULE"] = "polyglot_site.settings"
        if importlib.util.find_spec(f"bench.{name}_env") is not None:
            cleanup = importlib.import_module(f"bench.{name}_env").prepare_environment()
        import django

        django.setup()
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"bench.{name}":
                raise
            print(f"No benchmark {name!r} (no module bench/{name}.py).", file=sys.stderr)
            return 2
        with contextlib.redirect_stdout(sys.stderr):
            result = module.run(args)
    finally:
        if cleanup is not None:
            cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
