"""Tree ensemble latency: onyxrt against onnxruntime on converted scikit-learn / LightGBM models.

Trains three models on scikit-learn's bundled datasets, converts them (no ZipMap), and times
both runtimes interleaved (A, B, A, B, ...) in one process on the same feeds with the same
thread count; prints the median latency of each and the ratio onyxrt / onnxruntime (< 1: onyxrt
faster) at batch 1 and batch 1000.

    python bench/ml_trees.py                    # 1 thread, 200 runs per point
    python bench/ml_trees.py --threads 2 --repeat 50
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def build_models() -> list[tuple[str, bytes, np.ndarray]]:
    """(name, serialized model, data rows to feed)."""
    import lightgbm
    from onnxmltools.convert import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType as MlFloat
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType as SkFloat
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier

    warnings.filterwarnings("ignore")

    def inputs(x, kind=SkFloat):  # a free batch dimension
        return [("X", kind([None, x.shape[1]]))]

    models = []
    x, y = load_digits(return_X_y=True)
    x = x.astype(np.float32)
    rf = RandomForestClassifier(n_estimators=100, random_state=0).fit(x, y)
    onx = to_onnx(
        rf, initial_types=inputs(x), options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3}
    )
    models.append(("RandomForest digits (100 trees, 10 classes)", onx.SerializeToString(), x))

    x, y = load_diabetes(return_X_y=True)
    x = x.astype(np.float32)
    gb = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0).fit(x, y)
    onx = to_onnx(gb, initial_types=inputs(x), target_opset={"": 17, "ai.onnx.ml": 3})
    models.append(("GradientBoosting diabetes (100 trees, depth 3)", onx.SerializeToString(), x))

    x, y = load_breast_cancer(return_X_y=True)
    x = x.astype(np.float32)
    lgbm = lightgbm.LGBMClassifier(n_estimators=100, verbose=-1, random_state=0).fit(x, y)
    onx = convert_lightgbm(lgbm, initial_types=inputs(x, MlFloat), zipmap=False)
    models.append(("LightGBM breast_cancer (100 trees, binary)", onx.SerializeToString(), x))
    return models


def batch_of(rows: np.ndarray, batch: int) -> np.ndarray:
    reps = -(-batch // len(rows))
    return np.ascontiguousarray(np.tile(rows, (reps, 1))[:batch])


def time_pair(onyx_run, ort_run, feeds: dict, repeat: int, warmup: int) -> tuple[float, float]:
    for _ in range(warmup):
        onyx_run(None, feeds)
        ort_run(None, feeds)
    onyx_times, ort_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        onyx_run(None, feeds)
        onyx_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        ort_run(None, feeds)
        ort_times.append(time.perf_counter() - start)
    return statistics.median(onyx_times) * 1e3, statistics.median(ort_times) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 1000])
    args = parser.parse_args()

    import onnxruntime

    import onyxrt

    ort_options = onnxruntime.SessionOptions()
    ort_options.intra_op_num_threads = args.threads
    ort_options.inter_op_num_threads = 1
    ort_options.log_severity_level = 3
    onyx_options = onyxrt.SessionOptions()
    onyx_options.intra_op_num_threads = args.threads

    print(f"threads={args.threads} repeat={args.repeat} (median ms)")
    print(f"{'model':48s} {'batch':>6s} {'onyxrt':>9s} {'ort':>9s} {'ratio':>6s}")
    worst = 0.0
    for name, blob, rows in build_models():
        ort_session = onnxruntime.InferenceSession(blob, ort_options, providers=["CPUExecutionProvider"])
        onyx_session = onyxrt.InferenceSession(blob, onyx_options)
        input_name = ort_session.get_inputs()[0].name
        for batch in args.batches:
            feeds = {input_name: batch_of(rows, batch)}
            onyx_ms, ort_ms = time_pair(onyx_session.run, ort_session.run, feeds, args.repeat, args.warmup)
            ratio = onyx_ms / ort_ms
            worst = max(worst, ratio)
            print(f"{name:48s} {batch:6d} {onyx_ms:9.4f} {ort_ms:9.4f} {ratio:6.2f}")
    print(f"worst ratio: {worst:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
