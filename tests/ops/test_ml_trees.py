"""ai.onnx.ml tree ensembles: TreeEnsembleClassifier / TreeEnsembleRegressor (ml opsets 1 and 3)
and TreeEnsemble (ml opset 5).

Models converted from scikit-learn (skl2onnx), LightGBM and XGBoost (onnxmltools) run on
scikit-learn's bundled datasets against onnxruntime: labels exactly, scores within 1e-5. Models
built with onnx.helper cover every node mode, aggregate function, post-transform, input type and
the validation errors. Where onnxruntime departs from the specification (see the notes at the
cases) the expectation is a small numpy evaluator written from the specification.
"""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt

ML = "ai.onnx.ml"
RTOL = ATOL = 1e-5


# ---------------------------------------------------------------------------------------------
# running and comparing


def run_onyxrt(model: onnx.ModelProto | bytes, feeds: dict, threads: int = 1) -> list:
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    blob = model if isinstance(model, bytes) else model.SerializeToString()
    return onyxrt.InferenceSession(blob, options).run(None, feeds)


def run_ort(model: onnx.ModelProto | bytes, feeds: dict) -> list:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    blob = model if isinstance(model, bytes) else model.SerializeToString()
    return onnxruntime.InferenceSession(blob, options, providers=["CPUExecutionProvider"]).run(None, feeds)


def assert_same(got: list, want: list) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, list):  # ZipMap: a sequence of {label: probability}
            assert isinstance(g, list) and len(g) == len(w), f"output {i}"
            for gd, wd in zip(g, w):
                assert sorted(gd) == sorted(wd), f"output {i}"
                np.testing.assert_allclose([gd[k] for k in wd], [wd[k] for k in wd], rtol=RTOL, atol=ATOL)
            continue
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"output {i}: {g.shape} != {w.shape}"
        if w.dtype.kind in "OUS":
            assert g.tolist() == w.tolist(), f"output {i}"
        elif w.dtype.kind in "iu":
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g, w, err_msg=f"output {i}")
        else:
            assert g.dtype == w.dtype, f"output {i}: {g.dtype} != {w.dtype}"
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL, err_msg=f"output {i}")


def check_against_ort(model, feeds: dict, threads: int = 1) -> list:
    got = run_onyxrt(model, feeds, threads)
    assert_same(got, run_ort(model, feeds))
    return got


def has_zipmap() -> bool:
    node = helper.make_node("ZipMap", ["X"], ["Z"], domain=ML, classlabels_int64s=[0, 1])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_sequence_value_info("Z", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 1)])
    try:
        onyxrt.InferenceSession(model.SerializeToString())
    except onyxrt.OnyxrtError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# converted models


def datasets():
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris

    return {
        "iris": load_iris(return_X_y=True),
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "diabetes": load_diabetes(return_X_y=True),
        "digits": load_digits(return_X_y=True),
    }


DATA = None


def data(name: str, nan_fraction: float = 0.0):
    global DATA
    if DATA is None:
        DATA = datasets()
    x, y = DATA[name]
    x = x.astype(np.float64).copy()
    if nan_fraction:
        rng = np.random.default_rng(0)
        x[rng.random(x.shape) < nan_fraction] = np.nan
    return x, y


