"""Side-by-side latency: onyxrt against onnxruntime, same model, same feeds, same thread count.

The two runtimes are timed interleaved in one process (A, B, A, B, ...) so that machine noise
hits both alike; the figure that matters is the ratio onyxrt / onnxruntime (< 1: onyxrt faster).

    python bench/compare.py                      # the light_* models from the onnx package
    python bench/compare.py model.onnx --threads 2 --repeat 50
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def light_models() -> list[Path]:
    import onnx

    folder = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
    return sorted(folder.glob("light_*.onnx"))


NUMPY_TYPES = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8, "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


def make_feeds(session, batch: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    feeds = {}
    for info in session.get_inputs():
        shape = [d if isinstance(d, int) else batch for d in info.shape]
        dtype = NUMPY_TYPES.get(info.type)
        if dtype is None:
            raise SystemExit(f"input '{info.name}' has type {info.type}, which this bench does not generate")
        values = rng.standard_normal(shape) if np.dtype(dtype).kind == "f" else rng.integers(0, 2, shape)
        feeds[info.name] = values.astype(dtype)
    return feeds


def time_session(run, feeds) -> float:
    start = time.perf_counter()
    run(None, feeds)
    return (time.perf_counter() - start) * 1e3


def compare(path: Path, threads: int, repeat: int, warmup: int, batch: int) -> tuple[float, float, float, float]:
    import onnxruntime

    import onyxrt

    ort_options = onnxruntime.SessionOptions()
    ort_options.intra_op_num_threads = threads
    ort_options.inter_op_num_threads = 1
    start = time.perf_counter()
    ort_session = onnxruntime.InferenceSession(str(path), ort_options, providers=["CPUExecutionProvider"])
    ort_load = (time.perf_counter() - start) * 1e3

    onyx_options = onyxrt.SessionOptions()
    onyx_options.intra_op_num_threads = threads
    start = time.perf_counter()
    onyx_session = onyxrt.InferenceSession(str(path), onyx_options)
    onyx_load = (time.perf_counter() - start) * 1e3

    feeds = make_feeds(ort_session, batch)
    for _ in range(warmup):
        ort_session.run(None, feeds)
        onyx_session.run(None, feeds)
    onyx_times, ort_times = [], []
    for _ in range(repeat):
        onyx_times.append(time_session(onyx_session.run, feeds))
        ort_times.append(time_session(ort_session.run, feeds))
    return statistics.median(onyx_times), statistics.median(ort_times), onyx_load, ort_load


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", type=Path, help="ONNX files (default: the onnx package's light models)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1, help="size given to symbolic dimensions")
    args = parser.parse_args(argv)

    models = args.models or light_models()
    print(f"threads={args.threads} batch={args.batch} repeat={args.repeat} (median latency, ms)")
    header = f"{'model':<28}{'onyxrt':>10}{'onnxruntime':>13}{'ratio':>8}{'load onyxrt':>13}{'load ort':>10}"
    print(header)
    print("-" * len(header))
    ratios = []
    for path in models:
        onyx, ort, onyx_load, ort_load = compare(path, args.threads, args.repeat, args.warmup, args.batch)
        ratios.append(onyx / ort)
        print(f"{path.stem:<28}{onyx:>10.2f}{ort:>13.2f}{onyx / ort:>8.2f}{onyx_load:>13.1f}{ort_load:>10.1f}")
    geomean = float(np.exp(np.mean(np.log(ratios))))
    print(f"{'geometric mean ratio':<51}{geomean:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
