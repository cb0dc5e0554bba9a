"""The ai.onnx.ml operators (all but the tree ensembles) at every ml opset onnx defines: single-node
models built with onnx.helper, run by onyxrt and by onnxruntime on the same feeds (onnx.reference
where onnxruntime has no kernel for the type), labels / integers / strings compared exactly and
floats to 1e-5; sequences of maps (ZipMap) as lists of dicts, key order included. Bad attributes
and inputs raise a clear error naming the node."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto as TP
from onnx import helper
from onnx.reference import ReferenceEvaluator
from onnx.reference.ops.aionnxml._common_classifier import compute_probit

import onyxrt

ML = "ai.onnx.ml"
ELEM = {
    np.dtype(np.float32): TP.FLOAT,
    np.dtype(np.float64): TP.DOUBLE,
    np.dtype(np.int64): TP.INT64,
    np.dtype(np.int32): TP.INT32,
    np.dtype(np.int16): TP.INT16,
    np.dtype(object): TP.STRING,
}
F32, F64, I64, I32 = np.float32, np.float64, np.int64, np.int32
NUMERIC = [F32, F64, I64, I32]
TRANSFORMS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"]


# ---- harness ------------------------------------------------------------------------------------
def strings(*values) -> np.ndarray:
    return np.array(values, dtype=object)


def map_type(key, value) -> onnx.TypeProto:
    return helper.make_map_type_proto(key, helper.make_tensor_type_proto(value, None))


def ml_model(op, inputs, outputs, attrs=None, ml_opset=1, input_types=None) -> onnx.ModelProto:
    """inputs: name -> feed (typed by its array, or by input_types[name], a TypeProto);
    outputs: name -> TensorProto element type or TypeProto."""
    input_types = input_types or {}
    ins = [
        helper.make_value_info(n, input_types[n])
        if n in input_types
        else helper.make_tensor_value_info(n, ELEM[np.asarray(v).dtype], None)
        for n, v in inputs.items()
    ]
    outs = [
        helper.make_value_info(n, t)
        if isinstance(t, onnx.TypeProto)
        else helper.make_tensor_value_info(n, t, None)
        for n, t in outputs.items()
    ]
    node = helper.make_node(op, list(inputs), list(outputs), name="ml_node", domain=ML, **(attrs or {}))
    graph = helper.make_graph([node], "g", ins, outs)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(ML, ml_opset)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)


def run_onyxrt(model, feeds, threads=2) -> list:
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)


def run_onnxruntime(model, feeds) -> list:
    sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_same(got, want, rtol=1e-5, atol=1e-5) -> None:
    if isinstance(want, list):  # a sequence of maps
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert isinstance(g, dict) and list(g) == list(w), (g, w)  # same keys, same order
            assert all(type(a) is type(b) for a, b in zip(g, w)), (g, w)
            np.testing.assert_allclose(list(g.values()), list(w.values()), rtol=rtol, atol=atol)
        return
    want = np.asarray(want)
    if want.dtype.kind == "U":  # the reference gives str_ arrays; onyxrt, like onnxruntime, object
        want = want.astype(object)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(got, want)


def check(
    op, inputs, outputs, attrs=None, ml_opset=1, input_types=None, reference=False, expected=None, **tol
):
    """onyxrt against onnxruntime (or onnx.reference when onnxruntime has no kernel, or when
    reference=True; or against hand-computed `expected`). Returns onyxrt's outputs."""
    model = ml_model(op, inputs, outputs, attrs, ml_opset, input_types)
    got = run_onyxrt(model, inputs)
    if expected is not None:
        want = expected
    elif reference:
        want = ReferenceEvaluator(model).run(None, inputs)
    else:
        try:
            sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - onnxruntime has no kernel for this type: use the reference
            want = ReferenceEvaluator(model).run(None, inputs)
        else:
            want = sess.run(None, inputs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_same(g, w, **tol)
    return got


def expect_error(op, inputs, outputs, attrs=None, ml_opset=1, match="", error="", input_types=None) -> str:
    """The message of the error onyxrt raises (session creation or run), checking that it names
    the node, contains `match` and is of class `error` when given."""
    model = ml_model(op, inputs, outputs, attrs, ml_opset, input_types)
    try:
        run_onyxrt(model, inputs)
    except onyxrt.OnyxrtError as e:
        assert match in str(e), str(e)
        assert "ml_node" in str(e), str(e)
        assert not error or type(e).__name__ == error, (type(e).__name__, str(e))
        return str(e)
    raise AssertionError(f"{op} accepted the bad input")


def rand(*shape, dtype=F32, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def features(dtype, shape=(5, 4), seed=0) -> np.ndarray:
    x = rand(*shape, seed=seed) * 3
    return np.round(x).astype(dtype) if np.dtype(dtype).kind == "i" else x.astype(dtype)


LABEL_Z = {"Y": TP.INT64, "Z": TP.FLOAT}
STRING_Z = {"Y": TP.STRING, "Z": TP.FLOAT}


# ---- LinearClassifier ---------------------------------------------------------------------------
def linear_classifier(classes, nfeat=4, labels="ints", post="NONE", seed=1, intercepts=True):
    rng = np.random.default_rng(seed)
    attrs = {"coefficients": rng.standard_normal(classes * nfeat).round(3).tolist(), "post_transform": post}
    if intercepts:
        attrs["intercepts"] = rng.standard_normal(classes).round(3).tolist()
    count = 2 if classes == 1 else classes
    if labels == "ints":
        attrs["classlabels_ints"] = [3 * i + 7 for i in range(count)]
    elif labels == "strings":
        attrs["classlabels_strings"] = [f"class_{i}" for i in range(count)]
    return attrs


@pytest.mark.parametrize("post", TRANSFORMS)
@pytest.mark.parametrize("labels", ["ints", "strings"])
@pytest.mark.parametrize("classes", [2, 3])
def test_linear_classifier_multiclass(post, labels, classes):
    outs = LABEL_Z if labels == "ints" else STRING_Z
    attrs = linear_classifier(classes, labels=labels, post=post)
    check("LinearClassifier", {"X": features(F32, (7, 4))}, outs, attrs)


@pytest.mark.parametrize("post", ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"])
@pytest.mark.parametrize("labels", ["ints", "strings"])
def test_linear_classifier_binary_with_two_labels(post, labels):
    outs = LABEL_Z if labels == "ints" else STRING_Z
    (_, z) = check(
        "LinearClassifier", {"X": features(F32, (9, 4))}, outs, linear_classifier(1, labels=labels, post=post)
    )
    assert z.shape == (9, 2)


@pytest.mark.parametrize("post", ["NONE", "LOGISTIC", "PROBIT", "SOFTMAX"])
def test_linear_classifier_binary_without_labels(post):
    x = features(F32, (6, 4)) / 10  # margins inside (-1, 1): PROBIT stays finite where |p| < 1
    attrs = linear_classifier(1, labels=None, post=post)
    attrs["coefficients"] = [c / 10 for c in attrs["coefficients"]]
    attrs["intercepts"] = [0.3]
    check("LinearClassifier", {"X": x}, LABEL_Z, attrs)


def test_linear_classifier_binary_probit_with_labels():
    # onnxruntime leaves half of Z unwritten here (a packing bug): Z = [1 - p, p], p = probit(s).
    attrs = linear_classifier(1, post="PROBIT")
    attrs["coefficients"], attrs["intercepts"] = [0.05, -0.1, 0.02, 0.0], [0.4]
    x = features(F32, (5, 4))
    s = x @ np.array(attrs["coefficients"], F32) + F32(0.4)
    p = np.array([compute_probit(v) for v in s], F32)
    labels = np.where(s > 0, 10, 7).astype(I64)
    check(
        "LinearClassifier",
        {"X": x},
        LABEL_Z,
        attrs,
        expected=[labels, np.stack([1 - p, p], axis=1)],
        rtol=2e-3,
    )


@pytest.mark.parametrize("dtype", NUMERIC)
def test_linear_classifier_input_types_and_1d(dtype):
    attrs = linear_classifier(3)
    check("LinearClassifier", {"X": features(dtype, (5, 4))}, LABEL_Z, attrs)
    check("LinearClassifier", {"X": features(dtype, (4,))}, LABEL_Z, attrs)


def test_linear_classifier_without_intercepts_matches_zero_intercepts():
    x = features(F32, (5, 4))
    attrs = linear_classifier(3, intercepts=False)
    got = run_onyxrt(ml_model("LinearClassifier", {"X": x}, LABEL_Z, attrs), {"X": x})
    want = run_onnxruntime(
        ml_model("LinearClassifier", {"X": x}, LABEL_Z, {**attrs, "intercepts": [0.0] * 3}), {"X": x}
    )
    for g, w in zip(got, want):
        assert_same(g, w)


def test_linear_classifier_errors():
    x = features(F32, (2, 4))
    expect_error(
        "LinearClassifier",
        {"X": rand(2, 2, 4)},
        LABEL_Z,
        linear_classifier(3),
        match="1-D",
        error="InvalidArgument",
    )
    expect_error(
        "LinearClassifier", {"X": rand(2, 5)}, LABEL_Z, linear_classifier(3), match="coefficients size"
    )
    bad = {**linear_classifier(3), "classlabels_ints": [1, 2]}
    expect_error("LinearClassifier", {"X": x}, LABEL_Z, bad, match="class labels", error="InvalidGraph")
    bad = {**linear_classifier(1), "classlabels_ints": [1, 2, 3]}
    expect_error("LinearClassifier", {"X": x}, LABEL_Z, bad, match="exactly 2 class labels")
    bad = {**linear_classifier(3), "post_transform": "RELU"}
    expect_error("LinearClassifier", {"X": x}, LABEL_Z, bad, match="post_transform", error="InvalidGraph")
    bad = {**linear_classifier(3), "classlabels_strings": ["a", "b", "c"]}
    expect_error("LinearClassifier", {"X": x}, STRING_Z, bad, match="only one of")


# ---- LinearRegressor ----------------------------------------------------------------------------
@pytest.mark.parametrize("targets", [1, 3])
@pytest.mark.parametrize("post", TRANSFORMS)
def test_linear_regressor(targets, post):
    rng = np.random.default_rng(targets)
    x = features(F32, (6, 4)) / 8
    attrs = {
        "coefficients": (rng.standard_normal(targets * 4) / 4).tolist(),
        "intercepts": (rng.standard_normal(targets) / 4).tolist(),
        "targets": targets,
        "post_transform": post,
    }
    if post == "PROBIT":  # probit needs scores inside (0, 1)
        attrs["coefficients"] = [abs(c) / 10 for c in attrs["coefficients"]]
        attrs["intercepts"] = [0.5] * targets
        x = np.abs(x)
    check("LinearRegressor", {"X": x}, {"Y": TP.FLOAT}, attrs)


def test_linear_regressor_no_intercepts_and_1d():
    attrs = {"coefficients": [0.5, -1.0, 2.0], "targets": 1}
    check("LinearRegressor", {"X": rand(4, 3)}, {"Y": TP.FLOAT}, attrs)
    check("LinearRegressor", {"X": rand(3)}, {"Y": TP.FLOAT}, attrs)
    check("LinearRegressor", {"X": rand(0, 3)}, {"Y": TP.FLOAT}, attrs)


@pytest.mark.parametrize("dtype", [F64, I64, I32])
def test_linear_regressor_other_input_types_score_in_float(dtype):
    # onnxruntime serves float only: the same model on the input cast to float is the reference.
    x = features(dtype, (5, 3))
    attrs = {"coefficients": [0.5, -1.0, 2.0, 1.0, 0.0, -0.5], "intercepts": [0.25, -2.0], "targets": 2}
    want = run_onnxruntime(
        ml_model("LinearRegressor", {"X": x.astype(F32)}, {"Y": TP.FLOAT}, attrs), {"X": x.astype(F32)}
    )
    check("LinearRegressor", {"X": x}, {"Y": TP.FLOAT}, attrs, expected=want)


def test_linear_regressor_errors():
    attrs = {"coefficients": [0.5, -1.0, 2.0], "targets": 1}
    expect_error("LinearRegressor", {"X": rand(2, 4)}, {"Y": TP.FLOAT}, attrs, match="coefficients size")
    bad = {**attrs, "intercepts": [1.0, 2.0]}
    expect_error(
        "LinearRegressor", {"X": rand(2, 3)}, {"Y": TP.FLOAT}, bad, match="intercepts", error="InvalidGraph"
    )
    expect_error(
        "LinearRegressor", {"X": rand(2, 3)}, {"Y": TP.FLOAT}, {**attrs, "targets": 2}, match="multiple"
    )


# ---- SVMClassifier ------------------------------------------------------------------------------
def svc(classes, nfeat=3, kernel="RBF", proba=False, labels="ints", per_class=None, seed=0, post="NONE"):
    rng = np.random.default_rng(seed)
    per_class = per_class or [2 + i % 2 for i in range(classes)]
    vectors = sum(per_class)
    pairs = classes * (classes - 1) // 2
    attrs = {
        "kernel_type": kernel,
        "kernel_params": [0.4, 0.3, 3.0],
        "vectors_per_class": per_class,
        "support_vectors": rng.standard_normal(vectors * nfeat).round(3).tolist(),
        "coefficients": rng.standard_normal((classes - 1) * vectors).round(3).tolist(),
        "rho": (rng.standard_normal(pairs) / 3).round(3).tolist(),
        "post_transform": post,
    }
    if proba:
        attrs["prob_a"] = (-rng.uniform(0.5, 3, pairs)).tolist()
        attrs["prob_b"] = rng.uniform(-0.3, 0.3, pairs).tolist()
    if labels == "ints":
        attrs["classlabels_ints"] = [5 * i - 2 for i in range(classes)]
    else:
        attrs["classlabels_strings"] = [f"c{i}" for i in range(classes)]
    return attrs


@pytest.mark.parametrize("kernel", ["LINEAR", "POLY", "RBF", "SIGMOID"])
@pytest.mark.parametrize("classes", [2, 3, 5])
@pytest.mark.parametrize("proba", [False, True])
def test_svm_classifier_svc(kernel, classes, proba):
    x = features(F32, (11, 3), seed=classes)
    check(
        "SVMClassifier", {"X": x}, LABEL_Z, svc(classes, kernel=kernel, proba=proba, seed=classes), atol=1e-4
    )


@pytest.mark.parametrize("classes", [2, 4])
@pytest.mark.parametrize("post", ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"])
@pytest.mark.parametrize("proba", [False, True])
def test_svm_classifier_post_transform(classes, post, proba):
    x = features(F32, (6, 3), seed=3)
    check("SVMClassifier", {"X": x}, LABEL_Z, svc(classes, proba=proba, post=post, seed=7), atol=1e-4)


def test_svm_classifier_binary_probit():
    # onnxruntime writes [probit(s), 0] here; onyxrt keeps the [1 - p, p] form of the other transforms.
    attrs = svc(2, post="PROBIT", seed=7)
    attrs["coefficients"] = [c / 10 for c in attrs["coefficients"]]
    attrs["rho"] = [0.3]
    x = features(F32, (6, 3), seed=3) / 10
    labels, z = run_onyxrt(
        ml_model("SVMClassifier", {"X": x}, LABEL_Z, {**attrs, "post_transform": "NONE"}), {"X": x}
    )
    p = np.array([compute_probit(v) for v in z[:, 1]], F32)
    check(
        "SVMClassifier", {"X": x}, LABEL_Z, attrs, expected=[labels, np.stack([1 - p, p], axis=1)], rtol=2e-3
    )


def test_svm_classifier_string_labels_and_input_types():
    attrs = svc(3, labels="strings", proba=True)
    for dtype in NUMERIC:
        check("SVMClassifier", {"X": features(dtype, (5, 3))}, STRING_Z, attrs, atol=1e-4)
    check("SVMClassifier", {"X": features(F32, (3,))}, STRING_Z, attrs, atol=1e-4)


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("post", ["NONE", "LOGISTIC", "SOFTMAX"])
def test_svm_classifier_linear_mode(classes, post):
    rng = np.random.default_rng(classes)
    attrs = {
        "coefficients": rng.standard_normal(classes * 4).round(3).tolist(),
        "rho": [0.2],
        "classlabels_ints": list(range(classes)),
        "post_transform": post,
        "kernel_params": [0.1, 0.2, 3.0],  # unused by a linear model; onnxruntime requires it
    }
    check("SVMClassifier", {"X": features(F32, (8, 4))}, LABEL_Z, attrs)
    attrs["coefficients"] = [abs(c) for c in attrs["coefficients"]]  # all-positive weights: the 0.5 rule
    check("SVMClassifier", {"X": features(F32, (8, 4)) / 4}, LABEL_Z, attrs)


def test_svm_classifier_uneven_support_vectors():
    attrs = svc(4, per_class=[1, 4, 2, 3], proba=True, kernel="POLY")
    check("SVMClassifier", {"X": features(F32, (9, 3))}, LABEL_Z, attrs, atol=1e-4)


def test_svm_classifier_errors():
    attrs = svc(3)
    expect_error(
        "SVMClassifier", {"X": rand(2, 4)}, LABEL_Z, attrs, match="features", error="InvalidArgument"
    )
    bad = {**attrs, "kernel_type": "CUBIC"}
    expect_error("SVMClassifier", {"X": rand(2, 3)}, LABEL_Z, bad, match="kernel_type", error="InvalidGraph")
    bad = {**attrs, "kernel_params": [0.1, 0.2]}
    expect_error("SVMClassifier", {"X": rand(2, 3)}, LABEL_Z, bad, match="kernel_params")
    bad = {**attrs, "rho": [0.1]}
    expect_error("SVMClassifier", {"X": rand(2, 3)}, LABEL_Z, bad, match="rho")
    bad = {**attrs, "vectors_per_class": [2, 3]}
    expect_error("SVMClassifier", {"X": rand(2, 3)}, LABEL_Z, bad, match="vectors_per_class")
    bad = {**svc(3, proba=True), "prob_b": [0.1]}
    expect_error("SVMClassifier", {"X": rand(2, 3)}, LABEL_Z, bad, match="prob_a")
    bad = {k: v for k, v in attrs.items() if k != "classlabels_ints"}
    expect_error("SVMClassifier", {"X": rand(2, 3)}, LABEL_Z, bad, match="classlabels")


# ---- SVMRegressor -------------------------------------------------------------------------------
def svr(kernel="RBF", n=4, nfeat=3, one_class=0, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "kernel_type": kernel,
        "kernel_params": [0.5, 0.2, 2.0],
        "n_supports": n,
        "support_vectors": rng.standard_normal(n * nfeat).round(3).tolist(),
        "coefficients": rng.standard_normal(n).round(3).tolist(),
        "rho": [0.3],
        "one_class": one_class,
    }


@pytest.mark.parametrize("kernel", ["LINEAR", "POLY", "RBF", "SIGMOID"])
@pytest.mark.parametrize("one_class", [0, 1])
def test_svm_regressor(kernel, one_class):
    check(
        "SVMRegressor",
        {"X": features(F32, (9, 3))},
        {"Y": TP.FLOAT},
        svr(kernel, one_class=one_class),
        atol=1e-4,
    )


def test_svm_regressor_linear_mode_and_shapes():
    attrs = {
        "coefficients": [0.5, -1.0, 0.25],
        "rho": [0.1],
        "n_supports": 0,
        "kernel_params": [0.1, 0.2, 3.0],
    }
    check("SVMRegressor", {"X": rand(5, 3)}, {"Y": TP.FLOAT}, attrs)
    check("SVMRegressor", {"X": rand(3)}, {"Y": TP.FLOAT}, attrs)
    check("SVMRegressor", {"X": rand(0, 3)}, {"Y": TP.FLOAT}, svr())


@pytest.mark.parametrize("dtype", [F64, I64, I32])
def test_svm_regressor_other_input_types_score_in_float(dtype):
    x = features(dtype, (5, 3))
    model = ml_model("SVMRegressor", {"X": x.astype(F32)}, {"Y": TP.FLOAT}, svr("POLY"))
    want = run_onnxruntime(model, {"X": x.astype(F32)})
    check("SVMRegressor", {"X": x}, {"Y": TP.FLOAT}, svr("POLY"), expected=want, atol=1e-4)


def test_svm_regressor_probit_maps_the_single_score():
    attrs = {"coefficients": [0.1, 0.2], "rho": [0.5], "n_supports": 0, "post_transform": "PROBIT"}
    x = np.array([[0.1, 0.2], [-1.0, 0.5], [0.0, 0.0]], F32)
    y = np.array([[compute_probit(v)] for v in x @ np.array([0.1, 0.2], F32) + F32(0.5)], F32)
    check("SVMRegressor", {"X": x}, {"Y": TP.FLOAT}, attrs, expected=[y], rtol=2e-3)


def test_svm_regressor_errors():
    expect_error(
        "SVMRegressor", {"X": rand(2, 4)}, {"Y": TP.FLOAT}, svr(), match="features", error="InvalidArgument"
    )
    bad = {**svr(), "support_vectors": [0.1] * 7}
    expect_error(
        "SVMRegressor", {"X": rand(2, 3)}, {"Y": TP.FLOAT}, bad, match="n_supports", error="InvalidGraph"
    )
    bad = {k: v for k, v in svr().items() if k != "rho"}
    expect_error("SVMRegressor", {"X": rand(2, 3)}, {"Y": TP.FLOAT}, bad, match="rho")


# ---- Scaler, Normalizer, Binarizer, Imputer -----------------------------------------------------
@pytest.mark.parametrize("dtype", NUMERIC)
def test_scaler(dtype):
    x = features(dtype, (5, 3))
    check("Scaler", {"X": x}, {"Y": TP.FLOAT}, {"offset": [0.5, -1.0, 2.0], "scale": [2.0, 0.25, -1.5]})
    check("Scaler", {"X": x}, {"Y": TP.FLOAT}, {"offset": [0.5], "scale": [3.0]})
    check("Scaler", {"X": x[0]}, {"Y": TP.FLOAT}, {"offset": [0.5, -1.0, 2.0], "scale": [2.0, 0.25, -1.5]})


def test_scaler_errors():
    expect_error(
        "Scaler",
        {"X": rand(2, 3)},
        {"Y": TP.FLOAT},
        {"offset": [0.5, 1.0], "scale": [2.0, 1.0]},
        match="scale",
    )
    expect_error(
        "Scaler",
        {"X": rand(2, 3)},
        {"Y": TP.FLOAT},
        {"offset": [0.5], "scale": [2.0, 1.0, 3.0]},
        match="same length",
    )
    expect_error(
        "Scaler", {"X": rand(2, 3)}, {"Y": TP.FLOAT}, {"offset": [0.5]}, match="scale", error="InvalidGraph"
    )


@pytest.mark.parametrize("norm", ["MAX", "L1", "L2"])
@pytest.mark.parametrize("dtype", NUMERIC)
def test_normalizer(norm, dtype):
    x = features(dtype, (6, 4))
    x[2] = 0  # a zero row is copied unchanged
    check("Normalizer", {"X": x}, {"Y": TP.FLOAT}, {"norm": norm})
    check("Normalizer", {"X": x[1]}, {"Y": TP.FLOAT}, {"norm": norm})


def test_normalizer_errors():
    expect_error(
        "Normalizer", {"X": rand(2, 3)}, {"Y": TP.FLOAT}, {"norm": "L3"}, match="norm", error="InvalidGraph"
    )
    expect_error("Normalizer", {"X": rand(2, 3, 2)}, {"Y": TP.FLOAT}, {"norm": "L1"}, match="2-D")


@pytest.mark.parametrize("dtype", NUMERIC)
def test_binarizer(dtype):
    x = features(dtype, (4, 5))
    out = {"Y": ELEM[np.dtype(dtype)]}
    check("Binarizer", {"X": x}, out, {"threshold": 0.5})
    check("Binarizer", {"X": x}, out)  # threshold defaults to 0


def test_binarizer_nan_gives_zero():
    x = np.array([np.nan, -1.0, 2.0], F32)
    check("Binarizer", {"X": x}, {"Y": TP.FLOAT}, {"threshold": 0.0}, expected=[np.array([0, 0, 1], F32)])


@pytest.mark.parametrize("shared", [False, True])
def test_imputer_float(shared):
    x = features(F32, (5, 3))
    x[1, 0] = x[3, 2] = np.nan
    values = [9.0] if shared else [1.0, 2.0, 3.0]
    check(
        "Imputer", {"X": x}, {"Y": TP.FLOAT}, {"imputed_value_floats": values, "replaced_value_float": np.nan}
    )
    x[0, 1] = -7.0
    check(
        "Imputer", {"X": x}, {"Y": TP.FLOAT}, {"imputed_value_floats": values, "replaced_value_float": -7.0}
    )


@pytest.mark.parametrize("shared", [False, True])
def test_imputer_int64(shared):
    x = features(I64, (5, 3))
    values = [100] if shared else [100, 200, 300]
    check("Imputer", {"X": x}, {"Y": TP.INT64}, {"imputed_value_int64s": values, "replaced_value_int64": 1})
    check(
        "Imputer", {"X": x[2]}, {"Y": TP.INT64}, {"imputed_value_int64s": values, "replaced_value_int64": 0}
    )


def test_imputer_double_and_int32():
    x = features(F64, (4, 2))
    x[0, 0] = np.nan
    want = x.copy()
    want[0, 0] = 5.0
    check(
        "Imputer",
        {"X": x},
        {"Y": TP.DOUBLE},
        {"imputed_value_floats": [5.0, 6.0], "replaced_value_float": np.nan},
        expected=[want],
    )
    xi = np.array([[0, 3], [4, 0]], I32)
    check(
        "Imputer",
        {"X": xi},
        {"Y": TP.INT32},
        {"imputed_value_int64s": [-1], "replaced_value_int64": 0},
        expected=[np.array([[-1, 3], [4, -1]], I32)],
    )


def test_imputer_errors():
    x = rand(2, 3)
    expect_error(
        "Imputer",
        {"X": x},
        {"Y": TP.FLOAT},
        {"imputed_value_floats": [1.0, 2.0]},
        match="imputed_value_floats",
    )
    both = {"imputed_value_floats": [1.0], "imputed_value_int64s": [1]}
    expect_error("Imputer", {"X": x}, {"Y": TP.FLOAT}, both, match="exactly one", error="InvalidGraph")
    expect_error(
        "Imputer", {"X": x}, {"Y": TP.FLOAT}, {"imputed_value_int64s": [1]}, match="imputed_value_floats"
    )


# ---- OneHotEncoder, CategoryMapper --------------------------------------------------------------
@pytest.mark.parametrize("dtype", [I64, I32, F32, F64])
def test_one_hot_encoder_numbers(dtype):
    x = np.array([[1, 4, 7], [3, 1, 9]], dtype)
    check("OneHotEncoder", {"X": x}, {"Y": TP.FLOAT}, {"cats_int64s": [1, 3, 4, 7], "zeros": 1})
    check("OneHotEncoder", {"X": x[0]}, {"Y": TP.FLOAT}, {"cats_int64s": [7, 4, 1]})


def test_one_hot_encoder_strings():
    x = strings(["a", "b", "zz"], ["c", "a", "b"])
    check("OneHotEncoder", {"X": x}, {"Y": TP.FLOAT}, {"cats_strings": ["a", "b", "c"], "zeros": 1})


def test_one_hot_encoder_errors():
    x = np.array([1, 5], I64)
    expect_error(
        "OneHotEncoder",
        {"X": x},
        {"Y": TP.FLOAT},
        {"cats_int64s": [1, 2], "zeros": 0},
        match="zeros",
        error="InvalidArgument",
    )
    expect_error("OneHotEncoder", {"X": x}, {"Y": TP.FLOAT}, {"cats_strings": ["a"]}, match="cats_int64s")
    expect_error("OneHotEncoder", {"X": x}, {"Y": TP.FLOAT}, {}, match="exactly one", error="InvalidGraph")


def test_category_mapper_both_directions():
    attrs = {
        "cats_strings": ["cat", "dog", "eel"],
        "cats_int64s": [10, 20, 30],
        "default_int64": -5,
        "default_string": "?",
    }
    check("CategoryMapper", {"X": strings(["dog", "eel"], ["yak", "cat"])}, {"Y": TP.INT64}, attrs)
    check("CategoryMapper", {"X": np.array([30, 11, 10], I64)}, {"Y": TP.STRING}, attrs)
    check(
        "CategoryMapper",
        {"X": strings("dog", "x")},
        {"Y": TP.INT64},
        {"cats_strings": ["dog"], "cats_int64s": [1]},
    )
    expect_error(
        "CategoryMapper",
        {"X": strings("a")},
        {"Y": TP.INT64},
        {"cats_strings": ["a"], "cats_int64s": [1, 2]},
        match="same length",
    )


# ---- LabelEncoder (ml opsets 1, 2, 4) -----------------------------------------------------------
def test_label_encoder_v1():
    attrs = {"classes_strings": ["a", "b", "c"], "default_int64": 42, "default_string": "none"}
    check("LabelEncoder", {"X": strings("c", "a", "q")}, {"Y": TP.INT64}, attrs, ml_opset=1)
    check("LabelEncoder", {"X": np.array([[2, 0], [7, -1]], I64)}, {"Y": TP.STRING}, attrs, ml_opset=1)


V2_KEYS = {
    "strings": ("keys_strings", ["a", "b", "c"], strings("b", "z", "c", "a")),
    "int64s": ("keys_int64s", [1, 5, -3], np.array([5, 2, -3, 1], I64)),
    "floats": ("keys_floats", [0.5, -1.0, 2.5], np.array([2.5, 0.25, 0.5, -1.0], F32)),
}
V2_VALUES = {
    "strings": ("values_strings", ["x", "y", "w"], TP.STRING, ("default_string", "dflt")),
    "int64s": ("values_int64s", [10, 20, 30], TP.INT64, ("default_int64", -9)),
    "floats": ("values_floats", [1.5, -2.0, 8.0], TP.FLOAT, ("default_float", 3.25)),
}


@pytest.mark.parametrize("keys", list(V2_KEYS))
@pytest.mark.parametrize("values", list(V2_VALUES))
@pytest.mark.parametrize("ml_opset", [2, 4])
@pytest.mark.parametrize("with_default", [False, True])
def test_label_encoder_lists(keys, values, ml_opset, with_default):
    key_attr, key_list, x = V2_KEYS[keys]
    value_attr, value_list, out, (default_attr, default) = V2_VALUES[values]
    attrs = {key_attr: key_list, value_attr: value_list}
    if with_default:
        attrs[default_attr] = default
    check("LabelEncoder", {"X": x}, {"Y": out}, attrs, ml_opset=ml_opset)


def test_label_encoder_nan_key_matches_any_nan():
    attrs = {"keys_floats": [np.nan, 1.0], "values_int64s": [7, 8], "default_int64": -1}
    x = np.array([np.nan, 1.0, 2.0, -np.nan], F32)
    for opset in (2, 4):
        check(
            "LabelEncoder",
            {"X": x},
            {"Y": TP.INT64},
            attrs,
            ml_opset=opset,
            expected=[np.array([7, 8, -1, 7], I64)],
        )


def numpy_tensor(array, name):
    return onnx.numpy_helper.from_array(array, name)


def encoded(keys, values, default, x) -> np.ndarray:
    """LabelEncoder by hand: every NaN key matches every NaN input, the last repeated key wins."""

    def key(v):
        return "NaN" if isinstance(v, float) and np.isnan(v) else v

    table = {key(k): v for k, v in zip(keys.tolist(), values.tolist())}
    return np.array([table.get(key(v), default) for v in x.tolist()], dtype=values.dtype).reshape(x.shape)


SPEC_DEFAULT = {"O": "_Unused", "i": -1, "f": -0.0}


@pytest.mark.parametrize(
    ("keys", "values", "x"),
    [
        (np.array([1, 2, 3], I64), np.array([10, 20, 30], I64), np.array([3, 9, 1], I64)),
        (np.array([1, 2], I32), np.array(["a", "b"], object), np.array([2, 1, 5], I32)),
        (np.array([1, 2], np.int16), np.array([0.5, 1.5], F64), np.array([2, 7], np.int16)),
        (np.array(["a", "b"], object), np.array([4, 5], np.int16), strings("b", "q")),
        (np.array([0.5, np.nan], F64), np.array([1, 2], I32), np.array([np.nan, 0.5, 3.0], F64)),
        (np.array(["x", "y"], object), np.array([1.5, 2.5], F64), strings("y", "x", "no")),
    ],
)
@pytest.mark.parametrize("with_default", [False, True])
def test_label_encoder_tensor_attributes(keys, values, x, with_default):
    attrs = {
        "keys_tensor": numpy_tensor(keys, "keys_tensor"),
        "values_tensor": numpy_tensor(values, "values_tensor"),
    }
    default = SPEC_DEFAULT[values.dtype.kind]
    if with_default:
        default = values[0]
        attrs["default_tensor"] = numpy_tensor(np.array([default], dtype=values.dtype), "default_tensor")
    want = encoded(keys, values, default, x)
    check("LabelEncoder", {"X": x}, {"Y": ELEM[values.dtype]}, attrs, ml_opset=4, expected=[want])


def test_label_encoder_mixed_list_and_tensor():
    attrs = {"keys_strings": ["a", "b"], "values_tensor": numpy_tensor(np.array([7, 9], I64), "v")}
    check("LabelEncoder", {"X": strings("b", "c")}, {"Y": TP.INT64}, attrs, ml_opset=4)
    attrs["default_int64"] = 5
    check("LabelEncoder", {"X": strings("b", "c")}, {"Y": TP.INT64}, attrs, ml_opset=4)


def test_label_encoder_repeated_key_takes_last_value():
    attrs = {"keys_int64s": [1, 1, 2], "values_int64s": [10, 11, 20]}
    check("LabelEncoder", {"X": np.array([1, 2], I64)}, {"Y": TP.INT64}, attrs, ml_opset=4, reference=True)


def test_label_encoder_errors():
    x = np.array([1, 2], I64)
    expect_error(
        "LabelEncoder",
        {"X": x},
        {"Y": TP.INT64},
        {"keys_int64s": [1, 2], "values_int64s": [1]},
        ml_opset=2,
        match="same length",
        error="InvalidGraph",
    )
    expect_error(
        "LabelEncoder", {"X": x}, {"Y": TP.INT64}, {"values_int64s": [1]}, ml_opset=2, match="exactly one"
    )
    both = {"keys_int64s": [1], "keys_strings": ["a"], "values_int64s": [1]}
    expect_error("LabelEncoder", {"X": x}, {"Y": TP.INT64}, both, ml_opset=4, match="exactly one")
    tensor_at_2 = {"keys_tensor": numpy_tensor(np.array([1], I64), "k"), "values_int64s": [1]}
    expect_error("LabelEncoder", {"X": x}, {"Y": TP.INT64}, tensor_at_2, ml_opset=2, match="exactly one")
    expect_error(
        "LabelEncoder",
        {"X": x},
        {"Y": TP.INT64},
        {"keys_strings": ["a"], "values_int64s": [1]},
        ml_opset=2,
        match="keys are string",
    )
    bad_default = {
        "keys_int64s": [1],
        "values_int64s": [1],
        "default_tensor": numpy_tensor(np.array([1.0], F32), "d"),
    }
    expect_error("LabelEncoder", {"X": x}, {"Y": TP.INT64}, bad_default, ml_opset=4, match="default_tensor")


# ---- DictVectorizer, FeatureVectorizer, ArrayFeatureExtractor, CastMap --------------------------
@pytest.mark.parametrize(
    ("feed", "key", "value", "attrs"),
    [
        ({"b": 2.0, "a": 1.5, "x": 9.0}, TP.STRING, TP.FLOAT, {"string_vocabulary": ["a", "b", "c"]}),
        ({"b": 2.5, "c": -1.0}, TP.STRING, TP.DOUBLE, {"string_vocabulary": ["c", "a", "b"]}),
        ({"b": 3, "c": -1}, TP.STRING, TP.INT64, {"string_vocabulary": ["c", "b", "b"]}),
        ({4: 1.25, 1: 2.0}, TP.INT64, TP.FLOAT, {"int64_vocabulary": [1, 2, 4]}),
        ({4: 1.25, 1: 2.0}, TP.INT64, TP.DOUBLE, {"int64_vocabulary": [4, 1]}),
        ({7: "x", 1: "y"}, TP.INT64, TP.STRING, {"int64_vocabulary": [1, 3, 7]}),
    ],
)
def test_dict_vectorizer(feed, key, value, attrs):
    vocabulary = attrs.get("string_vocabulary") or attrs.get("int64_vocabulary")
    dtype = {TP.FLOAT: F32, TP.DOUBLE: F64, TP.INT64: I64, TP.STRING: object}[value]
    zero = "" if value == TP.STRING else 0
    want = np.array([[feed.get(k, zero) for k in vocabulary]], dtype=dtype)
    types = {"X": map_type(key, value)}
    check("DictVectorizer", {"X": feed}, {"Y": value}, attrs, input_types=types, expected=[want])
    if value == TP.FLOAT:  # the map type onnxruntime's Python binding can feed
        check("DictVectorizer", {"X": feed}, {"Y": value}, attrs, input_types=types)


def test_dict_vectorizer_errors():
    types = {"X": map_type(TP.STRING, TP.FLOAT)}
    expect_error(
        "DictVectorizer",
        {"X": {"a": 1.0}},
        {"Y": TP.FLOAT},
        {"int64_vocabulary": [1]},
        match="vocabulary",
        input_types=types,
    )
    expect_error(
        "DictVectorizer", {"X": {"a": 1.0}}, {"Y": TP.FLOAT}, {}, match="exactly one", input_types=types
    )


@pytest.mark.parametrize("dtype", NUMERIC)
def test_feature_vectorizer_pads_and_truncates(dtype):
    x0, x1, x2 = features(dtype, (3, 2)), features(dtype, (3, 4), seed=1), features(dtype, (3, 1), seed=2)
    check(
        "FeatureVectorizer", {"X0": x0, "X1": x1, "X2": x2}, {"Y": TP.FLOAT}, {"inputdimensions": [2, 3, 3]}
    )
    check("FeatureVectorizer", {"X0": x0[0], "X1": x1[0]}, {"Y": TP.FLOAT}, {"inputdimensions": [4, 1]})
    check("FeatureVectorizer", {"X0": x1}, {"Y": TP.FLOAT}, {"inputdimensions": [4]})


def test_feature_vectorizer_errors():
    expect_error(
        "FeatureVectorizer",
        {"X0": rand(2, 2), "X1": rand(3, 2)},
        {"Y": TP.FLOAT},
        {"inputdimensions": [2, 2]},
        match="rows",
    )
    expect_error(
        "FeatureVectorizer",
        {"X0": rand(2, 2)},
        {"Y": TP.FLOAT},
        {"inputdimensions": [2, 2]},
        match="inputdimensions",
        error="InvalidGraph",
    )


@pytest.mark.parametrize("dtype", [F32, F64, I64, I32, object])
def test_array_feature_extractor(dtype):
    x = (
        features(F32, (2, 3, 5)).astype(dtype)
        if dtype is not object
        else np.array([["a", "b", "c"], ["d", "e", "f"]], object)
    )
    cols = x.shape[-1]
    out = {"Z": ELEM[np.dtype(dtype)]}
    check("ArrayFeatureExtractor", {"X": x, "Y": np.array([cols - 1, 0, 1], I64)}, out)
    check("ArrayFeatureExtractor", {"X": x, "Y": np.array([[1]], I64)}, out)
    row = x.reshape(-1)[:cols]  # a 1-D X gives [1, n]
    check("ArrayFeatureExtractor", {"X": row, "Y": np.array([2, 2], I64)}, out)


def test_array_feature_extractor_errors():
    x = rand(2, 3)
    expect_error(
        "ArrayFeatureExtractor",
        {"X": x, "Y": np.array([3], I64)},
        {"Z": TP.FLOAT},
        match="out of range",
        error="InvalidArgument",
    )
    expect_error(
        "ArrayFeatureExtractor", {"X": x, "Y": np.array([-1], I64)}, {"Z": TP.FLOAT}, match="out of range"
    )


@pytest.mark.parametrize("cast_to", ["TO_FLOAT", "TO_INT64", "TO_STRING"])
@pytest.mark.parametrize("form", ["DENSE", "SPARSE"])
@pytest.mark.parametrize("value", [TP.FLOAT, TP.STRING])
def test_cast_map(cast_to, form, value):
    feed = {5: 1.5, 0: -2.25, 2: 7.0} if value == TP.FLOAT else {5: "1.5", 0: "-2", 2: "7"}
    if cast_to == "TO_INT64" and value == TP.STRING:
        feed = {5: "15", 0: "-2", 2: "7"}
    out = {"TO_FLOAT": TP.FLOAT, "TO_INT64": TP.INT64, "TO_STRING": TP.STRING}[cast_to]
    attrs = {"cast_to": cast_to, "map_form": form, "max_map": 7}
    types = {"X": map_type(TP.INT64, value)}
    if value == TP.FLOAT:
        check("CastMap", {"X": feed}, {"Y": out}, attrs, input_types=types)
        return
    # By hand: values in key order (SPARSE: column k is key k, "0.f" / 0 padding), parsed numbers.
    keys = sorted(feed) if form == "DENSE" else range(7)
    cast = {"TO_FLOAT": lambda t: F32(float(t)), "TO_INT64": int, "TO_STRING": str}[cast_to]
    pad = {"TO_FLOAT": 0.0, "TO_INT64": 0, "TO_STRING": "0.f"}[cast_to]
    dtype = {"TO_FLOAT": F32, "TO_INT64": I64, "TO_STRING": object}[cast_to]
    want = np.array([[cast(feed[k]) if k in feed else pad for k in keys]], dtype=dtype)
    check("CastMap", {"X": feed}, {"Y": out}, attrs, input_types=types, expected=[want])


def test_cast_map_errors():
    types = {"X": map_type(TP.INT64, TP.STRING)}
    expect_error(
        "CastMap",
        {"X": {1: "abc"}},
        {"Y": TP.FLOAT},
        {"cast_to": "TO_FLOAT"},
        match="not a float",
        input_types=types,
    )
    expect_error(
        "CastMap",
        {"X": {1: "1"}},
        {"Y": TP.FLOAT},
        {"cast_to": "TO_BOOL"},
        match="cast_to",
        input_types=types,
    )
    expect_error(
        "CastMap",
        {"X": {-1: "1"}},
        {"Y": TP.FLOAT},
        {"map_form": "SPARSE"},
        match="keys >= 0",
        input_types=types,
    )


# ---- ZipMap -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attrs", "key"),
    [
        ({"classlabels_int64s": [10, 3, 7]}, TP.INT64),
        ({"classlabels_strings": ["pear", "apple", "fig"]}, TP.STRING),
    ],
)
def test_zipmap(attrs, key):
    out = {"Z": helper.make_sequence_type_proto(map_type(key, TP.FLOAT))}
    got = check("ZipMap", {"X": rand(4, 3)}, out, attrs)[0]
    assert len(got) == 4 and all(isinstance(m, dict) for m in got)
    check("ZipMap", {"X": rand(3)}, out, attrs)
    check("ZipMap", {"X": rand(0, 3)}, out, attrs)


def test_zipmap_repeated_label_keeps_last_column():
    out = {"Z": helper.make_sequence_type_proto(map_type(TP.INT64, TP.FLOAT))}
    check("ZipMap", {"X": rand(2, 3)}, out, {"classlabels_int64s": [4, 1, 4]})


def test_zipmap_errors():
    out = {"Z": helper.make_sequence_type_proto(map_type(TP.INT64, TP.FLOAT))}
    expect_error(
        "ZipMap",
        {"X": rand(2, 4)},
        out,
        {"classlabels_int64s": [1, 2, 3]},
        match="columns",
        error="InvalidArgument",
    )
    expect_error("ZipMap", {"X": rand(2, 3)}, out, {}, match="exactly one", error="InvalidGraph")


# ---- batches: empty and large (parallel paths) --------------------------------------------------
def test_classifiers_on_empty_batches():
    x = np.zeros((0, 3), F32)
    check("LinearClassifier", {"X": x}, LABEL_Z, linear_classifier(3, nfeat=3))
    check("SVMClassifier", {"X": x}, LABEL_Z, svc(3, proba=True))
    check("SVMClassifier", {"X": x}, STRING_Z, svc(2, labels="strings"))


@pytest.mark.parametrize(
    ("op", "attrs", "outs"),
    [
        ("LinearClassifier", linear_classifier(4, nfeat=6, post="SOFTMAX"), LABEL_Z),
        ("SVMClassifier", svc(4, nfeat=6, proba=True), LABEL_Z),
        ("SVMClassifier", svc(3, nfeat=6, kernel="POLY", post="LOGISTIC"), LABEL_Z),
        ("SVMRegressor", svr("RBF", nfeat=6), {"Y": TP.FLOAT}),
        ("Normalizer", {"norm": "L2"}, {"Y": TP.FLOAT}),
        ("Scaler", {"offset": [0.5] * 6, "scale": [2.0] * 6}, {"Y": TP.FLOAT}),
    ],
)
def test_large_batches(op, attrs, outs):
    x = features(F32, (3000, 6), seed=5)
    model = ml_model(op, {"X": x}, outs, attrs)
    want = run_onnxruntime(model, {"X": x})
    for threads in (1, 4):
        for g, w in zip(run_onyxrt(model, {"X": x}, threads=threads), want):
            assert_same(g, w, atol=1e-4)
