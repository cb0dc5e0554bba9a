"""The ONNX backend test cases, laid out as model.onnx + test_data_set_N/{input,output}_K.pb folders.

Node cases are generated from the installed `onnx` package (its wheel ships the generators, not
the data) into a cache folder once per onnx version; the model cases the wheel does ship
(`pytorch-converted`, `pytorch-operator`, `simple`) are read in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

REPO_ROOT = Path(__file__).resolve().parents[2]
ONNX_DATA_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data"
SHIPPED_KINDS = ("pytorch-converted", "pytorch-operator", "simple")


@dataclass(frozen=True)
class BackendCase:
    kind: str
    name: str
    folder: Path
    rtol: float
    atol: float

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.name}"


def cache_root() -> Path:
    default = REPO_ROOT / ".cache" / "onnx-backend" / onnx.__version__
    return Path(os.environ.get("ONYXRT_CONFORMANCE_CACHE", default))


def _write_value(path: Path, value, value_type: onnx.TypeProto, name: str) -> None:
    if value_type.HasField("map_type"):
        proto = numpy_helper.from_dict(value, name)
    elif value_type.HasField("sequence_type"):
        proto = numpy_helper.from_list(value, name)
    elif value_type.HasField("optional_type"):
        proto = numpy_helper.from_optional(value, name)
    elif isinstance(value, onnx.TensorProto):
        proto = value
    else:
        proto = numpy_helper.from_array(value, name)
    path.write_bytes(proto.SerializeToString())


def _generate_node_cases(root: Path) -> None:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    tolerances = {}
    for case in cases:
        folder = root / "node" / case.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.onnx").write_bytes(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            data_dir = folder / f"test_data_set_{i}"
            data_dir.mkdir(exist_ok=True)
            for j, value in enumerate(inputs):
                _write_value(data_dir / f"input_{j}.pb", value, graph.input[j].type, graph.input[j].name)
            for j, value in enumerate(outputs):
                _write_value(data_dir / f"output_{j}.pb", value, graph.output[j].type, graph.output[j].name)
        tolerances[case.name] = [case.rtol, case.atol]
    (root / "node_tolerances.json").write_text(json.dumps(tolerances, sort_keys=True))


def ensure_node_cases() -> Path:
    """Generates the node cases once; safe when several pytest workers ask at the same time."""
    root = cache_root()
    done = root / ".complete"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock, contextlib.ExitStack() as stack:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stack.callback(fcntl.flock, lock, fcntl.LOCK_UN)
        if not done.exists():
            _generate_node_cases(root)
            done.write_text(onnx.__version__)
    return root


def collect_cases() -> list[BackendCase]:
    root = ensure_node_cases()
    tolerances = json.loads((root / "node_tolerances.json").read_text())
    cases = [
        BackendCase("node", name, root / "node" / name, rtol, atol) for name, (rtol, atol) in tolerances.items()
    ]
    for kind in SHIPPED_KINDS:
        for folder in sorted((ONNX_DATA_DIR / kind).iterdir()):
            if (folder / "model.onnx").exists():
                cases.append(BackendCase(kind, folder.name, folder, 1e-3, 1e-7))
    return sorted(cases, key=lambda c: c.id)


def _read_value(path: Path, value_type: onnx.TypeProto):
    data = path.read_bytes()
    if value_type.HasField("sequence_type"):
        proto = onnx.SequenceProto()
        proto.ParseFromString(data)
        return numpy_helper.to_list(proto)
    if value_type.HasField("optional_type"):
        proto = onnx.OptionalProto()
        proto.ParseFromString(data)
        return numpy_helper.to_optional(proto)
    if value_type.HasField("map_type"):
        proto = onnx.MapProto()
        proto.ParseFromString(data)
        return numpy_helper.to_dict(proto)
    proto = onnx.TensorProto()
    proto.ParseFromString(data)
    return numpy_helper.to_array(proto)


def load_data_sets(case: BackendCase, model: onnx.ModelProto):
    """Yields (feeds, expected outputs) per data set."""
    initializers = {t.name for t in model.graph.initializer}
    graph_inputs = [v for v in model.graph.input if v.name not in initializers]
    for data_dir in sorted(case.folder.glob("test_data_set_*")):
        inputs = sorted(data_dir.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[1]))
        outputs = sorted(data_dir.glob("output_*.pb"), key=lambda p: int(p.stem.split("_")[1]))
        feeds = {}
        for path, info in zip(inputs, graph_inputs):
            feeds[info.name] = _read_value(path, info.type)
        expected = [_read_value(path, info.type) for path, info in zip(outputs, model.graph.output)]
        yield feeds, expected


def assert_similar(actual, expected, rtol: float, atol: float, where: str = "output") -> None:
    """Same comparison as onnx's backend runner: shapes and dtypes exact, values within tolerance."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)), f"{where}: expected a sequence, got {type(actual).__name__}"
        assert len(actual) == len(expected), f"{where}: sequence length {len(actual)} != {len(expected)}"
        for k, (a, e) in enumerate(zip(actual, expected)):
            assert_similar(a, e, rtol, atol, f"{where}[{k}]")
        return
    if expected is None:
        assert actual is None, f"{where}: expected None (empty optional)"
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{where}: map keys differ"
        for key in expected:
            assert_similar(actual[key], expected[key], rtol, atol, f"{where}[{key!r}]")
        return
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    np.testing.assert_array_equal(actual.shape, expected.shape, err_msg=f"{where} has the wrong shape")
    if expected.dtype == object:
        np.testing.assert_array_equal(actual, expected, err_msg=where)
        return
    assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != expected {expected.dtype}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=where)
        return
    if expected.dtype.name in ("int4", "uint4", "int2", "uint2"):
        np.testing.assert_array_equal(actual.astype(np.int16), expected.astype(np.int16), err_msg=where)
        return
    if _is_ml_dtypes_float(expected.dtype):
        # numpy cannot promote these with Python floats: compare as float32, as onnx's runner does.
        if expected.dtype.name == "bfloat16":
            rtol = max(rtol, 2**-6)  # two bfloat16 ulps
        actual, expected = actual.astype(np.float32), expected.astype(np.float32)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)


def _is_ml_dtypes_float(dtype: np.dtype) -> bool:
    return dtype.name == "bfloat16" or dtype.name.startswith(("float8", "float4"))