def skl_convert(est, x: np.ndarray, zipmap: bool = False) -> onnx.ModelProto:
    """skl2onnx with a free batch dimension; float64 data gives the opset-3 double attributes."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    kind = DoubleTensorType if x.dtype == np.float64 else FloatTensorType
    options = None
    if hasattr(est, "predict_proba"):
        options = {id(est): {"zipmap": zipmap}}
    # NOTE: skl2onnx 1.20 passes numpy / Python bools in nodes_missing_value_tracks_true (histogram
    # gradient boosting), which onnx.helper.make_attribute rejects; hand it ints.
    original = helper.make_attribute

    def make_attribute(key, value, *args, **kwargs):
        if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value):
            value = [int(v) for v in value]
        return original(key, value, *args, **kwargs)

    helper.make_attribute = make_attribute
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return to_onnx(
                est,
                initial_types=[("X", kind([None, x.shape[1]]))],
                options=options,
                target_opset={"": 17, ML: 3},
            )
    finally:
        helper.make_attribute = original


def mltools_convert(est, x: np.ndarray, zipmap: bool = False) -> onnx.ModelProto:
    from onnxmltools.convert import convert_lightgbm, convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    types = [("X", FloatTensorType([None, x.shape[1]]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if type(est).__module__.startswith("lightgbm"):
            return convert_lightgbm(est, initial_types=types, zipmap=zipmap)
        return convert_xgboost(est, initial_types=types)


def make_estimator(kind: str):
    import lightgbm
    import xgboost
    from sklearn import ensemble

    return {
        "rf_clf": lambda: ensemble.RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0),
        "et_clf": lambda: ensemble.ExtraTreesClassifier(n_estimators=10, max_depth=8, random_state=0),
        "rf_reg": lambda: ensemble.RandomForestRegressor(n_estimators=10, max_depth=8, random_state=0),
        "et_reg": lambda: ensemble.ExtraTreesRegressor(n_estimators=10, max_depth=8, random_state=0),
        "gb_clf": lambda: ensemble.GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0),
        "gb_reg": lambda: ensemble.GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0),
        "hgb_clf": lambda: ensemble.HistGradientBoostingClassifier(max_iter=15, random_state=0),
        "hgb_reg": lambda: ensemble.HistGradientBoostingRegressor(max_iter=15, random_state=0),
        "lgbm_clf": lambda: lightgbm.LGBMClassifier(n_estimators=15, verbose=-1, random_state=0),
        "lgbm_reg": lambda: lightgbm.LGBMRegressor(n_estimators=15, verbose=-1, random_state=0),
        "xgb_clf": lambda: xgboost.XGBClassifier(n_estimators=15, max_depth=4, random_state=0),
        "xgb_reg": lambda: xgboost.XGBRegressor(n_estimators=15, max_depth=4, random_state=0),
    }[kind]()


# (estimator, dataset, fraction of NaN features in training and test data)
CONVERTED = [
    ("rf_clf", "iris", 0.0),
    ("rf_clf", "breast_cancer", 0.0),
    ("rf_clf", "digits", 0.0),
    ("et_clf", "iris", 0.0),
    ("et_clf", "breast_cancer", 0.0),
    ("rf_reg", "diabetes", 0.0),
    ("et_reg", "diabetes", 0.0),
    ("gb_clf", "breast_cancer", 0.0),
    ("gb_clf", "iris", 0.0),
    ("gb_reg", "diabetes", 0.0),
    ("hgb_clf", "breast_cancer", 0.1),
    ("hgb_clf", "iris", 0.1),
    ("hgb_reg", "diabetes", 0.1),
    ("lgbm_clf", "breast_cancer", 0.1),
    ("lgbm_clf", "iris", 0.0),
    ("lgbm_reg", "diabetes", 0.1),
    ("xgb_clf", "breast_cancer", 0.0),
    ("xgb_clf", "iris", 0.0),
    ("xgb_reg", "diabetes", 0.0),
]


def train_and_convert(
    kind: str, dataset: str, nan_fraction: float, dtype=np.float32, zipmap=False, labels=None
):
    x, y = data(dataset, nan_fraction)
    if labels is not None:
        y = np.asarray(labels)[y]
    est = make_estimator(kind).fit(x, y)
    x = x.astype(dtype)
    if kind.startswith(("lgbm", "xgb")):
        return mltools_convert(est, x, zipmap), x
    return skl_convert(est, x, zipmap), x


def tree_nodes(model: onnx.ModelProto) -> list:
    return [n for n in model.graph.node if n.domain == ML and n.op_type.startswith("TreeEnsemble")]


@pytest.mark.parametrize("kind,dataset,nan_fraction", CONVERTED, ids=[f"{k}-{d}" for k, d, _ in CONVERTED])
def test_converted_model(kind, dataset, nan_fraction):
    model, x = train_and_convert(kind, dataset, nan_fraction)
    assert tree_nodes(model), "the converter wrote no tree ensemble"
    check_against_ort(model, {"X": x})  # the whole dataset: blocks of rows
    for i in (0, 7, 33):  # single rows: trees interleaved on one row
        check_against_ort(model, {"X": x[i : i + 1]})


@pytest.mark.parametrize(
    "kind,dataset", [("rf_clf", "digits"), ("gb_reg", "diabetes"), ("lgbm_clf", "breast_cancer")]
)
def test_converted_model_threads(kind, dataset):
    model, x = train_and_convert(kind, dataset, 0.0)
    big = np.ascontiguousarray(np.tile(x, (4, 1)))
    single = run_onyxrt(model, {"X": big}, threads=1)
    for threads in (2, 4):
        assert_same(run_onyxrt(model, {"X": big}, threads=threads), single)
    assert_same(single, run_ort(model, {"X": big}))


def as_tensor_attributes(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with its FLOATS tree attributes moved to the opset-3 double *_as_tensor form."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for node in tree_nodes(out):
        for i, attr in enumerate(list(node.attribute)):
            if attr.name in (
                "nodes_values",
                "class_weights",
                "target_weights",
                "base_values",
                "nodes_hitrates",
            ):
                values = np.array(attr.floats, np.float64)
                node.attribute.remove(attr)
                node.attribute.append(
                    helper.make_attribute(attr.name + "_as_tensor", numpy_helper.from_array(values))
                )
    for opset in out.opset_import:
        if opset.domain == ML:
            opset.version = 3
    return out


def float_score_outputs(model: onnx.ModelProto) -> onnx.ModelProto:
    """skl2onnx declares double scores for double inputs (through Identity nodes too); the
    schemas say float."""
    scores = {n.output[-1] for n in tree_nodes(model)}
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in scores:
            scores.add(node.output[0])
    for value in list(model.graph.output) + list(model.graph.value_info):
        if value.name in scores:
            value.type.tensor_type.elem_type = TensorProto.FLOAT
    return model


@pytest.mark.parametrize(
    "kind,dataset",
    [
        ("rf_clf", "iris"),
        ("rf_reg", "diabetes"),
        ("gb_clf", "breast_cancer"),
        ("gb_clf", "iris"),
        ("gb_reg", "diabetes"),
        ("hgb_reg", "diabetes"),
    ],
)
def test_converted_double_input(kind, dataset):
    """float64 inputs: skl2onnx 1.20 still writes float thresholds (compared in double); the same
    trees with *_as_tensor attributes (opset 3) compare and accumulate in double."""
    model, x = train_and_convert(kind, dataset, 0.1 if kind.startswith("hgb") else 0.0, dtype=np.float64)
    model = float_score_outputs(model)
    check_against_ort(model, {"X": x})
    check_against_ort(model, {"X": x[3:4]})
    model = as_tensor_attributes(model)
    assert any(a.name == "nodes_values_as_tensor" for n in tree_nodes(model) for a in n.attribute)
    check_against_ort(model, {"X": x})
    check_against_ort(model, {"X": x[3:4]})


def test_double_thresholds_compare_in_double():
    """A feature between a double threshold and its float rounding goes by the double."""
    t = 0.1  # float32(0.1) > 0.1
    between = np.array([[np.nextafter(t, 1.0)]], np.float64)
    for x in (between, np.array([[t]], np.float64), np.array([[np.float32(t)]], np.float64)):
        model = v3_model(
            "TreeEnsembleRegressor", [one_split_tree(0, "BRANCH_LEQ", t)], n_targets=1, double=True
        )
        got = check_against_ort(model, {"X": x})
        assert got[0][0, 0] == (1.0 if x[0, 0] <= t else 2.0)


def test_integer_inputs():
    """digits' features are integers: the same model fed int64 and int32 gives the float results."""
    model, x = train_and_convert("rf_clf", "digits", 0.0)
    want = run_onyxrt(model, {"X": x})
    for np_type, onnx_type in ((np.int64, TensorProto.INT64), (np.int32, TensorProto.INT32)):
        m = onnx.ModelProto()
        m.CopyFrom(model)
        m.graph.input[0].type.tensor_type.elem_type = onnx_type
        xi = x.astype(np_type)
        assert_same(check_against_ort(m, {"X": xi}), want)
        check_against_ort(m, {"X": xi[5:6]})


@pytest.mark.parametrize("labels", [None, ["setosa", "versicolor", "virginica"], [-3, 40, 7]])
def test_class_labels(labels):
    model, x = train_and_convert("rf_clf", "iris", 0.0, labels=labels)
    got = check_against_ort(model, {"X": x})
    if labels is not None:
        assert set(np.asarray(got[0]).tolist()) <= set(labels)


@pytest.mark.parametrize("labels", [None, ["no", "yes"]])
def test_binary_string_labels(labels):
    for kind in ("rf_clf", "gb_clf", "lgbm_clf"):
        if kind.startswith("lgbm") and labels is not None:
            continue  # onnxmltools writes integer labels only
        model, x = train_and_convert(kind, "breast_cancer", 0.0, labels=labels)
        check_against_ort(model, {"X": x})


