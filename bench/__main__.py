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

from bench import harness

USAGE = "usage: python -m bench NAME [options]   (e.g. python -m bench documents --help)"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or not re.fullmatch(r"[a-z][a-z0-9_]*", argv[0]):
        print(USAGE, file=sys.stderr)
        return 2
    name, args = argv[0], argv[1:]
    data_dir = tempfile.mkdtemp(prefix="polyglot-bench-")
    cleanup = stop_stand_ins = None
    try:
        os.environ["POLYGLOT_PROFILE"] = "embedded"
        os.environ["POLYGLOT_DATA_DIR"] = data_dir
        os.environ["DJANGO_SETTINGS_MODULE"] = "polyglot_site.settings"
        if importlib.util.find_spec(f"bench.{name}_env") is not None:
            environment = importlib.import_module(f"bench.{name}_env")
            stop_stand_ins = harness.start_stand_ins(getattr(environment, "STAND_INS", ()),
                                                     log=lambda line: print(line, file=sys.stderr))
            cleanup = environment.prepare_environment()
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
            result = {"machine": harness.machine(), "versions": harness.versions(),
                      "commit": harness.git_commit(), **module.run(args)}
    finally:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON object only
            if cleanup is not None:
                cleanup()
            if stop_stand_ins is not None:
                stop_stand_ins()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
