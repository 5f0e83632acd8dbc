"""What the README, the Makefile and the Dockerfile tell people to run keeps its promises."""
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = re.compile(r"celery -A polyglot_site worker\b[^\n]*")


def documented_worker_commands():
    commands = {}
    for name in ("README.md", "Dockerfile"):
        commands[name] = WORKER.findall((ROOT / name).read_text())
    make = subprocess.run(["make", "-n", "worker"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    commands["make worker"] = [line for line in make.splitlines() if "celery" in line and " worker" in line]
    return commands


def test_every_documented_way_to_run_a_worker_runs_beat_too():
    commands = documented_worker_commands()

    assert all(commands.values()), f"each names a worker command: {commands}"
    without_beat = [(where, c) for where, found in commands.items() for c in found if "--beat" not in c]
    assert without_beat == [], "the sweeper (beat) is the safety net of the relay's own retries"


# Each package of the lock file whose `engines.node` range leaves out the README's Node major.
ENGINES_OUTSIDE = (
    "const semver = require('semver'); const major = process.argv[1]; const outside = [];"
    "for (const [name, pkg] of Object.entries(require('./package-lock.json').packages)) {"
    "  const range = (pkg.engines || {}).node;"
    "  if (range && !semver.intersects(range, '^' + major)) outside.push(`${name} ${range}`); }"
    "console.log(JSON.stringify(outside));"
)


def test_every_pinned_node_package_runs_on_the_node_the_readme_names():
    major = re.search(r"Python 3\.11, Node (\d+)", (ROOT / "README.md").read_text()).group(1)

    found = subprocess.run(["node", "-e", ENGINES_OUTSIDE, major], cwd=ROOT, capture_output=True, text=True, check=True)

    assert json.loads(found.stdout) == [], f"npm ci would warn EBADENGINE on Node {major}"


def test_the_readmes_benchmark_table_is_the_one_make_bench_printed():
    import json

    from bench.report import BENCHES, END, START

    table = (ROOT / "bench" / "results.md").read_text()
    readme = (ROOT / "README.md").read_text()
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip("\n")
    results = json.loads((ROOT / "bench" / "results.json").read_text())

    assert shown == table.strip("\n")
    assert sorted(results) == sorted(BENCHES), "every bench ran"
    assert all(result["commit"] in table for result in results.values())
