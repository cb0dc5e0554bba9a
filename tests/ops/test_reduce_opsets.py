"""The reduction family across its operator versions, against onnx.reference: Reduce* with axes as
an attribute and as an input (ReduceSum at 13, the others at 18), negative axes, keepdims=0,
empty axes with noop_with_empty_axes, zero-sized dims, rank-0 inputs, the integer / 16-bit / bool
types; ArgMax / ArgMin with select_last_index; TopK with k as attribute and input, largest,
ties and NaN; CumSum / CumProd; large tensors through the threaded paths; and the errors."""

from __future__ import annotations

import numpy as np
import onnx
import onyxrt
import pytest

from tests.ops.op_check import check, expect_error, make_node_model, rand

REDUCE_OPS = [
    "ReduceSum",
    "ReduceMean",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceSumSquare",
]
# The opset from which each op takes its axes as an input.
AXES_INPUT_OPSET = {op: 13 if op == "ReduceSum" else 18 for op in REDUCE_OPS}
INT64 = onnx.TensorProto.INT64


def data_for(op: str, shape, dtype=np.float32, seed: int = 0) -> np.ndarray:
    x = rand(*shape, dtype=np.float64, seed=seed)
    if op == "ReduceLogSum":  # log of a sum: keep the sums positive
        x = np.abs(x) + 0.1
    if op == "ReduceProd":  # keep products of many elements near 1
        x = 1.0 + 0.1 * x
    if np.issubdtype(dtype, np.integer):
        x = np.round(x * 3)
        if np.issubdtype(dtype, np.unsignedinteger):
            x = np.abs(x)
    return x.astype(dtype)


def reduce_check(
    op: str,
    x: np.ndarray,
    axes,
    opset: int,
    keepdims: int | None = None,
    noop: int | None = None,
    threads: int = 2,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    axes_as_feed: bool = False,
):
    """axes: a list, or None for no axes at all (attribute / input absent)."""
    attrs = {}
    if keepdims is not None:
        attrs["keepdims"] = keepdims
    if noop is not None:
        attrs["noop_with_empty_axes"] = noop
    inputs = {"X": x}
    constants = ()
    if opset >= AXES_INPUT_OPSET[op]:
        if axes is not None:
            inputs["axes"] = np.array(axes, dtype=np.int64)
            constants = () if axes_as_feed else ("axes",)
    elif axes is not None:
        attrs["axes"] = axes
    return check(
        op, inputs, constants, attrs, opset=opset, threads=threads, rtol=rtol, atol=atol, reference=True
    )


def run_onyxrt(op: str, inputs: dict, constants=(), attrs: dict | None = None, opset: int = 18) -> list:
    """Where onnx.reference itself fails: onyxrt's outputs, to compare with known values."""
    model = make_node_model(op, inputs, constants, attrs, None, opset)
    feeds = {n: a for n, a in inputs.items() if n not in constants}
    return onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)


# --- axes: attribute before the input version, input from it --------------------------------------
AXES = [[1], [-1], [0, 2], [-3, -1], [2, 0, 1], None]


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("axes", AXES, ids=lambda a: "all" if a is None else str(a))
@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("when", ["attribute", "input"])
def test_axes_attribute_then_input(op, axes, keepdims, when):
    opset = AXES_INPUT_OPSET[op] if when == "input" else (11 if op == "ReduceSum" else 13)
    reduce_check(op, data_for(op, (3, 4, 5)), axes, opset, keepdims)


@pytest.mark.parametrize(
    "op,opset",
    [
        ("ReduceSum", 1),
        ("ReduceMean", 1),
        ("ReduceMax", 1),
        ("ReduceMax", 12),
        ("ReduceMin", 12),
        ("ReduceMax", 20),
        ("ReduceMin", 20),
        ("ReduceLogSum", 28),
        ("ReduceLogSumExp", 28),
    ],
)
def test_other_versions(op, opset):
    reduce_check(op, data_for(op, (2, 3, 4)), [0, -1], opset, 0)


def test_axes_fed_at_run_time():
    x = data_for("ReduceMean", (3, 4, 5))
    reduce_check("ReduceMean", x, [-1, 0], 18, keepdims=0, axes_as_feed=True)


