"""Errors raised by the safety package.

MendError (mend.errors)
 +-- SafetyError              base of the safety package's errors
      +-- LabelledDataError   a record in safety/data/labelled.jsonl is malformed
      +-- ArtifactError       the trained classifier artifact is missing, unreadable or stale

``Screener.screen`` never raises any of these: a failure inside screening becomes a
fail-safe crisis verdict. They surface when loading data or the artifact, at start-up.
"""

from __future__ import annotations

from mend.errors import MendError


class SafetyError(MendError):
    """Base of the safety package's errors; the message says what to do next."""


class LabelledDataError(SafetyError):
    def __init__(self, path, line: int, problem: str):
        self.path = path
        self.line = line
        self.problem = problem
        super().__init__(f"{path}:{line}: {problem}")


class ArtifactError(SafetyError):
    def __init__(self, path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"safety classifier at {path}: {problem}; rebuild it with `mend safety train`")
