"""Empty tensors (a zero-sized dimension), scalars (rank 0) and negative axes across the
elementwise, reduction, index and shape families: single-node models run by onyxrt and compared
with onnxruntime, or onnx.reference where onnxruntime has no kernel (shape, dtype and values).
A scalar NonZero gives [1, count] indices, as onnxruntime and numpy's nonzero do (numpy treats a
0-d array as 1-d there)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.ops.op_check import check, rand

F32, I64 = np.float32, np.int64

UNARY = ["Abs", "Acos", "Asin", "Atan", "Ceil", "Cos", "Cosh", "Erf", "Exp", "Floor", "IsInf",
         "IsNaN", "Log", "Neg", "Reciprocal", "Relu", "Round", "Sigmoid", "Sign", "Sin", "Sinh",
         "Softplus", "Softsign", "Sqrt", "Tan", "Tanh", "Elu", "Selu", "HardSigmoid", "HardSwish",
         "LeakyRelu", "Mish", "Celu", "Gelu", "Shrink", "ThresholdedRelu", "Not"]
OPSET_OF = {"Gelu": 20, "Mish": 18}


def unary_input(op: str, shape) -> np.ndarray:
    if op == "Not":
        return rand(*shape) > 0 if shape else np.array(True)
    x = np.abs(rand(*shape)) * 0.5 + 0.1  # inside every domain (Acos, Log, Sqrt, ...)
    return np.asarray(x, dtype=F32)


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("shape", [(), (2, 0, 3), (0,)], ids=["scalar", "empty3d", "empty1d"])
def test_unary_scalar_and_empty(op, shape):
    check(op, {"X": unary_input(op, shape)}, opset=OPSET_OF.get(op, 17))


BINARY = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Less", "Greater",
          "LessOrEqual", "GreaterOrEqual", "Mod", "PRelu", "BitShift", "And", "Or", "Xor",
          "BitwiseAnd", "BitwiseOr", "BitwiseXor"]


def binary_inputs(op: str, sa, sb):
    if op in ("And", "Or", "Xor"):
        return np.asarray(rand(*sa) > 0), np.asarray(rand(*sb, seed=1) > 0)
    if op in ("BitShift",):
        return (np.arange(np.prod(sa, dtype=int), dtype=np.uint32).reshape(sa),
                np.full(sb, 2, dtype=np.uint32))
    if op.startswith("Bitwise"):
        return (np.arange(np.prod(sa, dtype=int), dtype=np.int32).reshape(sa),
                np.full(sb, 6, dtype=np.int32))
    x, y = np.asarray(rand(*sa)), np.asarray(rand(*sb, seed=1))
    if op in ("Pow", "Mod", "Div"):
        x, y = np.abs(x) + 0.5, np.abs(y) + 0.5
    return np.asarray(x, F32), np.asarray(y, F32)


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("sa, sb", [((), ()), ((), (2, 3)), ((2, 0, 3), (3,)), ((0, 1), (1, 4)),
                                    ((2, 1), (0,))])
def test_binary_scalar_and_empty(op, sa, sb):
    if op == "PRelu" and len(sb) > len(sa):
        pytest.skip("PRelu's slope broadcasts to X, never the other way")
    x, y = binary_inputs(op, sa, sb)
    attrs = {"direction": "LEFT"} if op == "BitShift" else {"fmod": 1} if op == "Mod" else None
    check(op, {"A": x, "B": y}, attrs=attrs, opset=18)


REDUCE = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
          "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"]


@pytest.mark.parametrize("op", REDUCE)
@pytest.mark.parametrize("x_shape, axes, keepdims", [
    ((3, 0, 2), [0], 1),  # the reduced axis is not the empty one: the output is empty
    ((3, 4), [-1], 0),
    ((2, 3, 4), [-3, -1], 1),
    ((), None, 1),  # a scalar reduces to itself
])
def test_reduce_negative_axes_scalars_empty_outputs(op, x_shape, axes, keepdims):
    inputs = {"X": np.asarray(np.abs(rand(*x_shape)) + 0.5, dtype=F32)}
    if axes is not None:
        inputs["axes"] = np.array(axes, dtype=I64)
    check(op, inputs, constants=("axes",) if axes is not None else (), attrs={"keepdims": keepdims},
          opset=18)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceProd", "ReduceSumSquare", "ReduceL1"])
def test_reduce_over_an_empty_axis_gives_the_identity(op):
    # sum over nothing is 0, product over nothing is 1: the spec's empty-set values
    check(op, {"X": np.zeros((2, 0, 3), F32), "axes": np.array([1], I64)}, constants=("axes",),
          attrs={"keepdims": 0}, opset=18)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis", [-1, -2, 0])
def test_arg_reduce_negative_axes(op, axis):
    check(op, {"X": rand(3, 4)}, attrs={"axis": axis, "keepdims": 0}, opset=13)


@pytest.mark.parametrize("op", ["CumSum", "CumProd"])
@pytest.mark.parametrize("x_shape, axis", [((0, 3), 0), ((2, 3), -1), ((4,), -1)])
def test_cumulative_empty_and_negative_axis(op, x_shape, axis):
    check(op, {"X": rand(*x_shape), "axis": np.array(axis, I64)}, constants=("axis",),
          opset=14 if op == "CumSum" else 26)


@pytest.mark.parametrize("x_shape, axis, k", [((3, 4), -1, 2), ((3, 4), 0, 0), ((0, 4), -1, 0)])
def test_topk_negative_axis_zero_k_and_empty(x_shape, axis, k):
    check("TopK", {"X": rand(*x_shape), "K": np.array([k], I64)}, constants=("K",),
          attrs={"axis": axis}, outputs={"V": 1, "I": 7}, opset=11)


@pytest.mark.parametrize("data_shape, indices, axis", [
    ((3, 4), np.array(1, I64), 0),  # scalar index: the axis disappears
    ((3, 4), np.array([-1, 0], I64), -1),  # negative index and axis
    ((3, 4), np.zeros((0,), I64), 1),  # no indices: empty output
    ((0, 4), np.zeros((2,), I64), 1),
])
def test_gather_scalar_negative_and_empty(data_shape, indices, axis):
    check("Gather", {"X": rand(*data_shape), "I": indices}, attrs={"axis": axis}, opset=13)


@pytest.mark.parametrize("axis", [-1, -2])
def test_gather_elements_negative_axis(axis):
    idx = np.array([[0, -1], [1, 0]], I64)
    check("GatherElements", {"X": rand(2, 2), "I": idx}, attrs={"axis": axis}, opset=13)


@pytest.mark.parametrize("shapes, axis", [
    ([(2, 0), (2, 3)], 1),  # an empty input contributes nothing
    ([(0, 3), (0, 3)], -2),
    ([(1, 2, 3), (1, 2, 1)], -1),
])
def test_concat_empty_inputs_negative_axis(shapes, axis):
    inputs = {f"X{i}": rand(*s, seed=i) for i, s in enumerate(shapes)}
    check("Concat", inputs, attrs={"axis": axis}, opset=13)


@pytest.mark.parametrize("x_shape, perm", [((0, 3, 2), [2, 0, 1]), ((), None), ((4, 1, 0), None)])
def test_transpose_empty_and_scalar(x_shape, perm):
    check("Transpose", {"X": np.asarray(rand(*x_shape))}, attrs={"perm": perm} if perm is not None else None,
          opset=13)


@pytest.mark.parametrize("x_shape, shape", [((), [1, 1]), ((1,), []), ((2, 0), [0, 5]), ((2, 0), [0, -1])])
def test_reshape_to_and_from_scalars_and_empty(x_shape, shape):
    check("Reshape", {"X": np.asarray(rand(*x_shape)), "shape": np.array(shape, I64)},
          constants=("shape",), attrs={"allowzero": 1} if 0 in shape and -1 not in shape else None,
          opset=14)


@pytest.mark.parametrize("x_shape, axes", [((), [0]), ((), [-1, 0]), ((0, 2), [-1])])
def test_unsqueeze_scalar_and_empty(x_shape, axes):
    check("Unsqueeze", {"X": np.asarray(rand(*x_shape)), "axes": np.array(axes, I64)},
          constants=("axes",), opset=13)


@pytest.mark.parametrize("x_shape, shape", [((), [2, 3]), ((1, 3), [0, 3]), ((3, 1), [2, 1, 0])])
def test_expand_scalar_and_to_empty(x_shape, shape):
    check("Expand", {"X": np.asarray(rand(*x_shape)), "shape": np.array(shape, I64)},
          constants=("shape",), opset=13)


@pytest.mark.parametrize("starts, ends, axes, steps", [
    ([2], [2], [0], [1]),  # empty range
    ([-1], [-5], [-1], [-1]),  # negative everything
    ([10], [20], [1], [1]),  # out of range clamps to empty
])
def test_slice_empty_results_and_negative_steps(starts, ends, axes, steps):
    inputs = {"X": rand(4, 3), "starts": np.array(starts, I64), "ends": np.array(ends, I64),
              "axes": np.array(axes, I64), "steps": np.array(steps, I64)}
    check("Slice", inputs, constants=("starts", "ends", "axes", "steps"), opset=13)


@pytest.mark.parametrize("x_shape, pads", [((0, 3), [1, 0, 1, 0]), ((2, 3), [0, -1, 0, -1]),
                                           ((2, 3), [0, 0, 0, 0])])
def test_pad_empty_input_and_negative_pads(x_shape, pads):
    check("Pad", {"X": rand(*x_shape), "pads": np.array(pads, I64)}, constants=("pads",),
          opset=18)


@pytest.mark.parametrize("x", [np.zeros((0, 3), F32), np.array(0.0, F32), np.array([[0, 1], [2, 0]], F32)])
def test_nonzero_empty_scalar(x):
    check("NonZero", {"X": x}, outputs={"Y": 7}, opset=13)


@pytest.mark.parametrize("cond_shape, x_shape, y_shape", [((), (2, 3), ()), ((0, 3), (1, 3), (3,))])
def test_where_scalar_and_empty(cond_shape, x_shape, y_shape):
    cond = np.asarray(rand(*cond_shape) > 0)
    check("Where", {"C": cond, "A": np.asarray(rand(*x_shape, seed=1)), "B": np.asarray(rand(*y_shape, seed=2))},
          opset=16)


@pytest.mark.parametrize("op", ["Sum", "Mean", "Max", "Min"])
def test_variadic_scalar_and_empty(op):
    check(op, {"A": np.asarray(rand()), "B": rand(2, 3, seed=1)}, opset=13)
    check(op, {"A": rand(0, 3), "B": rand(1, 3, seed=1)}, opset=13)


@pytest.mark.parametrize("axis, x_shape", [(-1, (2, 0, 3)), (-2, (4, 3))])
def test_split_negative_axis_and_empty(axis, x_shape):
    check("Split", {"X": rand(*x_shape)}, attrs={"axis": axis, "num_outputs": 1},
          outputs={"Y0": 1}, opset=18)


def test_tile_with_zero_repeat_and_flatten_of_empty():
    check("Tile", {"X": rand(2, 3), "R": np.array([0, 2], I64)}, constants=("R",), opset=13)
    check("Flatten", {"X": rand(2, 0, 3)}, attrs={"axis": -1}, opset=13)


def test_range_empty_and_negative_delta():
    for start, limit, delta in [(5, 5, 1), (5, 0, -2), (0, 3, -1)]:
        check("Range", {"S": np.array(start, I64), "L": np.array(limit, I64), "D": np.array(delta, I64)},
              opset=11)


@pytest.mark.parametrize("channels", [(1, 700), (257, 256), (3, 1000, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint8, np.float16])
def test_concat_at_unaligned_offsets(channels, dtype):
    # Inputs landing at offsets that are not 64-byte aligned, over 2 KiB (copies near 4K aliasing
    # go in 2 KiB pieces) and over 64 KiB (rows cut into pieces shared by the threads): every
    # element in its place, at 1 and 2 threads.
    inputs = {f"X{i}": (rand(1, c, 13, 13, seed=i) * 100).astype(dtype) for i, c in enumerate(channels)}
    for threads in (1, 2):
        check("Concat", inputs, attrs={"axis": 1}, opset=13, threads=threads)
    inputs = {f"X{i}": (rand(2, 13, c, seed=i) * 100).astype(dtype) for i, c in enumerate(channels)}
    check("Concat", inputs, attrs={"axis": -1}, opset=13)
