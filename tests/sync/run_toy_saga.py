"""python -m tests.sync.run_toy_saga KEY: start the toy saga (the environment may plan a crash)."""
import sys

import django

if __name__ == "__main__":
    django.setup()
    from apps.sync import sagas
    from tests.sync import toy_saga

    toy_saga.install()
    sagas.start(toy_saga.NAME, {"text": "from another process"}, key=sys.argv[1])
