"""numpy <-> onyxrt conversion of every element type, of sequences, optionals and maps, and of
arrays in any layout, through Identity models; onnxruntime is the oracle where it has the type."""

from __future__ import annotations

import numpy as np
import onnxruntime
import onyxrt
import pytest
from onnx import TensorProto, helper

from tests import helpers

ml_dtypes = pytest.importorskip("ml_dtypes")


def identity_session(module, elem_type: int, rank: int = 1, opset: int = 21, ir_version: int = 10):
    model = helpers.identity(helper.make_tensor_type_proto(elem_type, [None] * rank), opset, ir_version)
    return module.InferenceSession(helpers.to_bytes(model))


NUMPY_TYPES = {
    TensorProto.FLOAT: np.float32, TensorProto.DOUBLE: np.float64, TensorProto.FLOAT16: np.float16,
    TensorProto.INT8: np.int8, TensorProto.INT16: np.int16, TensorProto.INT32: np.int32, TensorProto.INT64: np.int64,
    TensorProto.UINT8: np.uint8, TensorProto.UINT16: np.uint16, TensorProto.UINT32: np.uint32,
    TensorProto.UINT64: np.uint64, TensorProto.BOOL: np.bool_,
}


@pytest.mark.parametrize("elem_type", sorted(NUMPY_TYPES), ids=lambda t: TensorProto.DataType.Name(t))
def test_numpy_types_round_trip_like_onnxruntime(elem_type):
    dtype = NUMPY_TYPES[elem_type]
    values = np.array([0, 1, 3, 100, 7, 1], dtype=dtype).reshape(2, 3)
    expected = identity_session(onnxruntime, elem_type, rank=2).run(None, {"X": values})[0]
    actual = identity_session(onyxrt, elem_type, rank=2).run(None, {"X": values})[0]
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_round_trip(dtype):
    # onnxruntime has no complex tensors on the CPU; the value itself is the oracle.
    elem_type = TensorProto.COMPLEX64 if dtype == np.complex64 else TensorProto.COMPLEX128
    values = np.array([1 + 2j, -3.5 - 0.25j], dtype=dtype)
    actual = identity_session(onyxrt, elem_type).run(None, {"X": values})[0]
    assert actual.dtype == dtype
    np.testing.assert_array_equal(actual, values)


ML_TYPES = {
    TensorProto.BFLOAT16: "bfloat16", TensorProto.FLOAT8E4M3FN: "float8_e4m3fn",
    TensorProto.FLOAT8E4M3FNUZ: "float8_e4m3fnuz", TensorProto.FLOAT8E5M2: "float8_e5m2",
    TensorProto.FLOAT8E5M2FNUZ: "float8_e5m2fnuz", TensorProto.FLOAT8E8M0: "float8_e8m0fnu",
    TensorProto.INT4: "int4", TensorProto.UINT4: "uint4", TensorProto.INT2: "int2", TensorProto.UINT2: "uint2",
    TensorProto.FLOAT4E2M1: "float4_e2m1fn",
}
# Values every type of the family represents exactly; odd counts exercise the packing's last byte.
ML_VALUES = {"int4": [-8, 7, -1, 0, 3], "uint4": [15, 0, 3, 9, 1], "int2": [-2, 1, -1, 0, 1],
             "uint2": [3, 0, 2, 1, 1], "float8_e8m0fnu": [1, 2, 0.5, 4, 8]}


@pytest.mark.parametrize("elem_type", sorted(ML_TYPES), ids=lambda t: TensorProto.DataType.Name(t))
def test_ml_dtypes_round_trip(elem_type):
    # onnx.helper.tensor_dtype_to_np_dtype names the same numpy types.
    assert helper.tensor_dtype_to_np_dtype(elem_type) == np.dtype(getattr(ml_dtypes, ML_TYPES[elem_type]))
    dtype = getattr(ml_dtypes, ML_TYPES[elem_type])
    values = np.array(ML_VALUES.get(ML_TYPES[elem_type], [0, 1, -2, 0.5, 1.5]), dtype=dtype)
    actual = identity_session(onyxrt, elem_type, opset=25, ir_version=12).run(None, {"X": values})[0]
    assert actual.dtype == values.dtype
    np.testing.assert_array_equal(actual.astype(np.float32), values.astype(np.float32))


@pytest.mark.parametrize("values", [np.array(["a", "bé", ""]), np.array(["a", 1, "z"], dtype=object), ["x", "yy", "z"]],
                         ids=["unicode", "object", "list"])
