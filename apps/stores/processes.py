"""Clients and connections belong to the process that built them; a forked child builds its own.

One hook, registered once with ``os.register_at_fork``, runs in every forked
child before the child does anything else, and asks each live store object
(every backend, and the handler) to forget what it inherited: the backend
attributes ``StoreBackend.per_process`` names, built again on first use, and
the locks, which a parent thread may have held at the fork. The inherited
objects are set aside, neither closed nor left to the garbage collector:
closing or finalizing them would act on sockets, SQLite files and threads
that are still the parent's.
"""
import os
import weakref

_live = weakref.WeakSet()
# What children forgot: kept reachable so that no finalizer runs on it in the child.
_inherited = []


def forget_after_fork(holder):
    """Have ``holder.after_fork_in_child()`` run in every child forked while ``holder`` lives."""
    _live.add(holder)
    return holder


def _forget_in_child():
    for holder in list(_live):
        forgotten = holder.after_fork_in_child()
        if forgotten:
            _inherited.append(forgotten)


os.register_at_fork(after_in_child=_forget_in_child)
