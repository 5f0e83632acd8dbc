"""Real processes for the fault tests: Celery workers on the test database, and polling."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def services_env(**overrides):
    """The environment of a process of the site (a worker, a client) on this test run's database
    and stores: the services profile with the test database, and ``overrides`` as strings."""
    from django.db import connection

    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="polyglot_site.settings",
        POLYGLOT_PROFILE="services",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class WorkerProcess:
    """A real Celery worker (and, with beat=True, the periodic sweeper) on the test database."""

    def __init__(self, env, beat, tmp_path):
        # A node name of its own, so a worker left by another run on this machine cannot collide.
        command = [sys.executable, "-m", "celery", "-A", "polyglot_site", "worker", "--pool=prefork", "--concurrency=1",
                   "-n", f"test-{os.getpid()}-{id(self)}@%h",
                   "--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / f"beat-{id(self)}")]
        self.log_path = tmp_path / f"worker-{id(self)}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self):
        """kill -9: no shutdown, no acknowledgement of the task in hand."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self):
        return self.log_path.read_text()[-5000:]


def eventually(check, timeout=60.0, interval=0.2, message=None):
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {message or check.__doc__ or check}")
        time.sleep(interval)