def test_strings_become_object_arrays_of_str(values):
    actual = identity_session(onyxrt, TensorProto.STRING).run(None, {"X": values})[0]
    expected = identity_session(onnxruntime, TensorProto.STRING).run(None, {"X": values})[0]
    assert actual.dtype == expected.dtype == object and actual.shape == expected.shape
    assert actual.tolist() == expected.tolist()


@pytest.mark.parametrize("values", [np.array([b"a", b"bc", b""]), np.array([b"a", b"bc", b""], dtype=object)],
                         ids=["bytes", "object_of_bytes"])
def test_bytes_are_taken_as_utf8(values):
    # onnxruntime garbles |S arrays and stores str(b'a') for bytes objects; onyxrt takes the bytes.
    actual = identity_session(onyxrt, TensorProto.STRING).run(None, {"X": values})[0]
    assert actual.dtype == object and actual.tolist() == ["a", "bc", ""]


def test_string_output_that_is_not_utf8_comes_back_as_bytes():
    actual = identity_session(onyxrt, TensorProto.STRING).run(None, {"X": np.array([b"\xff\xfe", b"ok"], dtype=object)})[0]
    assert actual.tolist() == [b"\xff\xfe", "ok"]


def test_string_matrix_keeps_its_shape():
    values = np.array([["a", "b", "c"], ["d", "e", "f"]])
    actual = identity_session(onyxrt, TensorProto.STRING, rank=2).run(None, {"X": values.T})[0]
    assert actual.shape == (3, 2) and actual.tolist() == values.T.tolist()


@pytest.mark.parametrize("layout", ["fortran", "strided", "big_endian", "readonly", "unaligned", "zero_size",
                                    "scalar"])
def test_any_array_layout_is_accepted(layout):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    unaligned = np.frombuffer(b"\0" + base.tobytes(), dtype=np.float32, offset=1).reshape(3, 4)
    values = {"fortran": np.asfortranarray(base), "strided": base[:, ::2], "big_endian": base.astype(">f4"),
              "readonly": base.copy(), "unaligned": unaligned, "zero_size": np.zeros((0, 4), np.float32),
              "scalar": np.array(2.5, np.float32)}
    x = values[layout]
    if layout == "readonly":
        x.flags.writeable = False
    session = identity_session(onyxrt, TensorProto.FLOAT, rank=x.ndim)
    actual = session.run(None, {"X": x})[0]
    assert actual.dtype == np.float32 and actual.shape == x.shape
    np.testing.assert_array_equal(actual, x)


def test_sequence_of_tensors():
    type_proto = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    model = helpers.to_bytes(helpers.identity(type_proto))
    expected_session = onnxruntime.InferenceSession(model)
    session = onyxrt.InferenceSession(model)
    assert helpers.node_args(session.get_inputs()) == helpers.node_args(expected_session.get_inputs())
    for items in ([np.ones(2, np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)], []):
        actual = session.run(None, {"X": items})[0]
        expected = expected_session.run(None, {"X": items})[0]
        assert isinstance(actual, list) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            np.testing.assert_array_equal(a, e)


def test_optional_tensor_present_and_absent():
    type_proto = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, [None]))
    model = helpers.to_bytes(helpers.identity(type_proto))
    expected_session = onnxruntime.InferenceSession(model)
    session = onyxrt.InferenceSession(model)
    assert helpers.node_args(session.get_inputs()) == helpers.node_args(expected_session.get_inputs())
    assert session.run(None, {"X": None}) == [None]
    np.testing.assert_array_equal(session.run(None, {"X": np.ones(2, np.float32)})[0], np.ones(2, np.float32))


@pytest.mark.parametrize("key_type, mapping", [(TensorProto.INT64, {1: 2.5, 7: -1.0}),
                                               (TensorProto.STRING, {"a": 1.0, "b": 2.0}),
                                               (TensorProto.INT64, {})])
def test_map_in_and_out(key_type, mapping):
    # onnxruntime refuses Identity on maps, so the dict itself is the oracle.
    type_proto = helper.make_map_type_proto(key_type, helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.identity(type_proto)))
    assert session.get_inputs()[0].type == ("map(int64,tensor(float))" if key_type == TensorProto.INT64
                                            else "map(string,tensor(float))")
    assert session.run(None, {"X": mapping})[0] == mapping