@pytest.mark.skipif(not has_zipmap(), reason="ZipMap (ai.onnx.ml) is not registered yet")
@pytest.mark.parametrize(
    "kind,dataset,labels",
    [
        ("rf_clf", "iris", None),
        ("rf_clf", "iris", ["a", "b", "c"]),
        ("gb_clf", "breast_cancer", None),
        ("lgbm_clf", "iris", None),
    ],
)
def test_converted_with_zipmap(kind, dataset, labels):
    model, x = train_and_convert(kind, dataset, 0.0, zipmap=True, labels=labels)
    assert any(n.op_type == "ZipMap" for n in model.graph.node)
    check_against_ort(model, {"X": x[:40]})


# ---------------------------------------------------------------------------------------------
# ml opsets 1 and 3 built by hand
#
# A tree is (node_ids, features, modes, values, true_ids, false_ids, missing_true, leaf weights)
# in the opset 1/3 encoding; leaf weights: {node_id: [(target, weight), ...]}.


def one_split_tree(feature, mode, value, missing_true=0, weights=((1.0,), (2.0,))):
    return {
        "ids": [0, 1, 2],
        "features": [feature, 0, 0],
        "modes": [mode, "LEAF", "LEAF"],
        "values": [value, 0, 0],
        "true": [1, 0, 0],
        "false": [2, 0, 0],
        "missing": [missing_true, 0, 0],
        "leaves": {1: list(enumerate(weights[0])), 2: list(enumerate(weights[1]))},
    }


def v3_model(
    op: str,
    trees: list,
    n_targets: int = 1,
    labels=None,
    double=False,
    opset=3,
    input_type=None,
    tree_ids=None,
    **attrs,
) -> onnx.ModelProto:
    a = {
        "nodes_treeids": [],
        "nodes_nodeids": [],
        "nodes_featureids": [],
        "nodes_modes": [],
        "nodes_truenodeids": [],
        "nodes_falsenodeids": [],
        "nodes_missing_value_tracks_true": [],
    }
    values, w_tree, w_node, w_id, w_value = [], [], [], [], []
    for t, tree in enumerate(trees):
        tid = tree_ids[t] if tree_ids else t
        a["nodes_treeids"] += [tid] * len(tree["ids"])
        a["nodes_nodeids"] += tree["ids"]
        a["nodes_featureids"] += tree["features"]
        a["nodes_modes"] += tree["modes"]
        a["nodes_truenodeids"] += tree["true"]
        a["nodes_falsenodeids"] += tree["false"]
        a["nodes_missing_value_tracks_true"] += tree["missing"]
        values += tree["values"]
        for node, ws in tree["leaves"].items():
            for target, w in ws:
                w_tree.append(tid), w_node.append(node), w_id.append(target), w_value.append(w)
    prefix = "class_" if op == "TreeEnsembleClassifier" else "target_"
    a[prefix + "treeids"], a[prefix + "nodeids"], a[prefix + "ids"] = w_tree, w_node, w_id
    if double:
        a["nodes_values_as_tensor"] = numpy_helper.from_array(np.array(values, np.float64))
        a[prefix + "weights_as_tensor"] = numpy_helper.from_array(np.array(w_value, np.float64))
        if "base_values" in attrs:
            a["base_values_as_tensor"] = numpy_helper.from_array(
                np.array(attrs.pop("base_values"), np.float64)
            )
    else:
        a["nodes_values"] = [float(v) for v in values]
        a[prefix + "weights"] = [float(v) for v in w_value]
    a.update(attrs)
    elem = input_type or (TensorProto.DOUBLE if double else TensorProto.FLOAT)
    if op == "TreeEnsembleClassifier":
        if labels is not None and isinstance(labels[0], str):
            a["classlabels_strings"] = labels
            label_type = TensorProto.STRING
        else:
            a["classlabels_int64s"] = labels if labels is not None else list(range(n_targets))
            label_type = TensorProto.INT64
        outputs = [
            helper.make_tensor_value_info("Y", label_type, None),
            helper.make_tensor_value_info("Z", TensorProto.FLOAT, None),
        ]
        node = helper.make_node(op, ["X"], ["Y", "Z"], domain=ML, **a)
    else:
        a["n_targets"] = n_targets
        outputs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)]
        node = helper.make_node(op, ["X"], ["Y"], domain=ML, **a)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", elem, None)], outputs)
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, opset)], ir_version=8
    )


def random_tree(
    rng,
    depth: int,
    n_features: int,
    modes: list,
    n_targets: int,
    leaf_weights: int = 1,
    missing=True,
    first_id: int = 0,
) -> dict:
    """A random tree, node ids in breadth-first order from first_id; leaves at random depths."""
    tree = {
        "ids": [],
        "features": [],
        "modes": [],
        "values": [],
        "true": [],
        "false": [],
        "missing": [],
        "leaves": {},
    }
    next_id = [first_id]

    def grow(level: int) -> int:
        me = next_id[0]
        next_id[0] += 1
        i = len(tree["ids"])
        for key in ("ids", "features", "modes", "values", "true", "false", "missing"):
            tree[key].append(0)
        tree["ids"][i] = me
        if level == depth or (level > 1 and rng.random() < 0.25):
            tree["modes"][i] = "LEAF"
            targets = rng.choice(n_targets, size=min(leaf_weights, n_targets), replace=False)
            tree["leaves"][me] = [(int(t), float(rng.normal())) for t in targets]
            return me
        tree["features"][i] = int(rng.integers(n_features))
        tree["modes"][i] = str(rng.choice(modes))
        tree["values"][i] = float(np.round(rng.normal(), 1))  # round: features hit thresholds exactly
        tree["missing"][i] = int(missing and rng.random() < 0.5)
        tree["true"][i] = grow(level + 1)
        tree["false"][i] = grow(level + 1)
        return me

    grow(0)
    return tree


def random_features(rng, rows: int, n_features: int, nan: bool = True) -> np.ndarray:
    x = np.round(rng.normal(size=(rows, n_features)), 1)
    if nan:
        x[rng.random(x.shape) < 0.1] = np.nan
    return x


MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ"]


