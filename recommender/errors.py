"""Errors raised by the recommender.

MendError (mend.errors)
 +-- RecommenderError      base of the recommender's errors
      +-- CorpusError      the corpus has problems (each one a ``file:line: problem``)
      +-- EvalSetError     the labelled eval set cannot be read or is malformed
      +-- FilterError      an unknown kind, track or time of day was asked for
"""

from __future__ import annotations

from collections.abc import Sequence

from mend.errors import MendError


class RecommenderError(MendError):
    """Base of the recommender's errors."""


class CorpusError(RecommenderError):
    def __init__(self, problems: Sequence[object]):
        self.problems = tuple(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(
            f"the content corpus has {len(self.problems)} problem(s):\n{lines}\n"
            "fix them and run `mend corpus check`"
        )


class EvalSetError(RecommenderError):
    def __init__(self, path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class FilterError(RecommenderError):
    def __init__(self, name: str, value: object, known: Sequence[str]):
        self.name = name
        self.value = value
        self.known = tuple(known)
        super().__init__(f"unknown {name} {value!r} (known: {', '.join(self.known)})")
