"""Older vs newer operator signatures (attributes that became inputs, new attributes, negative
axes, new types) for Clip, Split, Squeeze/Unsqueeze, Slice, Reshape/Flatten, Cast, Gather,
Concat, Transpose, broadcasting binary ops, Where, Expand, Tile, Range, Shape, ConstantOfShape,
and int64 overflow / integer division by zero: single-node onnx.helper models run by onyxrt and
compared with onnx.reference.ReferenceEvaluator (exact dtype and shape)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.ops.graph_check import model as graph_model
from tests.ops.graph_check import tensor
from tests.ops.op_check import make_node_model, rand

F32, I32, I64, U8 = np.float32, np.int32, np.int64, np.uint8


def a(values, dtype=F32) -> np.ndarray:
    return np.array(values, dtype=dtype)


def assert_equal_outputs(got, want) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w)
        if w.dtype.kind == "U":  # the reference gives str_ arrays; onyxrt, like onnxruntime, object
            w = w.astype(object)
        assert g.shape == w.shape, (i, g.shape, w.shape)
        assert g.dtype == w.dtype, (i, g.dtype, w.dtype)
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=f"output {i}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"output {i}")


def run(op, inputs, attrs=None, opset=13, consts=(), outs=None, expected=None):
    """inputs: name -> array in node input order ("" -> None omits an optional input); names in
    `consts` become initializers; outs: output name -> elem type (default: one, like input 0);
    expected: hand-computed outputs, checked as well as the reference's."""
    m = make_node_model(op, inputs, consts, attrs, outs, opset)
    m.ir_version = 7 if opset < 15 else (8 if opset < 19 else 9)
    feeds = {n: v for n, v in inputs.items() if n and n not in consts}
    want = ReferenceEvaluator(m).run(None, feeds)
    got = onyxrt.InferenceSession(m.SerializeToString()).run(None, feeds)
    assert_equal_outputs(got, want)
    if expected is not None:
        assert_equal_outputs(got, expected)
    return got


def n_outputs(n, elem=TP.FLOAT):
    return {f"y{i}": elem for i in range(n)}


# ---- Clip ---------------------------------------------------------------------------------------
X34 = rand(3, 4)


@pytest.mark.parametrize("opset, inputs, attrs", [
    (6, {"x": X34}, {"min": -0.5, "max": 0.5}),
    (6, {"x": X34}, {"max": 0.2}),
    (11, {"x": X34, "lo": a(-0.5), "hi": a(0.5)}, None),
    (11, {"x": X34, "": None, "hi": a(0.1)}, None),
    (11, {"x": X34, "lo": a(-0.1)}, None),
    (11, {"x": X34}, None),
    (12, {"x": a([[-5, 0, 7, 100]], I32), "lo": a(-2, I32), "hi": a(6, I32)}, None),
    (12, {"x": a([-9, 3, 2**40], I64), "": None, "hi": a(5, I64)}, None),
    (13, {"x": a([0, 7, 200, 255], U8), "lo": a(7, U8)}, None),
    (13, {"x": rand(2, 3, dtype=np.float64), "lo": a(-0.3, np.float64), "hi": a(0.3, np.float64)}, None),
])
def test_clip(opset, inputs, attrs):
    run("Clip", inputs, attrs, opset)


