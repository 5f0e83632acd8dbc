"""Commands sent together on the connection a thread keeps (the throttle's round trip):
replies in order, a refused command answered with its error, a connection Redis dropped
replaced without the caller noticing, one connection per thread (closed when the thread
ends) and per forked process."""
import gc
import multiprocessing
import threading

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import ResponseError

from polyglot_site.redis_round_trip import round_trip

pytestmark = pytest.mark.services

KEY = "round-trip-test"


@pytest.fixture
def redis(local_services):
    client = get_redis_connection("default")
    key = cache.make_key(KEY)
    client.delete(key)
    yield client
    client.delete(key)


def connection_id(redis):
    return round_trip(redis, [("CLIENT", "ID")])[0]


def test_the_replies_come_in_order_and_a_refused_command_does_not_stop_the_others(redis):
    key = cache.make_key(KEY)

    replies = round_trip(redis, [("SET", key, "not a number"), ("INCR", key), ("GET", key), ("APPEND", key, "!")])

    assert replies[0] == b"OK" and replies[2] == b"not a number" and replies[3] == 13
    assert isinstance(replies[1], ResponseError)
    assert round_trip(redis, [("GET", key)]) == [b"not a number!"], "the connection is still in step"


def test_a_thread_keeps_its_connection_and_another_thread_has_its_own(redis):
    mine = connection_id(redis)
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(connection_id(redis)))
    thread.start()
    thread.join()

    assert connection_id(redis) == mine
    assert theirs and theirs[0] != mine


def test_a_thread_that_ends_closes_its_connection(redis):
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(connection_id(redis)))
    thread.start()
    thread.join()
    gc.collect()

    assert theirs and str(theirs[0]) not in {client["id"] for client in redis.client_list()}


def test_a_connection_redis_dropped_is_replaced_and_the_commands_answered(redis):
    dropped = connection_id(redis)
    redis.client_kill_filter(_id=dropped)

    replies = round_trip(redis, [("INCR", cache.make_key(KEY)), ("CLIENT", "ID")])

    assert replies[0] == 1 and replies[1] != dropped


def _child_connection(redis, answers):
    answers.put(connection_id(redis))


def test_a_forked_child_uses_a_connection_of_its_own_and_the_parent_keeps_its(redis):
    parent = connection_id(redis)
    answers = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_child_connection, args=(redis, answers))
    child.start()
    child_id = answers.get(timeout=30)
    child.join(timeout=30)

    assert child.exitcode == 0 and child_id != parent
    assert connection_id(redis) == parent