@pytest.mark.parametrize(
    "modes", [["BRANCH_LEQ"], ["BRANCH_LT"], ["BRANCH_GTE"], ["BRANCH_GT"], ["BRANCH_EQ"], MODES]
)
@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE", "MIN", "MAX"])
def test_regressor_modes_and_aggregates(modes, aggregate):
    rng = np.random.default_rng(len(modes) * 7 + len(aggregate))
    # Every leaf scores every target: onnxruntime reports an unscored target as 0 without its base.
    trees = [random_tree(rng, 5, 4, modes, 3, leaf_weights=3) for _ in range(6)]
    x = random_features(rng, 150, 4).astype(np.float32)
    for base in (None, [0.5, -1.0, 2.0]):
        attrs = {"aggregate_function": aggregate}
        if base:
            attrs["base_values"] = base
        for opset in (1, 3):
            model = v3_model("TreeEnsembleRegressor", trees, n_targets=3, opset=opset, **attrs)
            check_against_ort(model, {"X": x})
            check_against_ort(model, {"X": x[:3]})


@pytest.mark.parametrize("post", ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"])
def test_regressor_post_transforms(post):
    rng = np.random.default_rng(3)
    trees = [random_tree(rng, 4, 3, MODES, 4, leaf_weights=4) for _ in range(4)]
    for t in trees:  # probabilities in (0, 1) keep PROBIT finite; zeros exercise SOFTMAX_ZERO
        t["leaves"] = {k: [(c, abs(w) / 8 if c != 2 else 0.0) for c, w in v] for k, v in t["leaves"].items()}
    x = random_features(rng, 80, 3).astype(np.float32)
    model = v3_model("TreeEnsembleRegressor", trees, n_targets=4, post_transform=post)
    check_against_ort(model, {"X": x})


def test_regressor_double_and_integer_inputs():
    """Integers compare after conversion to the threshold type: as the same values given as floats."""
    rng = np.random.default_rng(5)
    trees = [random_tree(rng, 5, 3, MODES, 2, leaf_weights=2, missing=False) for _ in range(5)]
    xi = rng.integers(-3, 4, size=(60, 3))
    for double in (False, True):
        want = None
        for np_type, onnx_type in (
            (np.float32, TensorProto.FLOAT),
            (np.float64, TensorProto.DOUBLE),
            (np.int64, TensorProto.INT64),
            (np.int32, TensorProto.INT32),
        ):
            model = v3_model("TreeEnsembleRegressor", trees, n_targets=2, double=double, input_type=onnx_type)
            feeds = {"X": xi.astype(np_type)}
            got = run_onyxrt(model, feeds)
            want = want or got
            assert_same(got, want)
            try:
                ort_result = run_ort(model, feeds)
            except (
                onnxruntime.capi.onnxruntime_pybind11_state.NotImplemented,
                onnxruntime.capi.onnxruntime_pybind11_state.Fail,
            ):
                continue  # onnxruntime lacks some (input, threshold) type pairs
            assert_same(got, ort_result)


def test_regressor_single_target_post_transform_follows_spec():
    # NOTE: onnxruntime applies only PROBIT to a single target and ignores LOGISTIC / SOFTMAX.
    model = v3_model(
        "TreeEnsembleRegressor",
        [one_split_tree(0, "BRANCH_LEQ", 0.0, weights=((0.5,), (-1.5,)))],
        post_transform="LOGISTIC",
    )
    got = run_onyxrt(model, {"X": np.array([[-1.0], [1.0]], np.float32)})[0]
    np.testing.assert_allclose(got[:, 0], 1 / (1 + np.exp(-np.array([0.5, -1.5]))), rtol=1e-6)
    model = v3_model(
        "TreeEnsembleRegressor", [one_split_tree(0, "BRANCH_LEQ", 0.0)], post_transform="SOFTMAX"
    )
    np.testing.assert_array_equal(
        run_onyxrt(model, {"X": np.array([[-1.0], [1.0]], np.float32)})[0], [[1.0], [1.0]]
    )


def test_missing_values_follow_the_tracking_flag():
    """NaN goes to the true branch exactly when nodes_missing_value_tracks_true says so, every mode."""
    nan = np.array([[np.nan]], np.float32)
    for mode in MODES + ["BRANCH_NEQ"]:
        for missing in (0, 1):
            model = v3_model("TreeEnsembleRegressor", [one_split_tree(0, mode, 0.5, missing)])
            got = run_onyxrt(model, {"X": nan})[0]
            assert got[0, 0] == (1.0 if missing else 2.0), (mode, missing)
            if mode != "BRANCH_NEQ":  # NOTE: onnxruntime sends NaN true at BRANCH_NEQ (NaN != t)
                assert_same([got], run_ort(model, {"X": nan}))


def renumber(tree: dict, offset: int) -> dict:
    out = dict(tree)
    for key in ("ids", "true", "false"):
        out[key] = [
            v + offset if not (key != "ids" and mode == "LEAF") else v
            for v, mode in zip(tree[key], tree["modes"])
        ]
    out["leaves"] = {k + offset: v for k, v in tree["leaves"].items()}
    return out


def test_node_ids_not_from_zero_and_nodes_in_any_order():
    """Classifier node ids need not start at 0 (onnxruntime requires ids below the node count),
    and a tree's root is the node no other node names, wherever it is listed."""
    rng = np.random.default_rng(11)
    trees = [random_tree(rng, 4, 3, MODES, 3) for _ in range(3)]
    x = random_features(rng, 50, 3).astype(np.float32)
    want = check_against_ort(
        v3_model("TreeEnsembleClassifier", trees, n_targets=3, labels=[5, 6, 7]), {"X": x}
    )
    shifted = [renumber(t, 100 * (i + 1)) for i, t in enumerate(trees)]
    model = v3_model("TreeEnsembleClassifier", shifted, n_targets=3, labels=[5, 6, 7], tree_ids=[9, 4, 6])
    assert_same(run_onyxrt(model, {"X": x}), want)
    # Each tree's node list reversed (leaves first): onnxruntime would take the first listed node
    # as the root.
    rev = [{k: (v[::-1] if isinstance(v, list) else v) for k, v in t.items()} for t in trees]
    model = v3_model("TreeEnsembleClassifier", rev, n_targets=3, labels=[5, 6, 7])
    assert_same(run_onyxrt(model, {"X": x}), want)


# Binary classifiers: every weight for one class, as the converters write them.
BINARY_CASES = [
    (w, base, post)
    for w in (((0.3,), (0.7,)), ((-0.3,), (0.7,)), ((0.8,), (0.1,)))
    for base in (None, [0.5], [0.1, 0.2])
    for post in ("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO")
]


@pytest.mark.parametrize("weights,base,post", BINARY_CASES)
@pytest.mark.parametrize("labels", [[3, 7], ["neg", "pos"]])
def test_binary_classifier_one_column(weights, base, post, labels):
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0, weights=weights)
    attrs = {"post_transform": post}
    if base:
        attrs["base_values"] = base
    x = np.array([[-1.0], [1.0], [np.nan], [0.0]], np.float32)
    for double in (False, True):
        model = v3_model("TreeEnsembleClassifier", [tree], n_targets=2, labels=labels, double=double, **attrs)
        check_against_ort(model, {"X": x.astype(np.float64) if double else x})


