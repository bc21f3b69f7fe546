"""Pacing sends: a thread-safe rate limiter, the size of a dispatch wave, retry backoff.

Pure apart from the limiter's clock and sleep, which are injectable (tests pass fakes).
"""

from __future__ import annotations

import random
import threading
import time as _time
from collections.abc import Callable
from datetime import timedelta

__all__ = ["RateLimiter", "wave_size", "backoff_delay", "WAVE_SECONDS"]

WAVE_SECONDS = 1.0  # a wave holds at most this long of sends at the rate limit


class RateLimiter:
    """At most ``rate`` calls a second: ``wait()`` sleeps until the next call may go.

    Safe to share between threads: each call takes the next free slot under a lock, then
    sleeps outside it. ``wait()`` returns its slot on ``clock``'s scale.
    """

    def __init__(self, rate: float, *, clock: Callable[[], float] = _time.monotonic,
                 sleep: Callable[[float], None] = _time.sleep):
        self.rate = rate
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = None
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def wait(self) -> float:
        with self._lock:
            now = self._clock()
            slot = now if self._next is None or self._next <= now else self._next
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)
        return slot


def wave_size(concurrency: int, rate: float) -> int:
    """Rows per wave: ``concurrency``, but no more than the rate limit lets go in WAVE_SECONDS."""
    return max(1, min(concurrency, int(rate * WAVE_SECONDS)))


def backoff_delay(attempts: int, base_seconds: float, rng: random.Random) -> timedelta:
    """Exponential backoff with "equal jitter": half the doubled delay fixed, half random."""
    delay = base_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay / 2 + rng.random() * delay / 2)
