"""Memory-bound operators of the transformer models one at a time: onyxrt against onnxruntime.

Each case is a one-node model at the shape BERT-base / GPT-2-small run it at (sequence 128,
hidden 768, 12 heads, FFN 3072), or for `stft` at a speech model's front end (30 s of 16 kHz
audio, 400-sample Hann frames every 160 samples, as Whisper's), timed in both runtimes interleaved in one process; the table
gives the median time per run and the ratio onyxrt / onnxruntime (< 1: onyxrt faster).

    python bench/ops.py                          # every case, 1 thread
    python bench/ops.py --cases layernorm softmax --threads 1 2 --repeat 20

Needs numpy, onnx, onnxruntime and onyxrt.
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from gemm import RUNTIMES, time_interleaved  # bench/ is on the path
from onnx import TensorProto, helper, numpy_helper

SEQ, HIDDEN, HEADS, FFN = 128, 768, 12, 3072


def one_node(node, x_shape, initializers=None, ms_domain=False) -> bytes:
    graph = helper.make_graph([node], "op", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in (initializers or {}).items()])
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.microsoft", 1)] if ms_domain else [])
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return model.SerializeToString()


def cases() -> dict:
    rng = np.random.default_rng(0)
    vec = lambda n: rng.standard_normal(n).astype(np.float32)
    return {
        "layernorm": (one_node(helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1, epsilon=1e-12),
                               [SEQ, HIDDEN], {"s": vec(HIDDEN), "b": vec(HIDDEN)}), [SEQ, HIDDEN]),
        "softmax": (one_node(helper.make_node("Softmax", ["x"], ["y"], axis=-1), [1, HEADS, SEQ, SEQ]),
                    [1, HEADS, SEQ, SEQ]),
        "biasgelu": (one_node(helper.make_node("BiasGelu", ["x", "b"], ["y"], domain="com.microsoft"), [SEQ, FFN],
                              {"b": vec(FFN)}, ms_domain=True), [SEQ, FFN]),
        "fastgelu": (one_node(helper.make_node("FastGelu", ["x", "b"], ["y"], domain="com.microsoft"), [SEQ, FFN],
                              {"b": vec(FFN)}, ms_domain=True), [SEQ, FFN]),
        "residual_add": (one_node(helper.make_node("Add", ["x", "r"], ["y"]), [1, SEQ, HIDDEN],
                                  {"r": rng.standard_normal((1, SEQ, HIDDEN)).astype(np.float32)}), [1, SEQ, HIDDEN]),
        "stft": (one_node(helper.make_node("STFT", ["x", "step", "window"], ["y"]), [1, 480000, 1],
                          {"step": np.array(160, dtype=np.int64), "window": np.hanning(400).astype(np.float32)}),
                 [1, 480000, 1]),
    }


def time_case(model: bytes, shape: list, threads: int, repeat: int, min_ms: float, settle_s: float) -> dict:
    feeds = {"x": np.random.default_rng(1).standard_normal(shape).astype(np.float32)}
    times, diff = time_interleaved(model, feeds, threads, repeat, 3, min_ms, settle_s=settle_s)
    row = {rt: statistics.median(times[rt]) for rt in RUNTIMES}
    row["ratio"] = row["onyxrt"] / row["onnxruntime"]
    row["diff"] = diff
    return row


def main() -> int:
    all_cases = cases()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=sorted(all_cases), help="cases (default: all)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1])
    parser.add_argument("--repeat", type=int, default=11, help="timed samples per runtime (median)")
    parser.add_argument("--min-ms", type=float, default=20.0, help="least time per sample")
    parser.add_argument("--settle-ms", type=float, default=50.0, help="pause before each sample")
    args = parser.parse_args()
    print(f"{'case':14s} {'thr':>3s} {'onyxrt ms':>10s} {'ort ms':>9s} {'ratio':>6s} {'diff':>8s}")
    ratios = {t: [] for t in args.threads}
    for name in args.cases or list(all_cases):
        model, shape = all_cases[name]
        for threads in args.threads:
            row = time_case(model, shape, threads, args.repeat, args.min_ms, args.settle_ms * 1e-3)
            ratios[threads].append(row["ratio"])
            print(f"{name:14s} {threads:3d} {row['onyxrt'] * 1e3:10.4f} {row['onnxruntime'] * 1e3:9.4f} "
                  f"{row['ratio']:6.2f} {row['diff']:8.1e}", flush=True)
    for threads, values in ratios.items():
        print(f"geomean ratio at {threads} thread(s): {float(np.exp(np.mean(np.log(values)))):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
