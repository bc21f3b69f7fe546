"""Errors shared across Mend.

MendError
 +-- ConfigError        a config key is unknown or its value is bad
 +-- ModelError         the embedding model is missing or fails verification
"""

from __future__ import annotations


class MendError(Exception):
    """Base of Mend's own errors; the message says what to do next."""


class ConfigError(MendError):
    def __init__(self, key: str, expected: str, got=None):
        self.key = key
        self.expected = expected
        self.got = got
        msg = f"config: {key}: {expected}"
        if got is not None:
            msg += f" (got {got!r})"
        super().__init__(msg)


class ModelError(MendError):
    def __init__(self, path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"embedding model at {path}: {problem}")