def test_binary_classifier_probit():
    # NOTE: onnxruntime writes only column 0 under PROBIT (column 1 is left uninitialised);
    # onyxrt writes 0 there.
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0, weights=((0.3,), (0.7,)))
    model = v3_model("TreeEnsembleClassifier", [tree], n_targets=2, labels=[0, 1], post_transform="PROBIT")
    x = np.array([[-1.0], [1.0]], np.float32)
    got = run_onyxrt(model, {"X": x})
    want = run_ort(model, {"X": x})
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1][:, 0], want[1][:, 0], rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(got[1][:, 1], [0, 0])


@pytest.mark.parametrize("post", ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"])
@pytest.mark.parametrize("with_base", [False, True])
def test_multiclass_classifier(post, with_base):
    rng = np.random.default_rng(17)
    trees = [random_tree(rng, 5, 4, MODES, 4, leaf_weights=2) for _ in range(8)]
    if post == "PROBIT":
        for t in trees:
            t["leaves"] = {k: [(c, abs(w) / 20) for c, w in v] for k, v in t["leaves"].items()}
    attrs = {"post_transform": post}
    if with_base:
        attrs["base_values"] = [0.1, 0.0, -0.2, 0.05] if post != "PROBIT" else [0.1, 0.1, 0.1, 0.1]
    x = random_features(rng, 120, 4).astype(np.float32)
    for labels in ([10, 20, 30, 40], ["a", "b", "c", "d"]):
        model = v3_model("TreeEnsembleClassifier", trees, n_targets=4, labels=labels, **attrs)
        check_against_ort(model, {"X": x})
        check_against_ort(model, {"X": x[:2]})


def test_binary_classifier_two_columns_takes_the_top_class():
    # NOTE: onnxruntime reports the literal label 1 or 0 here (from the sign of the class-1 score).
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0, weights=((0.3, 0.7), (0.8, 0.2)))
    x = np.array([[-1.0], [1.0]], np.float32)
    for base, scores in ((None, [[0.3, 0.7], [0.8, 0.2]]), ([0.5, 0.0], [[0.8, 0.7], [1.3, 0.2]])):
        attrs = {"base_values": base} if base else {}
        model = v3_model("TreeEnsembleClassifier", [tree], n_targets=2, labels=[3, 7], **attrs)
        label, z = run_onyxrt(model, {"X": x})
        np.testing.assert_array_equal(label, [3 if s[0] >= s[1] else 7 for s in scores])
        np.testing.assert_allclose(z, scores, rtol=1e-6)


def test_base_values_add_to_unscored_targets():
    # NOTE: onnxruntime reports 0 for a target no leaf scored, base value or not.
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0, weights=((0.5,), (1.5,)))
    model = v3_model("TreeEnsembleRegressor", [tree], n_targets=2, base_values=[1.0, 2.0])
    got = run_onyxrt(model, {"X": np.array([[-1.0], [1.0]], np.float32)})[0]
    np.testing.assert_allclose(got, [[1.5, 2.0], [2.5, 2.0]])


def test_binary_classifier_class_one_with_two_base_values():
    # NOTE: onnxruntime reports base[1] alone in column 1 here, dropping the trees' sum.
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0, weights=((0.3,), (0.7,)))
    tree["leaves"] = {k: [(1, w) for _, w in v] for k, v in tree["leaves"].items()}
    model = v3_model("TreeEnsembleClassifier", [tree], n_targets=2, labels=[3, 7], base_values=[0.1, 0.2])
    label, z = run_onyxrt(model, {"X": np.array([[-1.0], [1.0]], np.float32)})
    np.testing.assert_array_equal(label, [3, 7])
    np.testing.assert_allclose(z, [[0.0, 0.5], [0.0, 0.9]], rtol=1e-6)


def test_weights_on_interior_nodes_are_ignored():
    """Old onnxmltools wrote weights on interior nodes; onnxruntime ignores them, so does onyxrt."""
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0)
    tree["leaves"][0] = [(0, 100.0)]
    model = v3_model("TreeEnsembleRegressor", [tree])
    check_against_ort(model, {"X": np.array([[-1.0], [1.0]], np.float32)})


# ---------------------------------------------------------------------------------------------
# TreeEnsemble (ml opset 5)


def v5_model(
    nodes: dict, leaves: dict, tree_roots, n_targets: int, dtype=np.float32, membership=None, **attrs
) -> onnx.ModelProto:
    """nodes: featureids, modes, splits, truenodeids, trueleafs, falsenodeids, falseleafs[, missing];
    leaves: targetids, weights."""
    a = {
        "nodes_featureids": nodes["featureids"],
        "nodes_modes": numpy_helper.from_array(np.array(nodes["modes"], np.uint8)),
        "nodes_splits": numpy_helper.from_array(np.array(nodes["splits"], dtype)),
        "nodes_truenodeids": nodes["truenodeids"],
        "nodes_trueleafs": nodes["trueleafs"],
        "nodes_falsenodeids": nodes["falsenodeids"],
        "nodes_falseleafs": nodes["falseleafs"],
        "leaf_targetids": leaves["targetids"],
        "leaf_weights": numpy_helper.from_array(np.array(leaves["weights"], dtype)),
        "tree_roots": list(tree_roots),
        "n_targets": n_targets,
    }
    if "missing" in nodes:
        a["nodes_missing_value_tracks_true"] = nodes["missing"]
    if membership is not None:
        a["membership_values"] = numpy_helper.from_array(np.array(membership, dtype))
    a.update(attrs)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    node = helper.make_node("TreeEnsemble", ["X"], ["Y"], domain=ML, **a)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", elem, None)],
        [helper.make_tensor_value_info("Y", elem, None)],
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid(ML, 5)], ir_version=10
    )


