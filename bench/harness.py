"""What every benchmark's JSON carries besides its figures: the machine, the versions,
the commit, and the spread of a figure over repeated runs. Also starts the local
stand-ins a benchmark needs, by pid, as `make test` does."""
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("Django", "djangorestframework", "celery", "tantivy", "azure-cosmos", "psycopg", "redis")
STAND_INS = {
    "azurite": (10000, ["node", "node_modules/azurite/dist/src/blob/main.js", "--blobHost", "127.0.0.1",
                        "--blobPort", "10000", "--inMemoryPersistence", "--skipApiVersionCheck",
                        "--disableTelemetry", "--silent"]),
    "cosmosdb-server": (8081, ["node", "scripts/cosmosdb-server.js", "--port", "8081"]),
}


def machine():
    """Cores, memory and load average when the run started."""
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "platform": platform.platform(),
    }


def versions():
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def git_commit():
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    # make bench rewrites its results (and the README's table) between benches: those alone
    # do not make the code measured differ from the commit.
    written_by_the_report = [":!bench/results.json", ":!bench/results.md", ":!README.md"]
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *written_by_the_report],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return (result.stdout.strip() or "unknown") + ("-dirty" if dirty else "")


def progress(bench, message):
    """A progress line on stderr (stdout carries the JSON object only)."""
    print(f"[bench {bench} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def require_positive(parser, options, counts=(), durations=()):
    """Refuse (as argparse does) a count below 1 or a duration of 0 or less among the options."""
    for name in counts:
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in durations:
        if getattr(options, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be above 0")
    return options


def spread(values):
    """min, median and max of a figure over repeated runs."""
    values = sorted(values)
    median = statistics.median(values)  # of an even count, a mean of two: rounded like the figures
    return {"runs": len(values), "min": values[0], "median": round(median, 4) if isinstance(median, float) else median,
            "max": values[-1]}


def stop_process_group(process):
    """Stop a server started in a session of its own (a worker, gunicorn) and its children,
    whatever they were doing: SIGTERM, then SIGKILL after 30 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def start_stand_ins(names, log=print):
    """Start the named stand-ins that do not answer yet; returns a function that stops those it started."""
    started = []
    for name in names:
        port, command = STAND_INS[name]
        if port_open(port):
            continue
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        deadline = time.monotonic() + 20
        while not port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start on 127.0.0.1:{port} (is `npm ci` done?)")
            time.sleep(0.1)
        log(f"started {name} on 127.0.0.1:{port} (pid {process.pid})")

    def stop():
        for process in started:
            process.terminate()
            process.wait(timeout=10)

    return stop
