"""eliminate_cast_noop (ORT_ENABLE_BASIC and up, onnxruntime's CastElimination): a Cast to the type
its input already has goes, and so does a Cast back to the type a lossless Cast started from;
a round trip through a type that loses values (double -> float -> double) stays."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import (
    assert_same_everywhere,
    onnxruntime_run,
    optimized_op_types,
    run_at_every_level,
)

T = TensorProto


def special_values(dtype: np.dtype) -> np.ndarray:
    """Values at the edges of `dtype`: extremes, zeros of both signs, NaN and infinities."""
    if dtype == np.bool_:
        return np.array([True, False, True, True, False, False])
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.array([info.min, info.max, 0, 1, info.max // 3, info.min // 2], dtype)
    info = np.finfo(dtype)
    return np.array([info.max, -info.max, info.tiny, info.smallest_subnormal, -0.0, 1 / 3, np.nan, np.inf, -np.inf,
                     np.pi], dtype)


def round_trip(a: int, b: int, extra_reader: bool = False, opset: int = 17):
    """X: a -> Cast(b) -> Cast(a) -> Abs -> Y (Abs keeps the second Cast off the graph output)."""
    nodes = [helper.make_node("Cast", ["X"], ["there"], to=b), helper.make_node("Cast", ["there"], ["back"], to=a),
             helper.make_node("Identity", ["back"], ["Y"])]
    outputs = [tensor("Y", a, None)]
    if extra_reader:
        nodes.append(helper.make_node("Identity", ["there"], ["Z"]))
        outputs.append(tensor("Z", b, None))
    return make_model(nodes, [tensor("X", a, None)], outputs, opset=opset)


# (start, middle): every `start` value converts to `middle` exactly, so coming back returns it.
EXACT = [(T.FLOAT, T.DOUBLE), (T.FLOAT16, T.FLOAT), (T.FLOAT16, T.DOUBLE), (T.INT8, T.INT32), (T.INT8, T.FLOAT16),
         (T.UINT8, T.INT16), (T.UINT8, T.FLOAT), (T.INT16, T.FLOAT), (T.UINT16, T.INT32), (T.INT32, T.INT64),
         (T.INT32, T.DOUBLE), (T.UINT32, T.INT64), (T.BOOL, T.INT64), (T.BOOL, T.FLOAT)]
# Round trips that change some value: a narrower type, a type without the sign, too few bits.
LOSSY = [(T.DOUBLE, T.FLOAT), (T.FLOAT, T.FLOAT16), (T.INT32, T.FLOAT), (T.INT64, T.DOUBLE), (T.INT8, T.UINT8),
         (T.UINT8, T.INT8), (T.INT16, T.FLOAT16), (T.FLOAT, T.INT32), (T.INT32, T.BOOL), (T.FLOAT16, T.INT64)]


def name(pair) -> str:
    return "_via_".join(T.DataType.Name(t).lower() for t in pair)


@pytest.mark.parametrize("pair", EXACT, ids=[name(p) for p in EXACT])
def test_an_exact_round_trip_is_removed(pair):
    start, middle = pair
    model = round_trip(start, middle)
    x = special_values(helper.tensor_dtype_to_np_dtype(start))
    assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_DISABLE_ALL") == ["Cast", "Cast", "Identity"]
    # The Identity writing the graph output stays, reading X.
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Identity"]


@pytest.mark.parametrize("pair", LOSSY, ids=[name(p) for p in LOSSY])
def test_a_lossy_round_trip_stays(pair):
    start, middle = pair
    model = round_trip(start, middle)
    x = special_values(helper.tensor_dtype_to_np_dtype(start))
    if pair == (T.FLOAT, T.INT32) or pair == (T.FLOAT16, T.INT64):
        x = np.array([1.5, -2.5, 1000, 0.25], helper.tensor_dtype_to_np_dtype(start))  # in range: defined
    assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["Cast", "Cast", "Identity"]


def test_double_via_float_really_changes_values():
    """Why that trip stays: 1/3 in double does not survive float."""
    model = round_trip(T.DOUBLE, T.FLOAT)
    x = np.array([1 / 3, 0.1], np.float64)
    for level, (y,) in run_at_every_level(model, {"X": x}).items():
        np.testing.assert_array_equal(y, x.astype(np.float32).astype(np.float64), err_msg=level)
        assert not np.array_equal(y, x)


def test_the_first_cast_stays_for_its_other_reader():
    model = round_trip(T.FLOAT, T.DOUBLE, extra_reader=True)
    assert_same_everywhere(model, {"X": special_values(np.float32)}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Cast", "Identity", "Identity"]


@pytest.mark.parametrize("elem", [T.FLOAT, T.INT64, T.BOOL, T.STRING])
def test_a_cast_to_the_inputs_own_type_goes(elem):
    model = make_model([helper.make_node("Cast", ["X"], ["c"], to=elem), helper.make_node("Identity", ["c"], ["Y"])],
                       [tensor("X", elem, [3])], [tensor("Y", elem, [3])])
    x = np.array(["a", "", "é"], object) if elem == T.STRING else special_values(
        helper.tensor_dtype_to_np_dtype(elem))[:3]
    if elem == T.STRING:  # assert_same_everywhere compares numbers
        (expected,) = onnxruntime_run(model, {"X": x})
        for level, (y,) in run_at_every_level(model, {"X": x}).items():
            np.testing.assert_array_equal(y, expected, err_msg=level)
    else:
        assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Identity"]


def test_types_are_followed_through_the_graph():
    """Shape gives int64, Div keeps it, so both Casts to int64 are no-ops (bert_base has 72)."""
    model = make_model([helper.make_node("Shape", ["X"], ["s"]), helper.make_node("Div", ["s", "one"], ["d"]),
                        helper.make_node("Cast", ["d"], ["c1"], to=T.INT64),
                        helper.make_node("Cast", ["c1"], ["c2"], to=T.INT64),
                        helper.make_node("Reshape", ["X", "c2"], ["Y"])],
                       [tensor("X", shape=[4, 6])], [tensor("Y", shape=None)],
                       [numpy_helper.from_array(np.array(1, np.int64), "one")])
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Shape", "Div", "Reshape"]


def test_a_cast_writing_a_graph_output_stays():
    model = make_model([helper.make_node("Cast", ["X"], ["Y"], to=T.FLOAT)], [tensor("X", shape=[2])],
                       [tensor("Y", shape=[2])])
    assert_same_everywhere(model, {"X": np.array([1, -1], np.float32)}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["Cast"]


def test_castlike():
    same = make_model([helper.make_node("CastLike", ["X", "L"], ["c"]), helper.make_node("Neg", ["c"], ["Y"])],
                      [tensor("X", shape=[2]), tensor("L", shape=[1])], [tensor("Y", shape=[2])])
    other = make_model([helper.make_node("CastLike", ["X", "L"], ["c"]), helper.make_node("Neg", ["c"], ["Y"])],
                       [tensor("X", shape=[2]), tensor("L", T.DOUBLE, [1])], [tensor("Y", T.DOUBLE, [2])])
    x = np.array([0.1, -3], np.float32)
    assert_same_everywhere(same, {"X": x, "L": np.zeros(1, np.float32)}, rtol=0, atol=0)
    assert_same_everywhere(other, {"X": x, "L": np.zeros(1, np.float64)}, rtol=0, atol=0)
    assert optimized_op_types(same, "ORT_ENABLE_BASIC") == ["Neg"]
    assert optimized_op_types(other, "ORT_ENABLE_BASIC") == ["CastLike", "Neg"]


def test_declared_value_info_is_not_trusted():
    """Nothing checks value_info: a Cast after an op whose type the rule cannot derive stays."""
    model = make_model([helper.make_node("Einsum", ["X"], ["e"], equation="ij->ji"),
                        helper.make_node("Cast", ["e"], ["c"], to=T.FLOAT), helper.make_node("Neg", ["c"], ["Y"])],
                       [tensor("X", shape=[2, 3])], [tensor("Y", shape=[3, 2])])
    model.graph.value_info.append(tensor("e", T.FLOAT, [3, 2]))
    assert_same_everywhere(model, {"X": np.ones((2, 3), np.float32)}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["Einsum", "Cast", "Neg"]
