"""User-facing errors. Each carries the exit code the CLI returns; one handler prints one line."""

from __future__ import annotations

__all__ = [
    "ReadycheckError",
    "UsageError",
    "ConfigError",
    "CheckSpecError",
    "PluginError",
    "TargetError",
    "EXIT_GO",
    "EXIT_NO_GO",
    "EXIT_USAGE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
]

EXIT_GO = 0
EXIT_NO_GO = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class ReadycheckError(Exception):
    """Base class: a message meant for the user and the exit code that goes with it."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ReadycheckError):
    """A command-line option or argument is wrong."""


class ConfigError(ReadycheckError):
    """readycheck.yaml or [tool.readycheck] is unreadable or invalid."""


class CheckSpecError(ReadycheckError):
    """A check spec (YAML) is invalid, or two checks share an id."""


class PluginError(ReadycheckError):
    """A third-party check pack could not be loaded."""


class TargetError(ReadycheckError):
    """The path to audit does not exist or cannot be read."""
