"""Random feeds for a session's inputs, built from what get_inputs() declares."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

_NUMPY_NAMES = {
    "float": "float32", "double": "float64", "float16": "float16", "bool": "bool",
    "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "complex64": "complex64", "complex128": "complex128", "string": "object",
}
# The element types numpy has only through ml_dtypes.
_ML_DTYPES_NAMES = {
    "bfloat16": "bfloat16", "float8e4m3fn": "float8_e4m3fn", "float8e4m3fnuz": "float8_e4m3fnuz",
    "float8e5m2": "float8_e5m2", "float8e5m2fnuz": "float8_e5m2fnuz", "float8e8m0": "float8_e8m0fnu",
    "int4": "int4", "uint4": "uint4", "int2": "int2", "uint2": "uint2", "float4e2m1": "float4_e2m1fn",
}


def numpy_dtype(element_type: str) -> np.dtype:
    """numpy dtype of an element type name as NodeArg.type spells it inside tensor(...)."""
    if element_type in _NUMPY_NAMES:
        return np.dtype(_NUMPY_NAMES[element_type])
    if element_type in _ML_DTYPES_NAMES:
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, _ML_DTYPES_NAMES[element_type]))
    raise ValueError(f"no numpy dtype for element type '{element_type}'")


def concrete_shape(shape: list[Any], batch: int) -> tuple[int, ...]:
    """Symbolic and unknown dims become `batch`."""
    return tuple(d if isinstance(d, int) and d >= 0 else batch for d in shape)


def random_tensor(type_string: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    match = re.fullmatch(r"tensor\((\w+)\)", type_string)
    if match is None:
        raise ValueError(f"cannot make a random feed of type {type_string}: only tensors are supported")
    element = match.group(1)
    dtype = numpy_dtype(element)
    if element == "string":
        return np.array([f"s{i}" for i in rng.integers(0, 100, size=int(np.prod(shape)))], dtype=object).reshape(shape)
    if element == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.kind in "iu" and dtype.itemsize > 0 and element in _NUMPY_NAMES:
        return rng.integers(0, 10, size=shape).astype(dtype)
    if element in ("int4", "uint4", "int2", "uint2"):
        return rng.integers(0, 2, size=shape).astype(dtype)
    values = rng.standard_normal(size=shape)
    if dtype.kind == "c":
        values = values + 1j * rng.standard_normal(size=shape)
    return values.astype(dtype)


def random_feeds(session: Any, batch: int = 1, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {arg.name: random_tensor(arg.type, concrete_shape(arg.shape, batch), rng) for arg in session.get_inputs()}
