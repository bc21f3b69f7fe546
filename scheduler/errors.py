"""Errors of the scheduler.

SchedulerError
 +-- SimulationError    `mend simulate` cannot run as asked (bad arguments, a missing part)
"""

from __future__ import annotations

from mend.errors import MendError


class SchedulerError(MendError):
    """Base of the scheduler's errors; the message says what to do next."""


class SimulationError(SchedulerError):
    def __init__(self, problem: str, next_step: str = ""):
        self.problem = problem
        self.next_step = next_step
        super().__init__(f"simulate: {problem}" + (f" ({next_step})" if next_step else ""))
