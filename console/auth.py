"""Who may use the console: the admin token, as a Bearer header or a signed session cookie.

- No token configured (``MEND_ADMIN_TOKEN`` unset): the console is off; every ``/admin``
  path answers 404. Never open.
- ``Authorization: Bearer TOKEN`` is compared in constant time (``hmac.compare_digest``).
- The login form posts the token once; the answer sets a session cookie signed with a key
  derived from the token (itsdangerous, timestamped, expires), HttpOnly, SameSite=Strict,
  and Secure when the request came over https or the public URL is https. Changing the
  token invalidates every session.
- Each session carries a random CSRF token; every POST form made from the cookie must send
  it back. Bearer requests need none (a browser never adds that header on its own).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "mend_console"
BEARER = "bearer"
SESSION = "session"


@dataclass(frozen=True)
class Operator:
    """An authenticated request: how it proved itself, and the CSRF token of its session."""

    via: str  # BEARER | SESSION
    csrf: str


class ConsoleAuth:
    def __init__(self, token: str, *, max_age_seconds: int = 12 * 3600, secure_cookies: bool = False):
        if not token:
            raise ValueError("ConsoleAuth needs a token; with none the console is off")
        self._token = token.encode("utf-8")
        key = hmac.new(self._token, b"mend-console-session-v1", hashlib.sha256).digest()
        self._serializer = URLSafeTimedSerializer(key, salt="mend-console")
        self.max_age = max_age_seconds
        self.secure_cookies = secure_cookies

    def token_ok(self, candidate: str | None) -> bool:
        if not candidate:
            return False
        return hmac.compare_digest(candidate.strip().encode("utf-8"), self._token)

    def bearer_ok(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(value)

    def new_session(self) -> tuple[str, str]:
        """A fresh (cookie value, csrf token)."""
        csrf = secrets.token_urlsafe(24)
        return self._serializer.dumps({"csrf": csrf}), csrf

    def session_csrf(self, cookie: str | None) -> str | None:
        """The CSRF token of a valid, unexpired session cookie, else None."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        csrf = data.get("csrf") if isinstance(data, dict) else None
        return csrf if isinstance(csrf, str) and csrf else None

    def identify(self, authorization: str | None, cookie: str | None) -> Operator | None:
        if self.bearer_ok(authorization):
            return Operator(BEARER, "")
        csrf = self.session_csrf(cookie)
        return Operator(SESSION, csrf) if csrf else None

    @staticmethod
    def csrf_ok(operator: Operator, submitted: str | None) -> bool:
        if operator.via == BEARER:
            return True
        return bool(submitted) and hmac.compare_digest(submitted.encode("utf-8"), operator.csrf.encode("utf-8"))


def ensure_admin_token(config):
    """``(config, token, generated)``: the configured admin token, or a fresh one for this run.

    `mend serve` on embedded defaults has no MEND_ADMIN_TOKEN; it gets a random token per
    start (printed once to the operator's terminal, never logged), so the console is never open.
    """
    import dataclasses

    if config.secrets.admin_token:
        return config, config.secrets.admin_token, False
    token = secrets.token_urlsafe(24)
    return dataclasses.replace(config, secrets=dataclasses.replace(config.secrets, admin_token=token)), token, True


def console_banner(config, host: str, port: int) -> tuple[object, str]:
    """``(config with a token, the line to print)`` for `mend serve`."""
    config, token, generated = ensure_admin_token(config)
    shown = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    url = f"http://{shown}:{port}/admin"
    if generated:
        return config, f"Console: {url}  token: {token}  (new each start; set MEND_ADMIN_TOKEN to keep one)"
    return config, f"Console: {url}  (token: MEND_ADMIN_TOKEN)"


class LoginThrottle:
    """At most ``limit`` failed logins per client in ``window_seconds``; time is passed in."""

    def __init__(self, limit: int = 10, window_seconds: float = 300.0):
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, list[float]] = {}

    def _recent(self, client: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(client, ()) if now - t < self.window]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)
        return recent

    def blocked(self, client: str, now: float) -> bool:
        return len(self._recent(client, now)) >= self.limit

    def failed(self, client: str, now: float) -> None:
        self._failures.setdefault(client, []).append(now)
        if len(self._failures) > 10_000:  # bound memory under a spray of addresses
            for key in list(self._failures)[:5_000]:
                del self._failures[key]