# --- empty axes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("noop", [0, 1])
@pytest.mark.parametrize("axes", [[], None], ids=["empty_axes", "no_axes"])
def test_empty_axes_noop(op, noop, axes):
    x = data_for(op, (2, 3, 4))
    reduce_check(op, x, axes, AXES_INPUT_OPSET[op], keepdims=1, noop=noop)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax"])
def test_noop_over_extent_one_axes(op):
    # Reducing only extent-1 axes reduces nothing; keepdims=0 still drops them.
    reduce_check(op, data_for(op, (2, 1, 4, 1)), [1, -1], AXES_INPUT_OPSET[op], keepdims=0)


# --- zero-sized dims and scalars ------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the reference's mean of an empty set
@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("axes", [[1], [0], [0, 2], None], ids=lambda a: "all" if a is None else str(a))
@pytest.mark.parametrize("keepdims", [0, 1])
def test_zero_sized_dim(op, axes, keepdims):
    # axes [1] / [0, 2] / all fold the empty set (the op's identity); [0] keeps the empty dim.
    x = np.zeros((3, 0, 4), dtype=np.float32)
    reduce_check(op, x, axes, AXES_INPUT_OPSET[op], keepdims)


@pytest.mark.parametrize(
    "op,dtype",
    [
        ("ReduceMax", np.int32),
        ("ReduceMin", np.int64),
        ("ReduceMax", np.uint8),
        ("ReduceMin", np.int8),
        ("ReduceSum", np.int64),
        ("ReduceProd", np.int32),
        ("ReduceMax", np.bool_),
        ("ReduceMin", np.bool_),
    ],
)
def test_zero_sized_dim_integer_identity(op, dtype):
    reduce_check(op, np.zeros((2, 0), dtype=dtype), [1], 20, keepdims=1)


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("noop", [0, 1])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_rank0_input(op, noop, keepdims):
    x = np.array(2.5, dtype=np.float32)
    if op == "ReduceLogSumExp":  # the reference fails on rank 0 (it indexes the input with a mask)
        y = run_onyxrt(op, {"X": x}, attrs={"keepdims": keepdims, "noop_with_empty_axes": noop})[0]
        assert y.shape == () and np.isclose(y, 2.5)
        return
    reduce_check(op, x, None, AXES_INPUT_OPSET[op], keepdims, noop=noop)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax"])
def test_rank0_input_attribute_version(op):
    reduce_check(op, np.array(-1.5, dtype=np.float32), None, 11, keepdims=0)


# --- element types -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "op", ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1"]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32, np.int64, np.uint32, np.uint64])
def test_element_types(op, dtype):
    x = data_for(op, (4, 6, 5), dtype=dtype)
    rtol = 2e-3 if dtype == np.float16 else 1e-6
    reduce_check(op, x, [1, -1], AXES_INPUT_OPSET[op], keepdims=0, rtol=rtol, atol=1e-3)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
@pytest.mark.parametrize("dtype,opset", [(np.int8, 12), (np.uint8, 13), (np.int8, 18), (np.bool_, 20)])
def test_extreme_small_types(op, dtype, opset):
    x = rand(5, 7, seed=3) > 0.3 if dtype == np.bool_ else data_for(op, (5, 7), dtype=dtype, seed=3)
    reduce_check(op, x, [0], opset, keepdims=1)
    reduce_check(op, x, None, opset, keepdims=0)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
def test_extremes_propagate_nan(op):
    x = rand(3, 20)
    x[1, 7] = np.nan
    reduce_check(op, x, [1], 18, keepdims=0)


def test_log_sum_exp_large_values_and_infinities():
    x = np.array(
        [[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0], [-np.inf, 3.0, 4.0]],
        dtype=np.float32,
    )
    got = reduce_check("ReduceLogSumExp", x[:1], [1], 18, keepdims=0)
    assert np.isfinite(got[0]).all()
    # The reference makes NaN of the rows with infinities; the exact values are known.
    y = run_onyxrt("ReduceLogSumExp", {"X": x, "axes": np.array([1], np.int64)}, ("axes",), {"keepdims": 0})[
        0
    ]
    want = [1000.0 + np.log(2.0), -np.inf, np.inf, np.log(np.exp(3.0) + np.exp(4.0))]
    np.testing.assert_allclose(y, np.array(want, dtype=np.float32), rtol=1e-6)


