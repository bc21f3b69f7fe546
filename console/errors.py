"""Errors of the operator console and the operator CLI.

ConsoleError
 +-- NotFound            no row with that id (or phone number)
 |     .what, .key
 +-- AlreadyResolved     the safety event was resolved before
 |     .event_id
 +-- BadInput            an operator's input cannot be used (e.g. an empty note)
       .field, .problem
"""

from __future__ import annotations

from mend.errors import MendError


class ConsoleError(MendError):
    """Base of the console's errors; the message says what to do next."""


class NotFound(ConsoleError):
    def __init__(self, what: str, key: object, hint: str = ""):
        self.what = what
        self.key = key
        msg = f"no {what} {key!s}"
        super().__init__(msg + (f"; {hint}" if hint else ""))


class AlreadyResolved(ConsoleError):
    def __init__(self, event_id: int):
        self.event_id = event_id
        super().__init__(f"safety event {event_id} is already resolved; see open ones with `mend safety queue`")


class BadInput(ConsoleError):
    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

