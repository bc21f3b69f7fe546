"""Mend: an SMS companion for people healing from rejection trauma.

This package holds what every part shares: the typed config and the CLI.
"""

from mend.config import Config, load_config
from mend.errors import ConfigError, MendError

__all__ = ["Config", "load_config", "ConfigError", "MendError"]
__version__ = "0.1.0"