def v5_reference(
    nodes: dict,
    leaves: dict,
    tree_roots,
    n_targets: int,
    x: np.ndarray,
    membership=None,
    aggregate_function: int = 1,
    post_transform: int = 0,
) -> np.ndarray:
    """TreeEnsemble as its specification reads; thresholds in x's type, sums in float64."""
    splits = np.asarray(nodes["splits"], x.dtype).astype(np.float64)
    members_typed = np.asarray(membership if membership is not None else [], x.dtype).astype(np.float64)
    sets, it = {}, iter(members_typed)
    for i, mode in enumerate(nodes["modes"]):
        if mode == 6:
            members = []
            for v in it:
                if np.isnan(v):
                    break
                members.append(v)
            sets[i] = set(members)
    compare = [
        lambda v, t: v <= t,
        lambda v, t: v < t,
        lambda v, t: v >= t,
        lambda v, t: v > t,
        lambda v, t: v == t,
        lambda v, t: v != t,
    ]
    missing = nodes.get("missing", [0] * len(nodes["modes"]))

    def leaf_of(row, i):
        while True:
            v = row[nodes["featureids"][i]]
            if np.isnan(v):
                go = bool(missing[i])
            elif nodes["modes"][i] == 6:
                go = v in sets[i]
            else:
                go = compare[nodes["modes"][i]](v, splits[i])
            nxt = nodes["truenodeids"][i] if go else nodes["falsenodeids"][i]
            if (nodes["trueleafs"] if go else nodes["falseleafs"])[i]:
                return nxt
            i = nxt

    out = np.zeros((len(x), n_targets))
    for r, row in enumerate(x.astype(np.float64)):
        acc, seen = np.zeros(n_targets), np.zeros(n_targets, bool)
        for root in tree_roots:
            single = (
                nodes["trueleafs"][root]
                and nodes["falseleafs"][root]
                and nodes["truenodeids"][root] == nodes["falsenodeids"][root]
            )
            leaf = nodes["truenodeids"][root] if single else leaf_of(row, root)
            t, w = leaves["targetids"][leaf], float(np.asarray(leaves["weights"][leaf], x.dtype))
            if aggregate_function in (0, 1):
                acc[t] += w
            elif not seen[t] or (w < acc[t] if aggregate_function == 2 else w > acc[t]):
                acc[t] = w
            seen[t] = True
        if aggregate_function == 0:
            acc /= len(tree_roots)
        if post_transform == 1:
            acc = np.exp(acc - acc.max()) / np.exp(acc - acc.max()).sum()
        elif post_transform == 2:
            acc = 1 / (1 + np.exp(-acc))
        out[r] = acc
    return out


def random_v5(rng, n_trees: int, depth: int, n_features: int, n_targets: int, modes, missing=True):
    nodes = {
        k: []
        for k in (
            "featureids",
            "modes",
            "splits",
            "truenodeids",
            "trueleafs",
            "falsenodeids",
            "falseleafs",
            "missing",
        )
    }
    leaves = {"targetids": [], "weights": []}
    membership, roots = [], []

    def grow(level):
        """(id, is_leaf) of a new subtree."""
        if level == depth or (level > 1 and rng.random() < 0.25):
            leaves["targetids"].append(int(rng.integers(n_targets)))
            leaves["weights"].append(float(np.round(rng.normal(), 3)))
            return len(leaves["targetids"]) - 1, 1
        i = len(nodes["modes"])
        mode = int(rng.choice(modes))
        for k, v in (
            ("featureids", int(rng.integers(n_features))),
            ("modes", mode),
            ("splits", float(np.round(rng.normal(), 1))),
            ("missing", int(missing and rng.random() < 0.5)),
        ):
            nodes[k].append(v)
        if mode == 6:
            membership.extend(sorted(set(rng.integers(0, 6, size=3).astype(float).tolist())) + [np.nan])
        for side in ("true", "false"):
            nodes[side + "nodeids"].append(0)
            nodes[side + "leafs"].append(0)
        t, tl = grow(level + 1)
        f, fl = grow(level + 1)
        nodes["truenodeids"][i], nodes["trueleafs"][i] = t, tl
        nodes["falsenodeids"][i], nodes["falseleafs"][i] = f, fl
        return i, 0

    for _ in range(n_trees):
        root, _ = grow(0)
        roots.append(root)
    return nodes, leaves, roots, (membership if 6 in modes else None)


@pytest.mark.parametrize(
    "modes",
    [[0], [1], [2], [3], [4], [5], [6], [0, 1, 2, 3, 4, 5, 6]],
    ids=["LEQ", "LT", "GTE", "GT", "EQ", "NEQ", "MEMBER", "mixed"],
)
@pytest.mark.parametrize("aggregate", [0, 1, 2, 3], ids=["AVERAGE", "SUM", "MIN", "MAX"])
def test_tree_ensemble_v5_modes_and_aggregates(modes, aggregate):
    rng = np.random.default_rng(len(modes) * 10 + aggregate)
    nodes, leaves, roots, membership = random_v5(rng, 6, 5, 4, 3, modes)
    x = random_features(rng, 100, 4)
    if 6 in modes:  # small integer sets, the kind onnxruntime implements; features hit them
        x = np.where(np.isnan(x), x, np.round(x * 3))
    for dtype in (np.float32, np.float64):
        model = v5_model(nodes, leaves, roots, 3, dtype, membership, aggregate_function=aggregate)
        xd = x.astype(dtype)
        got = run_onyxrt(model, {"X": xd})[0]
        want = v5_reference(nodes, leaves, roots, 3, xd, membership, aggregate_function=aggregate)
        # MIN / MAX of a target no leaf scored: 0 here and in onnxruntime (the reference's idea).
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        assert got.dtype == dtype
        if 5 not in modes:  # NOTE: onnxruntime sends NaN true at BRANCH_NEQ regardless of the flag
            assert_same([got], run_ort(model, {"X": xd}))
        assert_same(run_onyxrt(model, {"X": xd[:1]}), [got[:1]])


@pytest.mark.parametrize(
    "post", [0, 1, 2, 3, 4], ids=["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"]
)
def test_tree_ensemble_v5_post_transforms(post):
    rng = np.random.default_rng(post)
    nodes, leaves, roots, _ = random_v5(rng, 5, 4, 3, 3, [0, 1, 2, 3])
    if post == 4:
        leaves["weights"] = [abs(w) / 6 for w in leaves["weights"]]
    x = random_features(rng, 60, 3).astype(np.float32)
    got = run_onyxrt(v5_model(nodes, leaves, roots, 3, post_transform=post), {"X": x})
    # NOTE: onnxruntime 1.32 reads TreeEnsemble's post_transform 1 as LOGISTIC and 2 as SOFTMAX
    # (its older enum); the specification says 1 is SOFTMAX and 2 LOGISTIC.
    ort_code = {1: 2, 2: 1}.get(post, post)
    assert_same(got, run_ort(v5_model(nodes, leaves, roots, 3, post_transform=ort_code), {"X": x}))
    if post in (0, 1, 2):
        want = v5_reference(nodes, leaves, roots, 3, x, post_transform=post)
        np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-5)