# --- large tensors: every loop form, on several threads ---------------------------------------------
LARGE = [
    ((1 << 18,), None),  # reduce-all, contiguous: split over threads, partials merged
    ((3, 70000), [1]),  # few long runs
    ((70000, 3), [0]),  # rows form, inner 3
    ((2, 300, 700), [1]),  # rows form, inner over one column block
    ((50, 7, 40, 9), [1, 3]),  # K R K R: runs of 9 at two strides
    ((50, 7, 40, 9), [0, 2]),  # R K R K: rows of 9
    ((200000, 2), [0]),  # few outputs, many rows: split over rows
    ((64, 64, 64), [0, 1, 2]),
]


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceL2", "ReduceLogSumExp"])
@pytest.mark.parametrize("shape,axes", LARGE, ids=[f"{s}-{a}" for s, a in LARGE])
def test_large_tensors_threaded(op, shape, axes):
    x = data_for(op, shape, seed=7)
    reduce_check(op, x, axes, AXES_INPUT_OPSET[op], keepdims=0, threads=4, rtol=1e-4, atol=1e-4)


# --- ArgMax / ArgMin -----------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("opset,select_last", [(11, None), (12, 0), (12, 1), (13, 1)])
@pytest.mark.parametrize("axis,keepdims", [(0, 1), (-1, 0), (1, 1), (-2, 0)])
def test_arg_reduce_versions(op, opset, select_last, axis, keepdims):
    x = np.random.default_rng(1).integers(0, 3, size=(4, 5, 300)).astype(np.float32)  # many ties
    attrs = {"axis": axis, "keepdims": keepdims}
    if select_last is not None:
        attrs["select_last_index"] = select_last
    check(op, {"X": x}, attrs=attrs, outputs={"Y": INT64}, opset=opset, reference=True)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.float16, np.float64])
def test_arg_reduce_types(op, dtype):
    x = data_for("ReduceMax", (6, 9), dtype=dtype)
    if dtype == np.uint16:
        x = x.astype(np.uint16)
    check(
        op,
        {"X": x},
        attrs={"axis": 1, "select_last_index": 1},
        outputs={"Y": INT64},
        opset=13,
        reference=True,
    )


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("select_last", [0, 1])
def test_arg_reduce_nan(op, select_last):
    x = rand(4, 8)
    x[0, 2] = x[0, 5] = np.nan
    x[3, 0] = np.nan
    check(
        op,
        {"X": x},
        attrs={"axis": 1, "select_last_index": select_last},
        outputs={"Y": INT64},
        opset=13,
        reference=True,
    )


def test_arg_reduce_empty_outer():
    check(
        "ArgMax",
        {"X": np.zeros((0, 3), np.float32)},
        attrs={"axis": 1},
        outputs={"Y": INT64},
        opset=13,
        reference=True,
    )


# --- TopK ------------------------------------------------------------------------------------------
TOPK_OUT = {"Values": onnx.TensorProto.FLOAT, "Indices": INT64}


def ties(*shape) -> np.ndarray:
    return np.random.default_rng(2).integers(0, 4, size=shape).astype(np.float32)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_topk_1_k_attribute(axis):
    check(
        "TopK", {"X": ties(3, 10, 4)}, attrs={"k": 3, "axis": axis}, outputs=TOPK_OUT, opset=1, reference=True
    )


@pytest.mark.parametrize("opset", [10, 11])
@pytest.mark.parametrize("k", [0, 1, 4, 10])
def test_topk_k_input(opset, k):
    check(
        "TopK",
        {"X": ties(3, 10), "K": np.array([k], np.int64)},
        constants=("K",),
        attrs={"axis": -1},
        outputs=TOPK_OUT,
        opset=opset,
        reference=True,
    )


@pytest.mark.parametrize("largest", [0, 1])
@pytest.mark.parametrize("axis", [0, -2])
def test_topk_11_largest_and_ties(largest, axis):
    check(
        "TopK",
        {"X": ties(40, 300), "K": np.array([7], np.int64)},
        constants=("K",),
        attrs={"axis": axis, "largest": largest, "sorted": 1},
        outputs=TOPK_OUT,
        opset=11,
        reference=True,
    )


