"""Encryption at rest for journal text (Fernet, from ``cryptography``).

The key comes from ``MEND_ENCRYPTION_KEY``. Without one, a development key is
generated once into ``data/dev-encryption.key`` with a warning: fine on a laptop,
never in production.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)


class Cipher:
    def __init__(self, key: str | bytes):
        self._fernet = Fernet(key)

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong MEND_ENCRYPTION_KEY for this database") from exc


def load_cipher(key: str | None, data_dir: Path) -> Cipher:
    """The cipher for ``key``, or for a development key kept in ``data_dir``."""
    if key:
        try:
            return Cipher(key)
        except ValueError as exc:
            raise ValueError(
                "MEND_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from exc
    path = Path(data_dir) / "dev-encryption.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
        log.warning("MEND_ENCRYPTION_KEY not set: generated a development key at %s", path)
    else:
        log.warning("MEND_ENCRYPTION_KEY not set: using the development key at %s", path)
    return Cipher(path.read_bytes().strip())
