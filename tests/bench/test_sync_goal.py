"""The sync bench's latency goal is a latency at a rate, and its spread reads like its figures."""
from bench.harness import spread
from bench.sync import latency_goal


def runs(*pairs):
    return [{"p99_ms": p99, "achieved_rate_per_s": rate} for p99, rate in pairs]


def test_the_latency_goal_needs_every_run_under_it_at_the_rate():
    assert latency_goal(runs((200.0, 199.0), (230.0, 200.0), (210.0, 196.0)), 200)[2:] == (True, True)
    assert latency_goal(runs((200.0, 199.0), (251.0, 200.0), (210.0, 196.0)), 200)[3] is False


def test_a_run_whose_producer_fell_short_of_the_rate_fails_the_goal_however_fast():
    p99, achieved, at_rate, met = latency_goal(runs((120.0, 150.0), (130.0, 200.0), (125.0, 200.0)), 200)

    assert (at_rate, met) == (False, False)
    assert (p99["max"], achieved["min"]) == (130.0, 150.0)


def test_the_median_of_an_even_count_of_runs_is_rounded_like_the_figures():
    assert spread([110.1, 110.3])["median"] == 110.2
    assert spread([3, 4, 5])["median"] == 4