# ---- Split --------------------------------------------------------------------------------------
@pytest.mark.parametrize("opset, x, inputs, attrs, n", [
    (2, rand(2, 4), {}, {"axis": 1, "split": [1, 3]}, 2),
    (2, rand(6, 2), {}, {}, 3),
    (11, rand(2, 4), {}, {"axis": -1, "split": [3, 1]}, 2),
    (11, rand(4, 2, 3), {}, {"axis": -3}, 2),
    (13, rand(2, 5), {"split": a([2, 0, 3], I64)}, {"axis": -1}, 3),
    (13, rand(4, 3), {}, {}, 2),
    (18, rand(2, 7), {}, {"axis": -1, "num_outputs": 3}, 3),  # chunks 3, 3, 1
    (18, rand(5, 2), {}, {"axis": 0, "num_outputs": 2}, 2),   # chunks 3, 2
    (18, rand(3, 6), {"split": a([1, 5], I64)}, {"axis": 1}, 2),
])
def test_split(opset, x, inputs, attrs, n):
    expected = None
    if "num_outputs" in attrs:  # ceil-sized chunks, the last one smaller
        axis, chunk = attrs["axis"], -(-x.shape[attrs["axis"]] // n)
        expected = np.split(x, [chunk * i for i in range(1, n)], axis=axis)
    run("Split", {"x": x, **inputs}, attrs, opset, consts=list(inputs), outs=n_outputs(n), expected=expected)


# ---- Squeeze / Unsqueeze ------------------------------------------------------------------------
@pytest.mark.parametrize("op, opset, x, axes", [
    ("Squeeze", 11, rand(1, 3, 1), [-1, 0]),
    ("Squeeze", 11, rand(1, 3, 1), None),
    ("Squeeze", 13, rand(1, 3, 1), [-3]),
    ("Squeeze", 13, rand(2, 1, 1), None),
    ("Unsqueeze", 11, rand(3, 4), [0, -1]),
    ("Unsqueeze", 11, a(2.5), [0]),
    ("Unsqueeze", 13, rand(3, 4), [-1, 1]),
    ("Unsqueeze", 13, rand(0, 2), [0, 3]),
])
def test_squeeze_unsqueeze(op, opset, x, axes):
    if opset < 13 or axes is None:
        run(op, {"x": x}, None if axes is None else {"axes": axes}, opset)
    else:
        run(op, {"x": x, "axes": a(axes, I64)}, None, opset, consts=["axes"])


# ---- Slice --------------------------------------------------------------------------------------
BIG, X345 = 2**62, rand(3, 4, 5)


@pytest.mark.parametrize("starts, ends, axes", [
    ([0, 1], [2, 1000], [0, 1]),
    ([-2, 1, 0], [BIG, -1, 3], None),
    ([1], [-1], [-1]),
])
def test_slice_1_attributes(starts, ends, axes):
    attrs = {"starts": starts, "ends": ends, **({"axes": axes} if axes else {})}
    run("Slice", {"x": X345}, attrs, opset=1)


@pytest.mark.parametrize("opset", [10, 13])
@pytest.mark.parametrize("starts, ends, axes, steps", [
    ([0, 1], [2, 1000], [0, 1], [1, 2]),
    ([-1], [-(2**63) + 1], [-1], [-1]),        # whole axis reversed, end clamped
    ([BIG, 3], [-BIG, 0], [1, 2], [-2, -1]),   # huge start clamped to dim - 1
    ([1, 0, 0], [3, BIG, 5], None, None),
    ([4], [1], [2], [1]),                      # empty result
])
def test_slice_inputs(opset, starts, ends, axes, steps):
    inputs = {"x": X345, "starts": a(starts, I64), "ends": a(ends, I64)}
    if axes is not None:
        inputs["axes"] = a(axes, I64)
    if steps is not None:
        inputs["steps"] = a(steps, I64)
    index = [slice(None)] * X345.ndim  # Python slicing clamps the same way
    for i, axis in enumerate(axes if axes is not None else range(len(starts))):
        index[axis] = slice(starts[i], ends[i], steps[i] if steps else 1)
    run("Slice", inputs, None, opset, consts=list(inputs)[1:], expected=[X345[tuple(index)]])


# ---- Reshape / Flatten --------------------------------------------------------------------------
@pytest.mark.parametrize("opset, x, shape, attrs", [
    (5, rand(2, 3, 4), [0, -1], None),
    (5, rand(2, 3, 4), [4, 0, -1], None),
    (14, rand(2, 3, 4), [0, -1], {"allowzero": 0}),
    (14, rand(0, 3), [3, 0], {"allowzero": 1}),
    (14, rand(2, 0, 3), [0, -1], {"allowzero": 0}),
])
def test_reshape(opset, x, shape, attrs):
    run("Reshape", {"x": x, "shape": a(shape, I64)}, attrs, opset, consts=["shape"])


@pytest.mark.parametrize("opset, axis", [(1, 0), (1, 3), (9, 2), (11, -1), (13, -3), (13, 0)])
def test_flatten(opset, axis):
    run("Flatten", {"x": rand(2, 3, 4)}, {"axis": axis}, opset)


# ---- Cast ---------------------------------------------------------------------------------------
FV = a([0.0, 1.75, -2.5, 3.0, 127.0])
STR = np.array(["1.5", "-2", "0.25", "1e3"], dtype=object)


@pytest.mark.parametrize("opset, x, to", [
    (6, FV, TP.INT32), (6, FV.astype(np.float64), TP.FLOAT16), (6, a([-3, 2**40], I64), TP.FLOAT),
    (6, FV, TP.BOOL), (6, a([0, 200, 255], U8), TP.INT64), (6, a([True, False]), TP.FLOAT),
    (13, FV, TP.INT64), (13, a([1, 0, -7], I32), TP.BOOL), (13, FV.astype(np.float16), TP.DOUBLE),
    (13, STR, TP.FLOAT), (13, STR, TP.DOUBLE), (13, a([-7, 0, 42], I32), TP.STRING),
    (13, a([True, False], bool), TP.STRING), (13, a([0.5, -2.0], F32), TP.STRING),
    (19, a([3, 250, 0], U8), TP.FLOAT16), (19, a([-1, 0, 5], I64), TP.BOOL),
    (19, np.array(["-12", "7"], dtype=object), TP.INT64), (19, FV, TP.UINT8),
])
def test_cast(opset, x, to):
    if x.dtype == F32 and to == TP.UINT8:
        x = np.abs(x)  # negative float -> unsigned is undefined
    run("Cast", {"x": x}, {"to": to}, opset, outs={"y": to})


@pytest.mark.parametrize("saturate", [1, 0])
@pytest.mark.parametrize("to", [TP.FLOAT8E4M3FN, TP.FLOAT8E5M2])
def test_cast_19_float8_saturate(to, saturate):
    """float -> float8 (saturate or not) -> float, so that only float32 arrays cross the API."""
    nodes = [helper.make_node("Cast", ["x"], ["f8"], to=to, saturate=saturate),
             helper.make_node("Cast", ["f8"], ["y"], to=TP.FLOAT)]
    m = graph_model(nodes, [tensor("x", TP.FLOAT, [6])], [tensor("y", TP.FLOAT, [6])], 19)
    x = a([0.3, -1.75, 1000.0, -1e5, np.inf, np.nan])
    want = ReferenceEvaluator(m).run(None, {"x": x})[0]
    got = onyxrt.InferenceSession(m.SerializeToString()).run(None, {"x": x})[0]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


# ---- Gather / Concat / Transpose ----------------------------------------------------------------
@pytest.mark.parametrize("opset, axis, indices", [
    (1, 0, a([-1, 0], I64)),
    (11, -1, a([[-1, 0], [1, -4]], I64)),
    (13, 1, a([-3], I32)),
    (13, -2, a(-2, I64)),
])
def test_gather(opset, axis, indices):
    run("Gather", {"x": rand(3, 4), "i": indices}, {"axis": axis}, opset)


@pytest.mark.parametrize("opset, axis", [(4, 1), (11, -1), (11, -3), (13, -2), (13, 0)])
def test_concat(opset, axis):
    shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    for i, s in enumerate(shapes):
        s[axis] = i + 1 if i != 1 else 0  # one empty input along the concat axis
    run("Concat", {f"x{i}": rand(*s, seed=i) for i, s in enumerate(shapes)}, {"axis": axis}, opset)


@pytest.mark.parametrize("opset", [1, 13])
@pytest.mark.parametrize("x", [rand(2, 3, 4), rand(5), a([[1, 2, 3]], I64)])
def test_transpose_default_perm(opset, x):
    run("Transpose", {"x": x}, None, opset)


# ---- broadcasting binary ops --------------------------------------------------------------------
SHAPES = [((3, 1, 4), (1, 5, 1)), ((), (2, 3)), ((2, 3), ()), ((), ()), ((2, 0, 3), (1, 3)), ((0,), ())]


@pytest.mark.parametrize("opset", [7, 13, 14])
@pytest.mark.parametrize("op", ["Add", "Mul", "Div", "Pow", "Equal"])
@pytest.mark.parametrize("sa, sb", SHAPES)
def test_binary_broadcast(op, opset, sa, sb):
    rng = np.random.default_rng(len(sa) + 3 * len(sb))
    x, y = (rng.integers(1, 5, size=s).astype(F32) * 0.5 for s in (sa, sb))  # > 0, some equal
    if op == "Equal" and opset < 11:  # Equal-7 is defined for bool / int32 / int64 only
        x, y = (v.astype(I64) for v in (x * 2, y * 2))
    run(op, {"a": x, "b": y}, None, opset, outs={"y": TP.BOOL if op == "Equal" else TP.FLOAT})


@pytest.mark.parametrize("opset", [7, 14])
@pytest.mark.parametrize("op, dtype", [("Add", I64), ("Mul", I64), ("Div", I32), ("Equal", I64)])
def test_binary_int_broadcast(op, opset, dtype):
    x = a([[-7], [9], [0]], dtype)
    y = a([2, -3, 9, 4], dtype)
    run(op, {"a": x, "b": y}, None, opset, outs={"y": TP.BOOL} if op == "Equal" else None)


# ---- Where / Expand / Tile / Range / Shape / ConstantOfShape ------------------------------------
@pytest.mark.parametrize("opset", [9, 16])
@pytest.mark.parametrize("x, y", [
    (rand(1, 4), a(-1.0)),
    (a([[1, 2, 3, 4]], I64), a([[9], [8], [7]], I64)),
    (np.array(["a", "b", "c", "d"], dtype=object), np.array(["z"], dtype=object)),
])
def test_where(opset, x, y):
    cond = a([[True], [False], [True]], bool)
    elem = TP.STRING if x.dtype == object else helper.np_dtype_to_tensor_dtype(x.dtype)
    run("Where", {"c": cond, "x": x, "y": y}, None, opset, outs={"out": elem})


@pytest.mark.parametrize("opset", [8, 13])
@pytest.mark.parametrize("x, shape", [(rand(3, 1), [2, 1, 4]), (rand(2, 3), [1]), (rand(1, 3), [0, 3])])
def test_expand(opset, x, shape):
    run("Expand", {"x": x, "s": a(shape, I64)}, None, opset, consts=["s"])


@pytest.mark.parametrize("opset", [6, 13])
@pytest.mark.parametrize("x, reps", [(rand(2, 3), [2, 3]), (rand(2, 3), [1, 0]), (a([1, 2], I64), [3])])
def test_tile(opset, x, reps):
    run("Tile", {"x": x, "r": a(reps, I64)}, None, opset, consts=["r"])


@pytest.mark.parametrize("start, limit, delta", [
    (a(0.0), a(1.0), a(0.25)), (a(10, I64), a(-3, I64), a(-4, I64)), (a(5, I32), a(5, I32), a(1, I32)),
    (a(1.0, np.float64), a(0.0, np.float64), a(0.5, np.float64)),  # empty: wrong direction
])
def test_range_11(start, limit, delta):
    run("Range", {"s": start, "l": limit, "d": delta}, None, 11)


@pytest.mark.parametrize("opset, attrs", [
    (13, None), (15, None), (15, {"start": 1, "end": -1}), (15, {"start": -10}), (15, {"end": 100}),
    (15, {"start": 2, "end": 1}),
])
def test_shape(opset, attrs):
    run("Shape", {"x": rand(2, 3, 4)}, attrs, opset, outs={"y": TP.INT64})


@pytest.mark.parametrize("shape, value, elem", [
    ([2, 3], None, TP.FLOAT),
    ([2, 3], helper.make_tensor("v", TP.INT64, [1], [7]), TP.INT64),
    ([2, 0], helper.make_tensor("v", TP.INT32, [1], [-1]), TP.INT32),
])
def test_constant_of_shape_9(shape, value, elem):
    run("ConstantOfShape", {"s": a(shape, I64)}, {"value": value} if value else None, 9, outs={"y": elem})


# ---- integer edge cases -------------------------------------------------------------------------
@pytest.mark.parametrize("opset", [7, 14])
@pytest.mark.parametrize("op, x, y", [
    ("Add", [2**62, 2**62 + 2**61, -(2**62)], [2**62, 2**62, -(2**62) - 1]),  # wraps like numpy
    ("Mul", [2**62, 3 * 2**61, -(2**62)], [4, 3, 2]),
])
def test_int64_overflow_wraps(op, opset, x, y):
    got = run(op, {"a": a(x, I64), "b": a(y, I64)}, None, opset)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got[0], getattr(np, op.lower().replace("mul", "multiply"))(a(x, I64), a(y, I64)))


@pytest.mark.parametrize("opset", [7, 14])
@pytest.mark.parametrize("dtype", [I32, I64])
def test_integer_div_by_zero_raises(opset, dtype):
    m = make_node_model("Div", {"a": a([4, 5], dtype), "b": a([2, 0], dtype)}, opset=opset)
    m.graph.node[0].name = "int_div_node"
    sess = onyxrt.InferenceSession(m.SerializeToString())
    with pytest.raises(onyxrt.InvalidArgument, match="int_div_node"):
        sess.run(None, {"a": a([4, 5], dtype), "b": a([2, 0], dtype)})
    # a non-zero divisor still works (truncating division, like the reference)
    run("Div", {"a": a([7, -7, 6], dtype), "b": a([2, 2, -4], dtype)}, None, opset)
