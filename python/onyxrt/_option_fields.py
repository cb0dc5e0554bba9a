"""Typed attributes for SessionOptions and RunOptions: a wrong type raises TypeError at assignment,
as onnxruntime's pybind11 properties do, instead of failing later inside a session."""

from __future__ import annotations

import enum
import os
from typing import Any, Callable


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"expected an int, got {type(value).__name__}")
    return int(value.__index__())


def _as_bool(value: Any) -> bool:
    # bool, numpy.bool_ and ints, as onnxruntime's pybind11 bool accepts; not str or None.
    if type(value).__name__ not in ("bool", "bool_") and not hasattr(value, "__index__"):
        raise TypeError(f"expected a bool, got {type(value).__name__}")
    return bool(value)


def _as_str(value: Any) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, str):
        raise TypeError(f"expected a str, got {type(value).__name__}")
    return value


def _as_member(enum_type: type[enum.IntEnum]) -> Callable[[Any], enum.IntEnum]:
    def convert(value: Any) -> enum.IntEnum:
        # onnxruntime takes members only; a plain int naming a member is accepted here as well.
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise TypeError(f"expected a {enum_type.__name__}, got {type(value).__name__}")
        try:
            return enum_type(int(value.__index__()))
        except ValueError:
            raise TypeError(f"{value!r} is not a {enum_type.__name__}") from None

    return convert


class Field:
    """A checked attribute stored in the owner's `_values` dict."""

    def __init__(self, convert: Callable[[Any], Any], default: Any, doc: str = ""):
        self._convert = convert
        self.default = default
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._values.get(self.name, self.default)

    def __set__(self, obj: Any, value: Any) -> None:
        try:
            obj._values[self.name] = self._convert(value)
        except TypeError as e:
            raise TypeError(f"{type(obj).__name__}.{self.name}: {e}") from None


def int_field(default: int, doc: str = "") -> Field:
    return Field(_as_int, default, doc)


def bool_field(default: bool, doc: str = "") -> Field:
    return Field(_as_bool, default, doc)


def str_field(default: str, doc: str = "") -> Field:
    return Field(_as_str, default, doc)


def enum_field(enum_type: type[enum.IntEnum], default: enum.IntEnum, doc: str = "") -> Field:
    return Field(_as_member(enum_type), default, doc)


def check_config_entry(key: Any, value: Any) -> None:
    if not isinstance(key, str) or not isinstance(value, str):
        raise TypeError("config entries are str -> str, got "
                        f"{type(key).__name__} -> {type(value).__name__}")
