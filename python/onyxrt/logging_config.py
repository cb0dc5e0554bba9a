"""Process-wide logging defaults (onnxruntime.set_default_logger_severity and friends).

onyxrt's engine does not log yet; the levels are kept so that options reading -1 ("the
default") resolve to what the program asked for.
"""

from __future__ import annotations

_severity = 2  # warning, onnxruntime's default
_verbosity = 0


def _check_level(level: object, low: int, high: int, what: str) -> int:
    if isinstance(level, bool) or not hasattr(level, "__index__"):
        raise TypeError(f"{what} must be an int, got {type(level).__name__}")
    value = int(level.__index__())
    if not low <= value <= high:
        raise RuntimeError(f"{what} must be in [{low}, {high}], got {value}")
    return value


def set_default_logger_severity(severity: int) -> None:
    """0 verbose, 1 info, 2 warning, 3 error, 4 fatal."""
    global _severity
    _severity = _check_level(severity, 0, 4, "logging severity")


def set_default_logger_verbosity(verbosity: int) -> None:
    global _verbosity
    _verbosity = _check_level(verbosity, 0, 2**31 - 1, "logging verbosity")


def default_logger_severity() -> int:
    return _severity