def test_tree_ensemble_v5_float16():
    rng = np.random.default_rng(23)
    nodes, leaves, roots, membership = random_v5(rng, 4, 4, 3, 2, [0, 1, 6])
    x = random_features(rng, 40, 3)
    model = v5_model(nodes, leaves, roots, 2, np.float16, membership, aggregate_function=1, post_transform=2)
    got = run_onyxrt(model, {"X": x.astype(np.float16)})[0]
    assert got.dtype == np.float16
    want = v5_reference(nodes, leaves, roots, 2, x.astype(np.float16), membership, post_transform=2)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=2e-3, atol=2e-3)


def test_tree_ensemble_v5_single_leaf_trees():
    # Tree 0: one leaf (both branches name leaf 1); tree 1: x0 <= 0.5 ? leaf 0 : leaf 2.
    nodes = {
        "featureids": [0, 0],
        "modes": [0, 0],
        "splits": [0.0, 0.5],
        "truenodeids": [1, 0],
        "trueleafs": [1, 1],
        "falsenodeids": [1, 2],
        "falseleafs": [1, 1],
    }
    leaves = {"targetids": [0, 1, 0], "weights": [1.0, 10.0, 100.0]}
    x = np.array([[0.0], [1.0]], np.float32)
    model = v5_model(nodes, leaves, [0, 1], 2)
    np.testing.assert_array_equal(run_onyxrt(model, {"X": x})[0], [[1.0, 10.0], [100.0, 10.0]])


def test_tree_ensemble_v5_set_membership_large_set():
    members = np.arange(-50.0, 50.0, 0.5)
    nodes = {
        "featureids": [0],
        "modes": [6],
        "splits": [0.0],
        "truenodeids": [0],
        "trueleafs": [1],
        "falsenodeids": [1],
        "falseleafs": [1],
        "missing": [1],
    }
    leaves = {"targetids": [0, 0], "weights": [1.0, 2.0]}
    membership = list(members) + [np.nan]
    model = v5_model(nodes, leaves, [0], 1, membership=membership)
    x = np.array([[-50.0], [49.5], [0.25], [3.0], [np.nan], [50.0], [0.5]], np.float32)
    got = run_onyxrt(model, {"X": x})[0]
    # (onnxruntime accepts only integer members in [0, 30] in small sets, or integer big sets)
    np.testing.assert_array_equal(got, v5_reference(nodes, leaves, [0], 1, x, membership))
    np.testing.assert_array_equal(got.ravel(), [1, 1, 2, 1, 1, 2, 1])


def test_tree_ensemble_v5_deep_chain():
    """A 3000-level chain: no recursion, no depth limit short of the node count."""
    n = 3000
    nodes = {
        "featureids": [0] * n,
        "modes": [0] * n,
        "splits": [float(i) for i in range(n)],
        "truenodeids": [0] * n,
        "trueleafs": [1] * n,
        "falsenodeids": list(range(1, n)) + [1],
        "falseleafs": [0] * (n - 1) + [1],
    }
    leaves = {"targetids": [0, 0], "weights": [1.0, 2.0]}
    model = v5_model(nodes, leaves, [0], 1)
    x = np.array([[-1.0], [2999.0], [5000.0]], np.float32)
    np.testing.assert_array_equal(run_onyxrt(model, {"X": x})[0], [[1.0], [1.0], [2.0]])


def test_empty_batch():
    model = v3_model(
        "TreeEnsembleClassifier", [one_split_tree(0, "BRANCH_LEQ", 0.0)], n_targets=2, labels=[0, 1]
    )
    got = run_onyxrt(model, {"X": np.zeros((0, 1), np.float32)})
    assert got[0].shape == (0,) and got[1].shape == (0, 2)


def test_one_dimensional_input_is_one_row():
    model = v3_model("TreeEnsembleRegressor", [one_split_tree(1, "BRANCH_LEQ", 0.0)])
    got = run_onyxrt(model, {"X": np.array([0.0, -1.0], np.float32)})[0]
    np.testing.assert_array_equal(got, [[1.0]])


# ---------------------------------------------------------------------------------------------
# errors


def expect(error, model, x, *fragments):
    with pytest.raises(error) as info:
        run_onyxrt(model, {"X": x})
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


X1 = np.zeros((2, 1), np.float32)


def test_error_cycle_v3():
    tree = {
        "ids": [0, 1, 2],
        "features": [0, 0, 0],
        "modes": ["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"],
        "values": [0, 0, 0],
        "true": [1, 0, 0],
        "false": [2, 2, 0],
        "missing": [0, 0, 0],
        "leaves": {2: [(0, 1.0)]},
    }
    # 0 -> 1 -> 0: node 0 is referenced, so the tree has no root
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [tree]), X1, "cycle")
    tree = {
        "ids": [0, 1, 2, 3],
        "features": [0] * 4,
        "modes": ["BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LEQ", "LEAF"],
        "values": [0] * 4,
        "true": [1, 2, 1, 0],
        "false": [3, 3, 3, 0],
        "missing": [0] * 4,
        "leaves": {3: [(0, 1.0)]},
    }
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [tree]), X1, "cycle")


def test_error_cycle_v5():
    nodes = {
        "featureids": [0, 0],
        "modes": [0, 0],
        "splits": [0.0, 0.0],
        "truenodeids": [1, 0],
        "trueleafs": [0, 0],
        "falsenodeids": [0, 0],
        "falseleafs": [1, 1],
    }
    expect(onyxrt.InvalidGraph, v5_model(nodes, {"targetids": [0], "weights": [1.0]}, [0], 1), X1, "cycle")


def test_error_dangling_references():
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0)
    tree["false"][0] = 9
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [tree]), X1, "false child 9")
    nodes = {
        "featureids": [0],
        "modes": [0],
        "splits": [0.0],
        "truenodeids": [0],
        "trueleafs": [1],
        "falsenodeids": [5],
        "falseleafs": [1],
    }
    expect(onyxrt.InvalidGraph, v5_model(nodes, {"targetids": [0], "weights": [1.0]}, [0], 1), X1, "leaf 5")
    nodes["falseleafs"] = [0]
    expect(onyxrt.InvalidGraph, v5_model(nodes, {"targetids": [0], "weights": [1.0]}, [0], 1), X1, "node 5")
    nodes["falsenodeids"] = [0]
    expect(
        onyxrt.InvalidGraph, v5_model(nodes, {"targetids": [0], "weights": [1.0]}, [3], 1), X1, "tree_roots"
    )
    tree = one_split_tree(0, "BRANCH_LEQ", 0.0)
    tree["leaves"][7] = [(0, 1.0)]
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [tree]), X1, "node 7")


