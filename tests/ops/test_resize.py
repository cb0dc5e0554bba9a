"""Resize (10, 11, 13, 18, 19) and Upsample (7, 9) against onnx.reference, and onnxruntime where
the reference lacks a version (Resize-10, Upsample with fractional scales or linear mode) or a mode
(tf_half_pixel_for_nn): every mode x coordinate transformation, nearest modes, cubic_coeff_a,
exclude_outside, antialias, axes, keep_aspect_ratio_policy, scales or sizes with omitted / empty
optional inputs, 1-D to 5-D inputs, integer / 16-bit / string element types, empty outputs, and
the errors for bad scales, sizes, roi and attributes."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import onyxrt

COORDINATE_MODES = [
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
]


def resize_model(x, opset=19, attrs=None, roi=None, scales=None, sizes=None, op="Resize", omit_empty=True):
    """A one-node model with X as the only feed; roi / scales / sizes are initializers. With
    omit_empty, an absent optional input gets an empty name (opset 13+), otherwise an empty tensor."""
    names, inits = ["X"], []
    if op == "Upsample" or opset < 11:
        slots = [("scales", scales)]
    else:
        slots = [("roi", roi), ("scales", scales), ("sizes", sizes)]
    for name, value in slots:
        if value is None and (omit_empty or name == "sizes"):
            names.append("")
            continue
        value = np.zeros(0, np.float32) if value is None else value
        names.append(name)
        inits.append(numpy_helper.from_array(value, name))
    while names and names[-1] == "":
        names.pop()
    node = helper.make_node(op, names, ["Y"], name="node", **(attrs or {}))
    elem = helper.np_dtype_to_tensor_dtype(x.dtype)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", elem, x.shape)],
        [helper.make_tensor_value_info("Y", elem, None)],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def run_onyxrt(model, x, threads=2):
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(model.SerializeToString(), options).run(None, {"X": x})[0]


def expected(model, x, source):
    if source == "reference":
        return ReferenceEvaluator(model).run(None, {"X": x})[0]
    sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x})[0]


def check_resize(x, source="reference", rtol=1e-4, atol=1e-5, threads=2, oracle_axes=None, **kwargs):
    """oracle_axes: the axes attribute the oracle gets (onnx.reference refuses negative axes)."""
    model = resize_model(x, **kwargs)
    if oracle_axes is not None:
        kwargs = {**kwargs, "attrs": {**kwargs["attrs"], "axes": oracle_axes}}
    want = np.asarray(expected(resize_model(x, **kwargs), x, source))
    got = run_onyxrt(model, x, threads)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind in "iubUO":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol)
    return got


def expect_resize_error(x, error, match, **kwargs):
    model = resize_model(x, **kwargs)
    with pytest.raises(error, match=match):
        run_onyxrt(model, x)


def rand(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def f32(*values):
    return np.array(values, dtype=np.float32)


def i64(*values):
    return np.array(values, dtype=np.int64)


# ---- every mode x coordinate transformation (opset 19) ----


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("coordinate", COORDINATE_MODES)
@pytest.mark.parametrize("scales", [(1, 1, 2.0, 1.5), (1, 1, 0.6, 0.8), (1, 1, 1.7, 0.45)])
def test_modes_and_coordinates_scales(mode, coordinate, scales):
    x = rand(2, 3, 5, 6)
    roi = f32(0, 0, 0.1, 0.3, 1, 1, 0.8, 1.2) if coordinate == "tf_crop_and_resize" else None
    attrs = {"mode": mode, "coordinate_transformation_mode": coordinate, "extrapolation_value": -7.0}
    check_resize(x, attrs=attrs, roi=roi, scales=f32(*scales))


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("coordinate", COORDINATE_MODES)
@pytest.mark.parametrize("sizes", [(2, 3, 9, 4), (2, 3, 1, 1), (2, 3, 3, 11)])
def test_modes_and_coordinates_sizes(mode, coordinate, sizes):
    x = rand(2, 3, 5, 6, seed=1)
    roi = f32(0, 0, 0.25, -0.2, 1, 1, 0.75, 0.9) if coordinate == "tf_crop_and_resize" else None
    attrs = {"mode": mode, "coordinate_transformation_mode": coordinate}
    if coordinate == "pytorch_half_pixel" and mode == "cubic" and 1 in sizes:
        # onnx.reference samples x = -0.5 for a length-1 output; the operator text and
        # onnxruntime sample x = 0.
        check_resize(x, source="onnxruntime", attrs=attrs, roi=roi, sizes=i64(*sizes))
        return
    check_resize(x, attrs=attrs, roi=roi, sizes=i64(*sizes))


@pytest.mark.parametrize("nearest_mode", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
@pytest.mark.parametrize("coordinate", ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"])
@pytest.mark.parametrize("sizes", [(1, 2, 8, 12), (1, 2, 3, 5), (1, 2, 7, 2)])
def test_nearest_modes(nearest_mode, coordinate, sizes):
    x = rand(1, 2, 4, 6)
    attrs = {"mode": "nearest", "nearest_mode": nearest_mode, "coordinate_transformation_mode": coordinate}
    check_resize(x, attrs=attrs, sizes=i64(*sizes))
    check_resize(x, attrs=attrs, sizes=i64(*sizes), source="onnxruntime")


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("nearest_mode", ["round_prefer_floor", "floor", "ceil"])
def test_tf_half_pixel_for_nn(opset, nearest_mode):
    # Not in onnx.reference; onnxruntime defines it: x = (y + 0.5) / scale.
    x = rand(1, 1, 5, 7)
    attrs = {
        "mode": "nearest",
        "coordinate_transformation_mode": "tf_half_pixel_for_nn",
        "nearest_mode": nearest_mode,
    }
    # Scales that put no coordinate on an exact tie: onnxruntime computes them in float32.
    check_resize(
        x, source="onnxruntime", opset=opset, attrs=attrs, scales=f32(1, 1, 1.6, 0.65), omit_empty=False
    )


@pytest.mark.parametrize("a", [-0.5, -0.75, -1.2])
@pytest.mark.parametrize("exclude_outside", [0, 1])
@pytest.mark.parametrize("coordinate", ["half_pixel", "align_corners", "asymmetric"])
def test_cubic_coeff_and_exclude_outside(a, exclude_outside, coordinate):
    attrs = {
        "mode": "cubic",
        "cubic_coeff_a": a,
        "exclude_outside": exclude_outside,
        "coordinate_transformation_mode": coordinate,
    }
    x = rand(1, 2, 6, 5)
    check_resize(x, attrs=attrs, scales=f32(1, 1, 1.8, 0.7))
    check_resize(x, attrs=attrs, scales=f32(1, 1, 0.5, 2.5))


def test_linear_exclude_outside():
    attrs = {"mode": "linear", "exclude_outside": 1, "coordinate_transformation_mode": "half_pixel"}
    check_resize(rand(1, 1, 4, 5), attrs=attrs, scales=f32(1, 1, 2.3, 0.6))


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("exclude_outside", [0, 1])
@pytest.mark.parametrize(
    "scales,sizes",
    [((1, 1, 0.5, 0.6), None), ((1, 1, 0.3, 0.25), None), ((1, 1, 0.7, 2.0), None), (None, (1, 1, 3, 2))],
)
def test_antialias(mode, exclude_outside, scales, sizes):
    attrs = {"mode": mode, "antialias": 1, "exclude_outside": exclude_outside}
    x = rand(1, 1, 9, 8)
    check_resize(
        x,
        attrs=attrs,
        scales=None if scales is None else f32(*scales),
        sizes=None if sizes is None else i64(*sizes),
    )


def test_antialias_3d_and_align_corners():
    attrs = {"mode": "linear", "antialias": 1, "coordinate_transformation_mode": "align_corners"}
    check_resize(rand(6, 7, 9), attrs=attrs, scales=f32(0.5, 0.4, 0.8))


# ---- axes and keep_aspect_ratio_policy (18) ----


@pytest.mark.parametrize("axes", [[2, 3], [3, 2], [-1, -2], [1]])
@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_axes(axes, mode):
    x = rand(2, 3, 4, 5)
    n = len(axes)
    scales = f32(*[1.5, 0.6][:n]) if n == 2 else f32(2.5)
    positive = [a % 4 for a in axes]
    check_resize(x, opset=18, attrs={"mode": mode, "axes": axes}, scales=scales, oracle_axes=positive)
    sizes = i64(*[7, 3][:n]) if n == 2 else i64(1)
    check_resize(x, opset=18, attrs={"mode": mode, "axes": axes}, sizes=sizes, oracle_axes=positive)


@pytest.mark.parametrize("axes", [[2, 3], [3, 1]])
def test_axes_tf_crop_and_resize(axes):
    attrs = {"mode": "linear", "axes": axes, "coordinate_transformation_mode": "tf_crop_and_resize"}
    check_resize(rand(1, 3, 4, 5), opset=18, attrs=attrs, roi=f32(0.2, 0.1, 0.9, 1.3), sizes=i64(3, 4))


@pytest.mark.parametrize("policy", ["stretch", "not_larger", "not_smaller"])
@pytest.mark.parametrize(
    "sizes,axes", [((7, 9), [2, 3]), ((2, 9), [3, 2]), ((1, 3, 5, 4), None), ((3,), [-1])]
)
def test_keep_aspect_ratio_policy(policy, sizes, axes):
    attrs = {"mode": "nearest", "keep_aspect_ratio_policy": policy}
    if axes is not None:
        attrs["axes"] = axes
    positive = None if axes is None else [a % 4 for a in axes]
    check_resize(rand(1, 3, 4, 6), opset=18, attrs=attrs, sizes=i64(*sizes), oracle_axes=positive)


# ---- the signatures of each version ----


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [(1, 1, 2, 3), (1, 1, 0.6, 0.7), (1, 1, 1.5, 1.7), (1, 2, 0.5, 1)])
def test_resize_10(mode, scales):
    # onnx.reference has no Resize-10; onnxruntime: asymmetric, nearest ceils when shrinking.
    x = rand(1, 2, 4, 5)
    if mode == "linear" and scales[:2] != (1, 1):
        # onnxruntime's linear kernel wants the outer scales at 1; Resize-10 linear is Resize-19
        # linear with asymmetric coordinates, which onnx.reference runs on any layout.
        got = run_onyxrt(resize_model(x, opset=10, attrs={"mode": mode}, scales=f32(*scales)), x)
        np.testing.assert_allclose(got, asymmetric_reference(x, mode, f32(*scales)), rtol=1e-5, atol=1e-6)
        return
    check_resize(x, source="onnxruntime", opset=10, attrs={"mode": mode}, scales=f32(*scales))


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_resize_11_empty_scales_with_sizes(mode):
    # 11: roi and scales are required inputs; empty tensors stand for "not given".
    x = rand(1, 2, 4, 5)
    attrs = {"mode": mode}
    check_resize(x, opset=11, attrs=attrs, sizes=i64(1, 2, 7, 3), omit_empty=False)
    check_resize(x, opset=11, attrs=attrs, sizes=i64(1, 2, 7, 3), omit_empty=False, source="onnxruntime")
    check_resize(x, opset=11, attrs=attrs, scales=f32(1, 1, 1.5, 0.5), omit_empty=False)


@pytest.mark.parametrize("opset", [13, 18, 19])
@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_resize_13_omitted_inputs(opset, mode):
    # 13+: roi and scales may be empty names.
    x = rand(2, 1, 5, 4)
    check_resize(x, opset=opset, attrs={"mode": mode}, sizes=i64(2, 1, 3, 9))
    check_resize(x, opset=opset, attrs={"mode": mode}, scales=f32(1, 1, 0.8, 2))
    check_resize(x, opset=opset, attrs={"mode": mode}, scales=f32(1, 1, 0.8, 2), omit_empty=False)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [(1, 1, 2, 2), (1, 1, 2, 3), (1, 1, 1.5, 2.7), (2, 1, 1, 1.3)])
def test_upsample_7_and_9(mode, scales):
    x = rand(2, 2, 3, 4)
    if mode == "linear" and scales[:2] != (1, 1):  # a layout onnxruntime's linear kernel refuses
        want = asymmetric_reference(x, mode, f32(*scales))
        got = run_onyxrt(
            resize_model(
                x, op="Upsample", opset=7, attrs={"mode": mode, "scales": [float(s) for s in scales]}
            ),
            x,
        )
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        got = run_onyxrt(
            resize_model(x, op="Upsample", opset=9, attrs={"mode": mode}, scales=f32(*scales)), x
        )
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        return
    check_resize(
        x,
        source="onnxruntime",
        op="Upsample",
        opset=7,
        attrs={"mode": mode, "scales": [float(s) for s in scales]},
    )
    check_resize(x, source="onnxruntime", op="Upsample", opset=9, attrs={"mode": mode}, scales=f32(*scales))


def asymmetric_reference(x, mode, scales):
    """Resize-19 with asymmetric coordinates and floor, which onnx.reference runs on any rank and
    layout: Upsample (scales >= 1), and Resize-10 in linear mode."""
    attrs = {"mode": mode, "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    return ReferenceEvaluator(resize_model(x, attrs=attrs, scales=scales)).run(None, {"X": x})[0]


def test_upsample_nearest_reference_and_later_opset():
    x = rand(1, 3, 2, 3)
    check_resize(x, op="Upsample", opset=9, attrs={"mode": "nearest"}, scales=f32(1, 2, 3, 2))
    # Deprecated at 10; the opset-9 kernel still serves it, as onnx.reference does.
    check_resize(x, op="Upsample", opset=10, attrs={"mode": "nearest"}, scales=f32(1, 1, 2, 2))


@pytest.mark.parametrize("shape", [(5,), (3, 4, 5), (2, 3, 4, 3, 5)])
@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_upsample_nd(shape, mode):
    x = rand(*shape)
    scales = f32(*([2.0, 1.5, 1.0, 3.0, 1.2][: len(shape)]))
    got = run_onyxrt(resize_model(x, op="Upsample", opset=9, attrs={"mode": mode}, scales=scales), x)
    np.testing.assert_allclose(got, asymmetric_reference(x, mode, scales), rtol=1e-5, atol=1e-6)
    if mode == "nearest":
        check_resize(x, source="onnxruntime", op="Upsample", opset=9, attrs={"mode": mode}, scales=scales)


# ---- ranks, types, shapes ----


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize(
    "shape,scales",
    [
        ((7,), (1.6,)),
        ((3, 4, 5), (1, 1.5, 0.6)),
        ((2, 3, 4, 3, 5), (1, 0.7, 1.5, 2, 0.5)),
        ((6, 5), (0.5, 2.2)),
    ],
)
def test_ranks(mode, shape, scales):
    check_resize(rand(*shape), attrs={"mode": mode}, scales=f32(*scales))


def test_many_planes_threads():
    x = rand(4, 16, 24, 20)
    for mode in ("nearest", "linear", "cubic"):
        check_resize(x, attrs={"mode": mode}, scales=f32(1, 1, 1.5, 0.75), threads=4)
        check_resize(x, attrs={"mode": mode}, scales=f32(1, 0.5, 2, 1), threads=4)


@pytest.mark.parametrize(
    "dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64, np.uint64, np.bool_]
)
@pytest.mark.parametrize("opset", [10, 11, 13, 19])
def test_nearest_integer_types_exact(dtype, opset):
    info = np.iinfo(dtype) if dtype != np.bool_ else None
    rng = np.random.default_rng(3)
    if info is None:
        x = rng.integers(0, 2, (1, 2, 3, 4)).astype(np.bool_)
    else:
        x = rng.integers(info.min, info.max, (1, 2, 3, 4), dtype=dtype, endpoint=True)
    scales = f32(1, 1, 2.5, 0.8)
    kwargs = {"opset": opset, "attrs": {"mode": "nearest"}, "scales": scales, "omit_empty": opset >= 13}
    got = run_onyxrt(resize_model(x, **kwargs), x)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, x.reshape(-1)[source_positions(x.shape, **kwargs)])
    if opset >= 11 and dtype in (np.int8, np.uint8, np.int32):
        check_resize(x, source="onnxruntime", **kwargs)


def source_positions(shape, **kwargs):
    """The flat input position each nearest output reads, from the oracle run on float indices."""
    idx = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    source = "onnxruntime" if kwargs.get("opset", 19) < 11 else "reference"
    return np.asarray(expected(resize_model(idx, **kwargs), idx, source)).astype(np.int64)


def test_nearest_string_and_extrapolated_integers():
    x = np.array([["a", "bb", "ccc"], ["d", "ee", "f"]], dtype=object)
    for attrs in ({"mode": "nearest"}, {"mode": "nearest", "nearest_mode": "ceil"}):
        got = run_onyxrt(resize_model(x, attrs=attrs, scales=f32(2, 1.4)), x)
        want = x.reshape(-1)[source_positions(x.shape, attrs=attrs, scales=f32(2, 1.4))]
        assert got.shape == (4, 4)
        assert got.tolist() == want.tolist()
    # tf_crop_and_resize fills with extrapolation_value, saturated into the element type.
    x = np.arange(16, dtype=np.uint8).reshape(1, 1, 4, 4)
    attrs = {
        "mode": "nearest",
        "coordinate_transformation_mode": "tf_crop_and_resize",
        "extrapolation_value": 300.0,
    }
    got = check_resize(x, attrs=attrs, roi=f32(0, 0, -0.5, 0.2, 1, 1, 0.5, 1.5), sizes=i64(1, 1, 3, 3))
    assert got.max() == 255


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int32, np.int64, np.uint16])
@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_filtered_integer_types_round_half_even(dtype, mode):
    # onnx.reference rounds half to even and saturates; onnxruntime truncates (and has no cubic
    # kernel for integers), so the reference is the oracle here. Its cubic weights are float32
    # (cubic_coeff_a arrives as np.float32), too coarse for exact results next to 2^31.
    info = np.iinfo(dtype)
    rng = np.random.default_rng(5)
    lo, hi = max(info.min, -1000), min(info.max, 1000)
    x = rng.integers(lo, hi, (1, 2, 4, 5), dtype=dtype, endpoint=True)
    if info.bits <= (16 if mode == "cubic" else 32):  # int64 extremes do not survive float64
        x.reshape(-1)[:2] = (info.min, info.max)
    check_resize(x, attrs={"mode": mode}, scales=f32(1, 1, 1.7, 0.6))
    check_resize(
        x, attrs={"mode": mode, "coordinate_transformation_mode": "align_corners"}, sizes=i64(1, 2, 7, 3)
    )


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_float_types(dtype, mode):
    # onnx.reference's cubic weights are float32, its linear ones float64.
    tol = {"rtol": 1e-2, "atol": 1e-2} if dtype == np.float16 else {"rtol": 1e-10, "atol": 1e-12}
    if dtype == np.float64 and mode == "cubic":
        tol = {"rtol": 1e-5, "atol": 1e-6}
    check_resize(rand(2, 3, 5, 4, dtype=dtype), attrs={"mode": mode}, scales=f32(1, 1, 1.4, 0.6), **tol)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_bfloat16(mode):
    # onnx.reference has no bfloat16 numpy type: compare with the float result on the same values.
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = rand(1, 2, 4, 6).astype(ml_dtypes.bfloat16)
    kwargs = {"attrs": {"mode": mode}, "scales": f32(1, 1, 2, 0.5)}
    got = run_onyxrt(resize_model(x, **kwargs), x)
    assert got.dtype == ml_dtypes.bfloat16
    want = check_resize(x.astype(np.float32), **kwargs)
    np.testing.assert_allclose(got.astype(np.float32), want, rtol=1e-2, atol=1e-2)
    with pytest.raises(onyxrt.NotImplemented, match="bfloat16"):  # bfloat16 joined at 13
        run_onyxrt(resize_model(x, opset=11, omit_empty=False, **kwargs), x)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_empty_outputs(mode):
    # An empty input axis, a scale that floors to 0, and sizes of 0.
    check_resize(np.zeros((2, 0, 3), np.float32), attrs={"mode": mode}, scales=f32(1, 2, 2))
    check_resize(rand(2, 3, 4), attrs={"mode": mode}, scales=f32(1, 0.2, 1.5))
    check_resize(rand(2, 3, 4), attrs={"mode": mode}, sizes=i64(2, 0, 5))


def test_identity_is_exact():
    x = rand(1, 2, 5, 5)
    for mode in ("linear", "cubic"):
        model = resize_model(x, attrs={"mode": mode}, scales=f32(1, 1, 1, 1))
        np.testing.assert_array_equal(run_onyxrt(model, x), x)


def test_runtime_scales_feed():
    # scales from a feed rather than an initializer.
    x = rand(1, 1, 3, 4)
    node = helper.make_node("Resize", ["X", "", "S"], ["Y"], mode="linear")
    graph = helper.make_graph(
        [node],
        "g",
        [
            helper.make_tensor_value_info("X", 1, x.shape),
            helper.make_tensor_value_info("S", 1, [4]),
        ],
        [helper.make_tensor_value_info("Y", 1, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)], ir_version=8)
    for s in (f32(1, 1, 2, 2), f32(1, 1, 0.5, 1.5)):
        want = ReferenceEvaluator(model).run(None, {"X": x, "S": s})[0]
        got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x, "S": s})[0]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# ---- errors ----


def test_error_scales_and_sizes():
    x = rand(1, 1, 2, 2)
    expect_resize_error(
        x, onyxrt.InvalidArgument, "both given", scales=f32(1, 1, 2, 2), sizes=i64(1, 1, 4, 4)
    )
    expect_resize_error(x, onyxrt.InvalidArgument, "must be given", attrs={"mode": "linear"})
    expect_resize_error(x, onyxrt.InvalidArgument, "must be given", opset=11, omit_empty=False)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_error_bad_scale_values(bad):
    expect_resize_error(
        rand(1, 1, 2, 2), onyxrt.InvalidArgument, "positive and finite", scales=f32(1, 1, bad, 2)
    )


def test_error_counts():
    x = rand(1, 1, 2, 2)
    expect_resize_error(x, onyxrt.InvalidArgument, "'scales' has 3 values, expected 4", scales=f32(1, 2, 2))
    expect_resize_error(x, onyxrt.InvalidArgument, "'sizes' has 2 values, expected 4", sizes=i64(3, 3))
    expect_resize_error(
        x,
        onyxrt.InvalidArgument,
        "one per entry of 'axes'",
        opset=18,
        attrs={"axes": [2, 3]},
        sizes=i64(1, 3, 3),
    )
    expect_resize_error(x, onyxrt.InvalidArgument, "negative", sizes=i64(1, 1, -3, 3))
    expect_resize_error(
        np.zeros((1, 0, 2), np.float32), onyxrt.InvalidArgument, "empty in X", sizes=i64(1, 2, 2)
    )
    expect_resize_error(np.float32(3.0).reshape(()), onyxrt.InvalidArgument, "scalar", scales=f32(2))


def test_error_roi():
    x = rand(1, 1, 3, 3)
    attrs = {"coordinate_transformation_mode": "tf_crop_and_resize"}
    expect_resize_error(
        x, onyxrt.InvalidArgument, "needs the 'roi' input", attrs=attrs, sizes=i64(1, 1, 2, 2)
    )
    expect_resize_error(
        x,
        onyxrt.InvalidArgument,
        "'roi' has 4 values, expected 8",
        attrs=attrs,
        roi=f32(0, 0, 1, 1),
        sizes=i64(1, 1, 2, 2),
    )


def test_error_axes():
    x = rand(1, 1, 3, 3)
    expect_resize_error(
        x, onyxrt.InvalidArgument, "out of range", opset=18, attrs={"axes": [4]}, scales=f32(2)
    )
    expect_resize_error(
        x, onyxrt.InvalidArgument, "repeated", opset=18, attrs={"axes": [2, -2]}, scales=f32(2, 2)
    )


def test_error_huge_scale_is_refused():
    x = rand(1, 1, 4, 4)
    expect_resize_error(x, onyxrt.InvalidArgument, "too large", scales=f32(1, 1, 1e30, 1))
    expect_resize_error(x, onyxrt.InvalidArgument, "too large", scales=f32(1, 1, 1e9, 1e9))
    expect_resize_error(x, onyxrt.InvalidArgument, "too large", sizes=i64(1, 1, 2**40, 2**40))


@pytest.mark.parametrize(
    "opset,attrs,match",
    [
        (19, {"mode": "bicubic"}, "attribute 'mode' is 'bicubic'"),
        (10, {"mode": "cubic"}, "cubic needs opset 11"),
        (19, {"coordinate_transformation_mode": "corners"}, "'coordinate_transformation_mode' is 'corners'"),
        (18, {"coordinate_transformation_mode": "half_pixel_symmetric"}, "needs opset 19"),
        (19, {"nearest_mode": "nearest"}, "'nearest_mode' is 'nearest'"),
        (19, {"keep_aspect_ratio_policy": "fit"}, "'keep_aspect_ratio_policy' is 'fit'"),
        (19, {"mode": "nearest", "antialias": 1}, "antialias"),
        (13, {"mode": "linear", "antialias": 1}, "'antialias' needs opset 18"),
        (13, {"axes": [2, 3]}, "'axes' needs opset 18"),
        (10, {"coordinate_transformation_mode": "half_pixel"}, "needs opset 11"),
    ],
)
def test_error_attributes(opset, attrs, match):
    expect_resize_error(
        rand(1, 1, 2, 2), onyxrt.InvalidGraph, match, opset=opset, attrs=attrs, scales=f32(1, 1, 2, 2)
    )


def test_error_filtered_modes_need_numbers():
    x = np.array([["a", "b"]], dtype=object)
    expect_resize_error(
        x, onyxrt.InvalidArgument, "needs a numeric input", attrs={"mode": "linear"}, scales=f32(1, 2)
    )
    b = np.array([[True, False]])
    expect_resize_error(
        b, onyxrt.InvalidArgument, "needs a numeric input", attrs={"mode": "cubic"}, scales=f32(1, 2)
    )
    attrs = {"mode": "nearest", "coordinate_transformation_mode": "tf_crop_and_resize"}
    expect_resize_error(
        x, onyxrt.InvalidArgument, "string input", attrs=attrs, roi=f32(0, 0, 1, 2), sizes=i64(1, 3)
    )


def test_error_upsample():
    x = rand(1, 1, 2, 2)
    expect_resize_error(x, onyxrt.InvalidArgument, ">= 1", op="Upsample", opset=9, scales=f32(1, 1, 0.5, 2))
    expect_resize_error(x, onyxrt.InvalidArgument, "one per axis", op="Upsample", opset=9, scales=f32(2, 2))
    expect_resize_error(
        x, onyxrt.InvalidGraph, ">= 1", op="Upsample", opset=7, attrs={"scales": [1.0, 1.0, 0.5, 2.0]}
    )
    expect_resize_error(x, onyxrt.InvalidGraph, "'scales' is missing", op="Upsample", opset=7)
    expect_resize_error(
        x,
        onyxrt.InvalidGraph,
        "expected 'nearest' or 'linear'",
        op="Upsample",
        opset=9,
        attrs={"mode": "cubic"},
        scales=f32(1, 1, 2, 2),
    )
