"""scikit-learn models trained on the bundled datasets (iris, breast_cancer, diabetes), converted
with skl2onnx and run by onyxrt and onnxruntime on the same rows: labels compared exactly,
scores and probabilities to 1e-5 (relative and absolute), ZipMap outputs as lists of dicts
with onnxruntime's key order. Tree models run when TreeEnsemble* is served."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

import onyxrt

skl2onnx = pytest.importorskip("skl2onnx")
sklearn = pytest.importorskip("sklearn")

from skl2onnx import to_onnx
from skl2onnx.common.data_types import DictionaryType, FloatTensorType, Int64TensorType, StringTensorType
from sklearn import datasets
from sklearn.cluster import KMeans
from sklearn.feature_extraction import DictVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, Normalizer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC

RTOL, ATOL = 1e-5, 1e-5


def dataset(name):
    data = getattr(datasets, f"load_{name}")()
    return data.data.astype(np.float32), data.target


def compare(got, want) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if isinstance(w, list):  # ZipMap: a list of dicts
            assert isinstance(g, list) and len(g) == len(w)
            for gd, wd in zip(g, w):
                assert list(gd) == list(wd), (gd, wd)
                np.testing.assert_allclose(list(gd.values()), list(wd.values()), rtol=RTOL, atol=ATOL)
            continue
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        if w.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
        else:
            np.testing.assert_array_equal(g, w)


def run_both(onx, feeds) -> list:
    model = onx.SerializeToString()
    want = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)
    got = onyxrt.InferenceSession(model).run(None, feeds)
    compare(got, want)
    return got


def check_model(model, x, options=None) -> list:
    onx = to_onnx(model, x[:1], options=options)
    return run_both(onx, {onx.graph.input[0].name: x})


def iris():
    x, y = dataset("iris")
    return x, y


def breast_cancer_scaled():
    x, y = dataset("breast_cancer")
    return StandardScaler().fit_transform(x).astype(np.float32), y


# ---- linear models ------------------------------------------------------------------------------
@pytest.mark.parametrize("zipmap", [True, False])
@pytest.mark.parametrize("data", ["iris", "breast_cancer"])
def test_logistic_regression(zipmap, data):
    x, y = iris() if data == "iris" else breast_cancer_scaled()
    model = LogisticRegression(max_iter=500).fit(x, y)
    options = None if zipmap else {id(model): {"zipmap": False}}
    got = check_model(model, x, options)
    np.testing.assert_array_equal(got[0], model.predict(x))
    if zipmap:
        assert isinstance(got[1], list) and isinstance(got[1][0], dict)


def test_logistic_regression_string_labels():
    x, y = iris()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression(max_iter=500).fit(x, names)
    got = check_model(model, x)
    assert got[0].dtype == object and set(got[1][0]) == {"setosa", "versicolor", "virginica"}


@pytest.mark.parametrize("model", [LinearRegression(), Ridge(alpha=0.5)], ids=["linear", "ridge"])
def test_regressors(model):
    x, y = dataset("diabetes")
    check_model(model.fit(x, y), x)


# ---- SVMs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly", "sigmoid"])
@pytest.mark.parametrize("probability", [False, True])
@pytest.mark.parametrize("data", ["iris", "breast_cancer"])
def test_svc(kernel, probability, data):
    x, y = iris() if data == "iris" else breast_cancer_scaled()
    model = SVC(kernel=kernel, probability=probability, random_state=0).fit(x, y)
    got = check_model(model, x)
    if not probability:
        np.testing.assert_array_equal(got[0], model.predict(x))


@pytest.mark.parametrize("data", ["iris", "breast_cancer"])
def test_linear_svc(data):
    x, y = iris() if data == "iris" else breast_cancer_scaled()
    model = LinearSVC(max_iter=5000, random_state=0).fit(x, y)
    got = check_model(model, x)
    np.testing.assert_array_equal(got[0], model.predict(x))


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_svr(kernel):
    x, y = dataset("diabetes")
    model = SVR(kernel=kernel, C=50.0).fit(x, y)
    check_model(model, x)


# ---- clustering, preprocessing pipelines --------------------------------------------------------
def test_kmeans():
    x, _ = iris()
    check_model(KMeans(n_clusters=3, n_init=3, random_state=0).fit(x), x)


@pytest.mark.parametrize(
    "pipeline",
    [
        lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        lambda: make_pipeline(MinMaxScaler(), SVC(probability=True, random_state=0)),
        lambda: make_pipeline(Normalizer(norm="l2"), LogisticRegression(max_iter=500)),
        lambda: make_pipeline(Normalizer(norm="l1"), StandardScaler(), SVC(kernel="linear")),
        lambda: make_pipeline(Normalizer(norm="max"), LogisticRegression(max_iter=500)),
    ],
    ids=["standard", "minmax_svc", "normalizer_l2", "normalizer_l1", "normalizer_max"],
)
def test_preprocessing_pipelines(pipeline):
    x, y = iris()
    check_model(pipeline().fit(x, y), x)


def test_simple_imputer_pipeline():
    x, y = iris()
    x = x.copy()
    rng = np.random.default_rng(0)
    x[rng.random(x.shape) < 0.1] = np.nan
    model = make_pipeline(SimpleImputer(strategy="mean"), LogisticRegression(max_iter=500)).fit(x, y)
    check_model(model, x)


def test_one_hot_encoder_pipeline():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(60, 3)).astype(np.int64)
    y = x @ np.array([1.5, -2.0, 0.5]) + rng.standard_normal(60)
    model = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LinearRegression()).fit(x, y)
    onx = to_onnx(model, initial_types=[("X", Int64TensorType([None, 3]))])
    x_new = x.copy()
    x_new[0, 0] = 9  # an unknown category: a row of zeros
    run_both(onx, {"X": x_new})


def test_one_hot_encoder_strings():
    x = np.array([["red", "s"], ["blue", "m"], ["green", "l"], ["red", "m"]], dtype=object)
    model = OneHotEncoder(handle_unknown="ignore").fit(x)
    onx = to_onnx(model, initial_types=[("X", StringTensorType([None, 2]))])
    run_both(onx, {"X": np.array([["blue", "l"], ["pink", "s"]], dtype=object)})


def test_dict_vectorizer_pipeline():
    rows = [{"age": 4.0, "height": 1.5}, {"age": 2.0, "weight": 30.0}, {"height": 1.2, "weight": 12.0}]
    model = make_pipeline(DictVectorizer(sparse=False), LinearRegression()).fit(rows, [1.0, 2.0, 3.0])
    onx = to_onnx(model, initial_types=[("X", DictionaryType(StringTensorType([1]), FloatTensorType([1])))])
    for row in rows + [{"age": 1.0, "unknown": 5.0}]:
        run_both(onx, {"X": row})


def test_label_encoder_string_labels():
    model = LabelEncoder().fit(["paris", "tokyo", "amsterdam", "tokyo"])
    onx = to_onnx(model, initial_types=[("X", StringTensorType([None]))])
    got = run_both(onx, {"X": np.array(["tokyo", "amsterdam", "paris", "oslo"], dtype=object)})
    np.testing.assert_array_equal(got[0][:3], model.transform(["tokyo", "amsterdam", "paris"]))


# ---- tree models (when another family serves TreeEnsemble*) -------------------------------------
def tree_ensembles_served() -> bool:
    from sklearn.tree import DecisionTreeRegressor

    x, y = dataset("diabetes")
    onx = to_onnx(DecisionTreeRegressor(max_depth=2).fit(x, y), x[:1])
    try:
        onyxrt.InferenceSession(onx.SerializeToString())
    except onyxrt.OnyxrtError:
        return False
    return True


@pytest.mark.parametrize(
    "kind", ["tree_classifier", "forest_classifier", "tree_regressor", "forest_regressor"]
)
def test_tree_models(kind):
    if not tree_ensembles_served():
        pytest.skip("TreeEnsemble* is not registered in this build")
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    models = {
        "tree_classifier": (DecisionTreeClassifier(max_depth=5, random_state=0), "iris"),
        "forest_classifier": (RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0), "iris"),
        "tree_regressor": (DecisionTreeRegressor(max_depth=6, random_state=0), "diabetes"),
        "forest_regressor": (RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0), "diabetes"),
    }
    model, data = models[kind]
    x, y = dataset(data)
    check_model(model.fit(x, y), x)
