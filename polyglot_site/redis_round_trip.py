"""A few Redis commands sent together on a connection each thread keeps: one round trip.

redis-py's pipeline takes a connection from the pool and gives it back, checks it for
stray data and records metrics, for every use: on a request that does nothing else
with Redis that costs about as much CPU as the request's own work in Django (the
throttle's count on a cached API read, polyglot_site/throttling.py). Here each thread
opens one connection like the pool's and keeps it; each call packs the
commands, sends them and reads their raw replies (no response callbacks: ``SET``
answers ``b"OK"``). A connection that fails is closed and the commands are sent
again on a new one (which may count an INCR twice: fine for a throttle). A forked
child takes a connection of its own.
"""
import threading

from redis.exceptions import ConnectionError, ResponseError, TimeoutError

from apps.stores.processes import forget_after_fork


class _HeldConnections(threading.local):
    connection = None
    pool = None

    def after_fork_in_child(self):
        # The parent's socket is not ours: set it aside (never closed here); take a new one.
        inherited, self.connection, self.pool = self.connection, None, None
        return inherited


_held = forget_after_fork(_HeldConnections())


def _connection_of(redis):
    pool = redis.connection_pool
    if _held.pool is not pool:
        # The pool's kind of connection with its settings, owned by this thread alone: not
        # lent by the pool, so a thread that ends takes its connection (closed) with it.
        _held.connection, _held.pool = pool.connection_class(**pool.connection_kwargs), pool
    return _held.connection


def round_trip(redis, commands):
    """The replies of ``commands`` (tuples of a command's words) sent together to ``redis``
    (a redis-py client); a command that Redis refused gives its ResponseError, not a raise."""
    connection = _connection_of(redis)
    packed = connection.pack_commands(commands)

    def send_and_read():
        try:
            connection.send_packed_command(packed, check_health=False)
            replies = []
            for _ in commands:
                try:
                    replies.append(connection.read_response())
                except ResponseError as refused:
                    replies.append(refused)
            return replies
        except BaseException:
            connection.disconnect()  # unread replies would answer the next call: start afresh
            raise

    try:
        return send_and_read()
    except (ConnectionError, TimeoutError):
        # Redis may have closed the kept connection since its last use (a restart, an idle
        # timeout), which the pool would have checked before lending it: once more on a new
        # connection, then as often as the client's own retry policy says.
        return connection.retry.call_with_retry(send_and_read, lambda _error: None)
