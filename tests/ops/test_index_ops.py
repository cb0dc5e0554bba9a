"""Scatter / gather-by-index and friends: ScatterElements (11 / 16 / 18 reductions), Scatter (9),
ScatterND, GatherND (batch_dims), Einsum (ellipsis, traces, implicit output), Unique (axis, four
outputs), Det, Swish and Shrink, against onnx.reference (or numpy); out-of-range indices raise
onyxrt.InvalidArgument naming the node."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model, rand

INT64 = TensorProto.INT64


def run_onyxrt(op_type, inputs, attrs=None, outputs=None, opset=17):
    model = make_node_model(op_type, inputs, attrs=attrs, outputs=outputs, opset=opset)
    return onyxrt.InferenceSession(model.SerializeToString()).run(None, inputs)


# ---- ScatterElements / Scatter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opset", "reduction"),
    [(11, None), (13, None), (16, "none"), (16, "add"), (16, "mul"), (18, "max"), (18, "min"), (18, "add")],
)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_scatter_elements(opset, reduction, axis):
    data = rand(4, 5, 3)
    rng = np.random.default_rng(1)
    shape = [3, 4, 2]
    dim = data.shape[axis]
    indices = rng.integers(-dim, dim, size=shape).astype(np.int64)
    if reduction in (None, "none"):  # duplicates would make the result order-dependent
        indices = np.broadcast_to(
            np.arange(shape[axis]).reshape([-1 if d == axis % 3 else 1 for d in range(3)]), shape
        )
        indices = np.ascontiguousarray(indices - dim * (indices % 2)).astype(np.int64)  # some negative
    attrs = {"axis": axis}
    if reduction is not None:
        attrs["reduction"] = reduction
    check(
        "ScatterElements",
        {"data": data, "indices": indices, "updates": rand(*shape, seed=2)},
        attrs=attrs,
        opset=opset,
        reference=True,
    )


def test_scatter_elements_int_and_string():
    data = np.arange(12, dtype=np.int32).reshape(3, 4)
    indices = np.array([[2, 0, 1, 2]], dtype=np.int64)
    check(
        "ScatterElements",
        {"data": data, "indices": indices, "updates": -np.ones((1, 4), np.int32)},
        attrs={"reduction": "mul"},
        opset=18,
        reference=True,
    )
    strings = {
        "data": np.array([["a", "b"], ["c", "d"]], dtype=object),
        "indices": np.array([[1, 0]], np.int64),
        "updates": np.array([["x", "y"]], dtype=object),
    }
    assert run_onyxrt("ScatterElements", strings, opset=13)[0].tolist() == [["a", "y"], ["x", "d"]]


def test_scatter_deprecated_alias():
    data = rand(3, 3)
    indices = np.array([[1, 0, 2], [0, 2, 1]], np.int64)
    updates = rand(2, 3, seed=3)
    got = run_onyxrt(
        "Scatter", {"data": data, "indices": indices, "updates": updates}, attrs={"axis": 0}, opset=9
    )
    want = data.copy()
    np.put_along_axis(want, indices, updates, axis=0)
    np.testing.assert_array_equal(got[0], want)


def test_scatter_elements_out_of_range():
    msg = expect_error(
        "ScatterElements",
        {"data": rand(3, 3), "indices": np.array([[0, 3]], np.int64), "updates": rand(1, 2)},
        opset=13,
        error="InvalidArgument",
    )
    assert "'node'" in msg and "3" in msg
    expect_error(
        "ScatterElements",
        {"data": rand(3, 3), "indices": np.array([[-4]], np.int64), "updates": rand(1, 1)},
        opset=18,
        match="-4",
        error="InvalidArgument",
    )


def test_scatter_elements_bad_reduction():
    expect_error(
        "ScatterElements",
        {"data": rand(3), "indices": np.array([0], np.int64), "updates": rand(1)},
        attrs={"reduction": "max"},
        opset=16,
        match="reduction",
        error="InvalidGraph",
    )


# ---- ScatterND ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opset", "reduction"), [(11, None), (16, "add"), (16, "mul"), (18, "max"), (18, "min")]
)
def test_scatternd(opset, reduction):
    data = rand(4, 3, 2)
    indices = np.array([[[0, 1]], [[3, 2]], [[-1, 0]]], np.int64)  # [3, 1, 2]: slices of [2]
    attrs = {} if reduction is None else {"reduction": reduction}
    check(
        "ScatterND",
        {"data": data, "indices": indices, "updates": rand(3, 1, 2, seed=5)},
        attrs=attrs,
        opset=opset,
        reference=True,
    )


def test_scatternd_out_of_range():
    expect_error(
        "ScatterND",
        {"data": rand(4, 3), "indices": np.array([[1, 3]], np.int64), "updates": rand(1)},
        opset=13,
        match="'node'",
        error="InvalidArgument",
    )


# ---- GatherND -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "ishape", "batch_dims"),
    [
        ((4, 3, 2), (5, 2), 0),
        ((4, 3, 2), (5, 1), 0),
        ((4, 3, 2), (4, 2, 1), 1),
        ((2, 3, 4, 5), (2, 3, 6, 1), 2),
        ((2, 3, 4), (2, 7, 2), 1),
    ],
)
def test_gathernd(shape, ishape, batch_dims):
    rng = np.random.default_rng(4)
    data = rand(*shape)
    k = ishape[-1]
    dims = np.array(shape[batch_dims : batch_dims + k])
    indices = (rng.integers(0, 1 << 30, size=ishape) % dims) - dims * rng.integers(0, 2, size=ishape)
    check(
        "GatherND",
        {"data": data, "indices": indices.astype(np.int64)},
        attrs={"batch_dims": batch_dims},
        opset=13,
        reference=True,
    )


def test_gathernd_out_of_range():
    msg = expect_error(
        "GatherND",
        {"data": rand(3, 3), "indices": np.array([[0, 5]], np.int64)},
        opset=13,
        error="InvalidArgument",
    )
    assert "'node'" in msg and "5" in msg


# ---- Einsum -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("ij,jk->ik", [(3, 4), (4, 5)]),
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("...ij,...jk->...ik", [(2, 1, 3, 4), (3, 4, 5)]),
        ("ii->i", [(4, 4)]),
        ("ii", [(4, 4)]),  # trace, implicit output
        ("bii->b", [(3, 4, 4)]),
        ("ij->ji", [(3, 4)]),
        ("ij", [(3, 4)]),
        ("ji", [(3, 4)]),  # implicit output is alphabetical: a transpose
        ("i,i", [(5,), (5,)]),
        ("i,j->ij", [(3,), (4,)]),
        ("...i->...", [(2, 3, 4)]),
        ("i...->...i", [(2, 3, 4)]),
        ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
        ("iij->j", [(3, 3, 2)]),
        ("Ab,bC->AC", [(2, 3), (3, 4)]),
        ("->", [()]),
        ("kbj,bik->jbi", [(4, 2, 5), (2, 3, 4)]),  # permuted batch / M / N / K labels: the GEMM path
        ("ij,kj->ik", [(3, 4), (5, 4)]),
        ("bhqd,bhkd->bhqk", [(2, 3, 4, 8), (2, 3, 5, 8)]),
        ("ab,cd->abcd", [(2, 3), (4, 5)]),
    ],
)
def test_einsum(equation, shapes):
    inputs = {f"x{n}": rand(*s, seed=n) for n, s in enumerate(shapes)}
    got = check("Einsum", inputs, attrs={"equation": equation}, opset=12, reference=True)
    np.testing.assert_allclose(got[0], np.einsum(equation, *inputs.values()), rtol=1e-4, atol=1e-5)


def test_einsum_int_and_double():
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    check("Einsum", {"a": a, "b": a.T.copy()}, attrs={"equation": "ij,jk->ik"}, opset=12, reference=True)
    check("Einsum", {"a": rand(2, 3, dtype=np.float64)}, attrs={"equation": "ij->"}, opset=12, reference=True)


def test_einsum_bad_equation():
    expect_error("Einsum", {"a": rand(2, 3)}, attrs={"equation": "i#->i"}, opset=12, error="InvalidGraph")
    expect_error(
        "Einsum",
        {"a": rand(2, 3), "b": rand(4, 5)},
        attrs={"equation": "ij,jk->ik"},
        opset=12,
        match="'node'",
        error="InvalidArgument",
    )


# ---- Unique -------------------------------------------------------------------------------------

UNIQUE_OUTPUTS = {"Y": TensorProto.FLOAT, "indices": INT64, "inverse": INT64, "counts": INT64}


@pytest.mark.parametrize("sorted_", [0, 1])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_unique(sorted_, axis):
    x = np.array([[1, 2, 1, 2], [3, 0, 3, 0], [1, 2, 1, 2]], np.float32)
    attrs = {"sorted": sorted_}
    if axis is not None:
        attrs["axis"] = axis
    if sorted_:
        check("Unique", {"X": x}, attrs=attrs, outputs=UNIQUE_OUTPUTS, opset=11, reference=True)
        return
    # onnx.reference mishandles sorted=0 (it takes along axis 0 of the unflattened input): numpy.
    _y, first, inverse, counts = np.unique(x, True, True, True, axis=axis)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    want = [
        np.take(x, first[order], axis=0 if axis is None else axis)
        if axis is not None
        else x.reshape(-1)[first[order]],
        first[order],
        rank[inverse.reshape(-1)],
        counts[order],
    ]
    got = run_onyxrt("Unique", {"X": x}, attrs=attrs, outputs=UNIQUE_OUTPUTS, opset=11)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_unique_int_3d_axis():
    x = np.random.default_rng(0).integers(0, 2, size=(2, 5, 3)).astype(np.int32)
    outputs = dict(UNIQUE_OUTPUTS, Y=TensorProto.INT32)
    check("Unique", {"X": x}, attrs={"axis": 1}, outputs=outputs, opset=11, reference=True)


def test_unique_nan():
    x = np.array([2.0, np.nan, 1.0, np.nan, 2.0], np.float32)
    got = run_onyxrt("Unique", {"X": x}, outputs=UNIQUE_OUTPUTS, opset=11)
    np.testing.assert_array_equal(got[0], [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(got[1], [2, 0, 1])
    np.testing.assert_array_equal(got[2], [1, 2, 0, 2, 1])
    np.testing.assert_array_equal(got[3], [1, 2, 2])


# ---- Det, Swish, Shrink -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (2, 0, 0)])
def test_det(shape):
    x = rand(*shape, dtype=np.float64)
    got = check("Det", {"X": x}, opset=11, reference=True)
    np.testing.assert_allclose(got[0], np.linalg.det(x), rtol=1e-10, atol=1e-12)


def test_det_singular():
    got = check("Det", {"X": np.array([[1, 2], [2, 4]], np.float32)}, opset=11, reference=True)
    assert got[0] == 0


def test_swish_and_shrink():
    x = rand(3, 7)
    got = check("Swish", {"X": x}, attrs={"alpha": 0.5}, opset=24, reference=True)
    np.testing.assert_allclose(got[0], x / (1 + np.exp(-0.5 * x)), rtol=1e-5, atol=1e-6)
    check("Shrink", {"X": x}, attrs={"lambd": 0.3, "bias": 0.1}, opset=9, reference=True)
    check(
        "Shrink",
        {"X": np.arange(-5, 6, dtype=np.int32)},
        attrs={"lambd": 1.5, "bias": 1.0},
        opset=9,
        reference=True,
    )
