"""scheduler.pacing: the rate limiter, the wave size and retry backoff."""

import random

from scheduler.pacing import RateLimiter, backoff_delay, wave_size


def test_rate_limiter_spaces_sends():
    clock = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        clock[0] += s

    lim = RateLimiter(4, clock=lambda: clock[0], sleep=sleep)
    for _ in range(5):
        lim.wait()
    assert slept == [0.25] * 4
    delays = [backoff_delay(n, 30, random.Random(n)).total_seconds() for n in (1, 2, 3)]
    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120


def test_rate_limiter_shared_by_threads_hands_out_each_slot_once():
    from concurrent.futures import ThreadPoolExecutor

    limiter = RateLimiter(10, clock=lambda: 0.0, sleep=lambda _s: None)
    with ThreadPoolExecutor(8) as pool:
        slots = [s for taken in pool.map(lambda _: [limiter.wait() for _ in range(25)], range(8)) for s in taken]
    assert sorted(round(s, 6) for s in slots) == [round(k * 0.1, 6) for k in range(200)]


def test_wave_size_follows_concurrency_and_the_rate_limit():
    assert wave_size(8, 1e9) == 8
    assert wave_size(8, 3.0) == 3  # at most about a second of sends in a wave
    assert wave_size(8, 0.5) == 1 and wave_size(1, 100) == 1
