"""Hot reload of the corpus in a running `mend serve`.

``snapshot(folder)`` is a pure-ish fingerprint of the corpus files (path -> mtime, size);
``CorpusWatcher`` polls it every few seconds in a daemon thread and calls ``on_change``
when it differs. ``Reloader`` asks the recommender to reload (``rec.reload(config)``, which
re-embeds only what changed and keeps the old corpus serving when the new one has
problems) and remembers the last outcome for the console and the logs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every corpus file under ``folder`` with its (mtime_ns, size); missing folder -> empty."""
    out: Snapshot = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".yaml", ".yml"):
            try:
                st = path.stat()
            except FileNotFoundError:  # removed while we looked
                continue
            out[str(path)] = (st.st_mtime_ns, st.st_size)
    return out


@dataclass(frozen=True)
class ReloadOutcome:
    at: datetime
    ok: bool
    summary: str  # one line for people: "84 items, 2 texts embedded, 0 added, 1 changed, 0 removed"
    problems: tuple[str, ...]  # "file:line: problem"
    trigger: str  # "watch" | "console" | "api"


def describe(result) -> tuple[bool, str, tuple[str, ...]]:
    """Read a recommender ``ReloadResult`` without depending on more than its documented fields."""
    problems = tuple(str(p) for p in (getattr(result, "problems", None) or getattr(result, "errors", None) or ()))
    ok = bool(getattr(result, "ok", not problems))
    parts = []
    for name in ("items", "embedded", "added", "changed", "removed"):
        value = getattr(result, name, None)
        if value is not None:
            n = value if isinstance(value, int) else len(value)
            parts.append(f"{n} {'texts embedded' if name == 'embedded' else name}")
    summary = ", ".join(parts) or ("reloaded" if ok else "rejected")
    if not ok:
        summary = f"rejected ({len(problems)} problem{'s' if len(problems) != 1 else ''}); the old corpus keeps serving"
    return ok, summary, problems


class Reloader:
    """Serialises reloads and keeps the last outcome. ``reload_fn()`` returns a ReloadResult."""

    def __init__(self, reload_fn: Callable[[], object], clock: Callable[[], datetime]):
        self._reload_fn = reload_fn
        self._clock = clock
        self._lock = threading.Lock()
        self.last: ReloadOutcome | None = None

    def reload(self, trigger: str) -> ReloadOutcome:
        with self._lock:
            try:
                ok, summary, problems = describe(self._reload_fn())
            except Exception as exc:  # noqa: BLE001 - a failed reload must never take the server down
                log.exception("corpus reload failed; the old corpus keeps serving")
                ok, summary, problems = False, "reload failed; the old corpus keeps serving", (str(exc),)
            self.last = ReloadOutcome(self._clock(), ok, summary, problems, trigger)
        if ok:
            log.info("corpus reload (%s): %s", trigger, summary)
        else:
            log.warning("corpus reload (%s): %s", trigger, summary)
            for p in problems:
                log.warning("  %s", p)
        return self.last


class CorpusWatcher:
    """Polls ``folder`` every ``interval`` seconds; calls ``on_change()`` after an edit settles."""

    def __init__(self, folder: Path, on_change: Callable[[], object], interval: float = 2.0):
        self.folder = folder
        self.on_change = on_change
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen = snapshot(folder)

    def poll(self) -> bool:
        """One check; True when the files changed (and ``on_change`` ran)."""
        current = snapshot(self.folder)
        if current == self._seen:
            return False
        self._seen = current
        self.on_change()
        return True

    def start(self) -> None:
        if self._thread is None:
            self._seen = snapshot(self.folder)
            self._thread = threading.Thread(target=self._run, name="mend-corpus-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - keep watching
                log.exception("corpus watcher: check failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 1)
            self._thread = None