@pytest.mark.parametrize("largest", [0, 1])
def test_topk_nan(largest):
    x = rand(2, 9)
    x[0, [1, 4]] = np.nan
    x[1, 8] = np.nan
    check(
        "TopK",
        {"X": x, "K": np.array([9], np.int64)},
        constants=("K",),
        attrs={"largest": largest},
        outputs=TOPK_OUT,
        opset=11,
        reference=True,
    )


@pytest.mark.parametrize("dtype,opset", [(np.int32, 11), (np.uint8, 11), (np.int64, 24), (np.float64, 24)])
def test_topk_types(dtype, opset):
    x = data_for("ReduceMax", (5, 12), dtype=dtype)
    check(
        "TopK",
        {"X": x, "K": np.array([5], np.int64)},
        constants=("K",),
        attrs={"largest": 0},
        outputs={"Values": onnx.helper.np_dtype_to_tensor_dtype(x.dtype), "Indices": INT64},
        opset=opset,
        reference=True,
    )


@pytest.mark.parametrize("k", [5, -1])
def test_topk_k_out_of_range(k):
    message = expect_error(
        "TopK",
        {"X": rand(3, 4), "K": np.array([k], np.int64)},
        constants=("K",),
        opset=11,
        error="InvalidArgument",
    )
    assert f"k = {k}" in message and "size 4" in message


# --- CumSum / CumProd ------------------------------------------------------------------------------
@pytest.mark.parametrize("op,opset", [("CumSum", 11), ("CumSum", 14), ("CumProd", 26)])
@pytest.mark.parametrize("exclusive", [0, 1])
@pytest.mark.parametrize("reverse", [0, 1])
@pytest.mark.parametrize("axis", [0, -1, 1])
def test_cumulative(op, opset, exclusive, reverse, axis):
    x = data_for("ReduceProd" if op == "CumProd" else "ReduceSum", (3, 5, 300))
    check(
        op,
        {"X": x, "axis": np.array(axis, np.int32)},
        constants=("axis",),
        attrs={"exclusive": exclusive, "reverse": reverse},
        opset=opset,
        reference=True,
        rtol=1e-5,
    )


@pytest.mark.parametrize("op,opset", [("CumSum", 14), ("CumProd", 26)])
@pytest.mark.parametrize("dtype", [np.float16, np.int64, np.uint32])
def test_cumulative_types(op, opset, dtype):
    x = data_for("ReduceSum", (4, 6), dtype=dtype)
    check(
        op,
        {"X": x, "axis": np.array(1, np.int64)},
        constants=("axis",),
        opset=opset,
        reference=True,
        rtol=2e-3,
    )


# --- errors ----------------------------------------------------------------------------------------
def test_repeated_axes_attribute_fails_at_session_creation():
    message = expect_error(
        "ReduceMean", {"X": rand(2, 3)}, attrs={"axes": [1, 1]}, opset=13, error="InvalidGraph"
    )
    assert "node" in message and "twice" in message


def test_repeated_axes_input_fails_naming_the_node():
    message = expect_error(
        "ReduceSum",
        {"X": rand(2, 3), "axes": np.array([1, -1], np.int64)},
        constants=("axes",),
        opset=13,
        error="InvalidArgument",
    )
    assert "'node'" in message and "more than once" in message


@pytest.mark.parametrize("op,opset", [("ReduceSum", 13), ("ReduceMax", 11), ("ArgMax", 13), ("CumSum", 14)])
def test_axis_out_of_range(op, opset):
    inputs = {"X": rand(2, 3)}
    attrs = {}
    if op == "ReduceSum":
        inputs["axes"] = np.array([2], np.int64)
    elif op == "CumSum":
        inputs["axis"] = np.array(-3, np.int64)
    elif op == "ArgMax":
        attrs["axis"] = 2
    else:
        attrs["axes"] = [-3]
    constants = tuple(n for n in inputs if n != "X")
    message = expect_error(op, inputs, constants, attrs, opset=opset, error="InvalidArgument")
    assert "out of range" in message and "rank 2" in message
