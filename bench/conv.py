"""Convolution layers one at a time: onyxrt against onnxruntime, interleaved in one process.

Each shape becomes a one-node model (Conv with its weights and bias as initializers, followed
by the activation given, which both runtimes fuse into the convolution at their default
optimization level) and is timed in both runtimes back to back; the table gives the median
time per run, the GFLOP/s it stands for and the ratio onyxrt / onnxruntime (< 1: onyxrt faster).
The shape sets are the layers of the bench models where convolution time goes.

    python bench/conv.py                                  # every set, 1 thread
    python bench/conv.py --set densenet --threads 1 2 --repeat 20
    python bench/conv.py --shapes 128x14x14:32x3x3 96x112x112:96x3x3/s2g96 --act clip

A shape is CxHxW:MxKHxKW followed by options: /sN stride, gN groups, pN symmetric padding (default
KH // 2, the "same" padding of odd kernels). Needs numpy, onnx, onnxruntime and onyxrt.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from gemm import RUNTIMES, time_interleaved  # the same sessions as the GEMM bench (bench/ is on the path)

SETS = {
    # DenseNet-121: the 3x3 growth convolutions (32 outputs) and a few bottleneck 1x1 ones.
    "densenet": ["128x56x56:32x3x3", "128x28x28:32x3x3", "128x14x14:32x3x3", "128x7x7:32x3x3",
                 "512x14x14:128x1x1", "864x14x14:128x1x1", "768x7x7:128x1x1"],
    # MobileNetV2: pointwise expansions / projections at each resolution, the stem, depthwise.
    "mobilenetv2": ["3x224x224:32x3x3/s2", "16x112x112:96x1x1", "24x56x56:144x1x1", "144x56x56:24x1x1",
                    "96x14x14:576x1x1", "576x14x14:96x1x1", "160x7x7:960x1x1", "960x7x7:160x1x1",
                    "320x7x7:1280x1x1", "96x112x112:96x3x3/s2g96", "384x14x14:384x3x3g384",
                    "960x7x7:960x3x3g960"],
    # ResNet-50: the 3x3 bottleneck convolutions and the 1x1 around them, then the stride-2 ones
    # that open a stage (3x3 in the body, 1x1 on the shortcut).
    "resnet50": ["64x56x56:64x3x3", "128x28x28:128x3x3", "256x14x14:256x3x3", "512x7x7:512x3x3",
                 "256x56x56:64x1x1", "64x56x56:256x1x1", "1024x14x14:256x1x1", "2048x7x7:512x1x1",
                 "128x56x56:128x3x3/s2", "256x28x28:256x3x3/s2", "512x14x14:512x3x3/s2",
                 "256x56x56:512x1x1/s2p0", "512x28x28:1024x1x1/s2p0", "1024x14x14:2048x1x1/s2p0"],
    # SqueezeNet 1.0: squeeze and expand layers of the fire modules.
    "squeezenet": ["96x54x54:16x1x1", "16x54x54:64x1x1", "16x54x54:64x3x3", "64x13x13:256x1x1",
                   "64x13x13:256x3x3", "512x13x13:64x1x1"],
}

SHAPE_RE = re.compile(r"^(\d+)x(\d+)x(\d+):(\d+)x(\d+)x(\d+)((?:/s\d+|g\d+|p\d+)*)$")


def parse_shape(text: str) -> dict:
    match = SHAPE_RE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"shape {text!r}: want CxHxW:MxKHxKW[/sN][gN][pN]")
    c, h, w, m, kh, kw = (int(v) for v in match.groups()[:6])
    options = dict(re.findall(r"([sgp])(\d+)", match.group(7)))
    shape = {"c": c, "h": h, "w": w, "m": m, "kh": kh, "kw": kw, "stride": int(options.get("s", 1)),
             "group": int(options.get("g", 1)), "pad": int(options.get("p", kh // 2)), "text": text}
    if c % shape["group"] or m % shape["group"]:
        raise argparse.ArgumentTypeError(f"shape {text!r}: {shape['group']} groups do not divide C and M")
    return shape


def conv_model(s: dict, activation: str) -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(s["c"] * 31 + s["m"])
    weight = rng.standard_normal((s["m"], s["c"] // s["group"], s["kh"], s["kw"]), dtype=np.float32)
    weight *= 1.0 / np.sqrt(weight[0].size)
    bias = rng.standard_normal(s["m"], dtype=np.float32)
    conv_out = "Y" if activation == "none" else "conv"
    nodes = [helper.make_node("Conv", ["X", "W", "B"], [conv_out], strides=[s["stride"]] * 2, group=s["group"],
                              pads=[s["pad"]] * 4, kernel_shape=[s["kh"], s["kw"]])]
    inits = [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "B")]
    if activation == "relu":
        nodes.append(helper.make_node("Relu", [conv_out], ["Y"]))
    elif activation == "clip":
        inits += [numpy_helper.from_array(np.float32(0), "lo"), numpy_helper.from_array(np.float32(6), "hi")]
        nodes.append(helper.make_node("Clip", [conv_out, "lo", "hi"], ["Y"]))
    graph = helper.make_graph(nodes, "conv_bench",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, s["c"], s["h"], s["w"]])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def time_shape(s: dict, activation: str, threads: int, repeat: int, min_ms: float, settle_s: float) -> dict:
    x = np.random.default_rng(3).standard_normal((1, s["c"], s["h"], s["w"]), dtype=np.float32)
    times, diff = time_interleaved(conv_model(s, activation), {"X": x}, threads, repeat, 3, min_ms,
                                   settle_s=settle_s)
    stride = s["stride"]
    out_h = (s["h"] + 2 * s["pad"] - s["kh"]) // stride + 1
    out_w = (s["w"] + 2 * s["pad"] - s["kw"]) // stride + 1
    flops = 2.0 * s["m"] * out_h * out_w * (s["c"] // s["group"]) * s["kh"] * s["kw"]
    row = {"shape": s["text"], "threads": threads, "diff": diff}
    for rt in RUNTIMES:
        row[rt] = statistics.median(times[rt])
        row[rt + "_gflops"] = flops / row[rt] * 1e-9
    row["ratio"] = row["onyxrt"] / row["onnxruntime"]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", nargs="+", choices=sorted(SETS), help="shape sets (default: all)")
    parser.add_argument("--shapes", nargs="+", type=parse_shape, help="explicit shapes instead of the sets")
    parser.add_argument("--act", choices=["none", "relu", "clip"], default="relu", help="activation after Conv")
    parser.add_argument("--threads", nargs="+", type=int, default=[1])
    parser.add_argument("--repeat", type=int, default=11, help="timed samples per runtime (median)")
    parser.add_argument("--min-ms", type=float, default=20.0, help="least time per sample")
    parser.add_argument("--settle-ms", type=float, default=50.0,
                        help="pause before each sample (onnxruntime's workers spin ~40 ms after a run)")
    args = parser.parse_args()
    shapes = args.shapes or [parse_shape(t) for name in (args.set or sorted(SETS)) for t in SETS[name]]
    print(f"{'shape':28s} thr  {'onyxrt ms':>10s} {'ort ms':>9s} {'GF/s':>6s} {'ort GF/s':>8s} {'ratio':>6s}  diff")
    ratios = {t: [] for t in args.threads}
    for s in shapes:
        for threads in args.threads:
            row = time_shape(s, args.act, threads, args.repeat, args.min_ms, args.settle_ms / 1e3)
            ratios[threads].append(row["ratio"])
            print(f"{row['shape']:28s} {threads:3d}  {row['onyxrt'] * 1e3:10.3f} {row['onnxruntime'] * 1e3:9.3f} "
                  f"{row['onyxrt_gflops']:6.1f} {row['onnxruntime_gflops']:8.1f} {row['ratio']:6.2f}  "
                  f"{row['diff']:.1e}", flush=True)
    for threads, values in ratios.items():
        print(f"geomean ratio at {threads} thread(s): {float(np.exp(np.mean(np.log(values)))):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