def test_error_attributes():
    t = one_split_tree(0, "BRANCH_LEQ", 0.0)
    bad_mode = one_split_tree(0, "BRANCH_SOMETIMES", 0.0)
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [bad_mode]), X1, "BRANCH_SOMETIMES")
    expect(
        onyxrt.InvalidGraph,
        v3_model("TreeEnsembleRegressor", [t], post_transform="TANH"),
        X1,
        "post_transform",
    )
    expect(
        onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [t], aggregate_function="MEDIAN"), X1, "MEDIAN"
    )
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [t], n_targets=0), X1, "n_targets")
    expect(
        onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [t], base_values=[1.0, 2.0]), X1, "base_values"
    )
    wide = one_split_tree(0, "BRANCH_LEQ", 0.0, weights=((1.0, 2.0), (3.0,)))
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [wide], n_targets=1), X1, "index 1")
    expect(
        onyxrt.InvalidGraph,
        v3_model("TreeEnsembleClassifier", [wide], n_targets=1, labels=[0]),
        X1,
        "index 1",
    )
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [t], opset=1, double=True), X1, "opset 3")
    m = v3_model("TreeEnsembleClassifier", [t], n_targets=2, labels=[0, 1])
    m.graph.node[0].attribute.append(helper.make_attribute("classlabels_strings", ["a", "b"]))
    expect(onyxrt.InvalidGraph, m, X1, "classlabels")
    m = v3_model("TreeEnsembleRegressor", [t])
    del (
        m.graph.node[0]
        .attribute[[a.name for a in m.graph.node[0].attribute].index("nodes_featureids")]
        .ints[1]
    )
    expect(onyxrt.InvalidGraph, m, X1, "nodes_featureids")
    dup = dict(t, ids=[0, 1, 1])
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [dup]), X1, "appears twice")
    neg = one_split_tree(-2, "BRANCH_LEQ", 0.0)
    expect(onyxrt.InvalidGraph, v3_model("TreeEnsembleRegressor", [neg]), X1, "feature -2")

    nodes = {
        "featureids": [0],
        "modes": [6],
        "splits": [0.0],
        "truenodeids": [0],
        "trueleafs": [1],
        "falsenodeids": [1],
        "falseleafs": [1],
    }
    leaves = {"targetids": [0, 0], "weights": [1.0, 2.0]}
    expect(onyxrt.InvalidGraph, v5_model(nodes, leaves, [0], 1), X1, "membership_values")
    expect(
        onyxrt.InvalidGraph,
        v5_model(nodes, leaves, [0], 1, membership=[1.0, np.nan, 2.0, np.nan]),
        X1,
        "more sets",
    )
    expect(onyxrt.InvalidGraph, v5_model(dict(nodes, modes=[9]), leaves, [0], 1), X1, "nodes_modes")
    expect(
        onyxrt.InvalidGraph,
        v5_model(dict(nodes, modes=[0]), leaves, [0], 1, post_transform=7),
        X1,
        "post_transform",
    )
    expect(
        onyxrt.InvalidGraph,
        v5_model(dict(nodes, modes=[0]), leaves, [0], 1, aggregate_function=4),
        X1,
        "aggregate_function",
    )
    expect(onyxrt.InvalidGraph, v5_model(dict(nodes, modes=[0]), leaves, [0], 0), X1, "positive")
    expect(
        onyxrt.InvalidGraph,
        v5_model(dict(nodes, modes=[0]), dict(leaves, targetids=[0, 3]), [0], 2),
        X1,
        "index 3",
    )


def test_error_inputs():
    t = one_split_tree(3, "BRANCH_LEQ", 0.0)
    m = v3_model("TreeEnsembleRegressor", [t])
    expect(onyxrt.InvalidArgument, m, np.zeros((2, 3), np.float32), "feature 3")
    expect(onyxrt.InvalidArgument, m, np.zeros((2, 4, 1), np.float32), "[N, F]")
    nodes = {
        "featureids": [0],
        "modes": [0],
        "splits": [0.0],
        "truenodeids": [0],
        "trueleafs": [1],
        "falsenodeids": [1],
        "falseleafs": [1],
    }
    m = v5_model(nodes, {"targetids": [0, 0], "weights": [1.0, 2.0]}, [0], 1, np.float64)
    m.graph.input[0].type.tensor_type.elem_type = TensorProto.FLOAT
    expect(onyxrt.InvalidArgument, m, np.zeros((2, 1), np.float32), "nodes_splits is double")


def test_corrupted_models_fail_cleanly():
    """Random child references, features and roots: a clear error or a result, never a crash or
    an endless walk (cycles, self references, out-of-range ids)."""
    rng = np.random.default_rng(29)
    x = random_features(rng, 20, 3).astype(np.float32)
    outcomes = set()
    for trial in range(150):
        nodes, leaves, roots, _ = random_v5(rng, 3, 4, 3, 2, [0, 1, 2, 3, 4, 5])
        n, n_leaves = len(nodes["modes"]), len(leaves["targetids"])
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(n))
            key = str(rng.choice(["truenodeids", "falsenodeids", "featureids", "trueleafs"]))
            nodes[key][i] = int(rng.integers(-1, max(n, n_leaves, 3) + 1))
        if trial % 10 == 0:
            roots = [int(rng.integers(-1, n + 1))]
        try:
            got = run_onyxrt(v5_model(nodes, leaves, roots, 2), {"X": x})[0]
            assert got.shape == (20, 2)
            outcomes.add("ran")
        except (onyxrt.InvalidGraph, onyxrt.InvalidArgument):
            outcomes.add("error")
    for trial in range(150):
        tree = random_tree(rng, 4, 3, MODES, 2)
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(len(tree["ids"])))
            key = str(rng.choice(["true", "false", "ids", "features"]))
            tree[key][i] = int(rng.integers(-1, len(tree["ids"]) + 1))
        try:
            got = run_onyxrt(v3_model("TreeEnsembleRegressor", [tree], n_targets=2), {"X": x})[0]
            assert got.shape == (20, 2)
            outcomes.add("ran")
        except (onyxrt.InvalidGraph, onyxrt.InvalidArgument):
            outcomes.add("error")
    assert outcomes == {"ran", "error"}
