"""Storage: typed models, engines and migrations, and encryption at rest."""

from storage.crypto import Cipher, load_cipher
from storage.db import (
    IMMEDIATE_WRITE,
    current_revision,
    is_postgres,
    make_engine,
    session_factory,
    upgrade,
    write_gate,
)

__all__ = ["Cipher", "load_cipher", "make_engine", "session_factory", "upgrade", "current_revision", "is_postgres",
           "write_gate", "IMMEDIATE_WRITE"]
