"""The `onyxrt` command.

    onyxrt run [MODEL] [--repeat N] [--threads N] [--batch N]
    onyxrt --version

`run` feeds random inputs built from the model's declared inputs (symbolic dims take --batch),
prints each output's name, shape, dtype and first values, then the median latency. With no
MODEL it runs the small MLP shipped inside the package.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

SAMPLE_MODEL = Path(__file__).resolve().parent.parent / "data" / "mlp.onnx"


def _first_values(array: object, count: int = 5) -> str:
    if not isinstance(array, np.ndarray):
        return repr(array)[:80]
    flat = array.reshape(-1)[:count].tolist()
    more = ", ..." if array.size > count else ""
    return "[" + ", ".join(f"{v:.6g}" if isinstance(v, float) else repr(v) for v in flat) + more + "]"


def _describe(array: object) -> str:
    if isinstance(array, np.ndarray):
        return f"shape={list(array.shape)} dtype={array.dtype}"
    return f"type={type(array).__name__}"


def run_command(args: argparse.Namespace) -> int:
    import onyxrt
    from onyxrt.tools.random_feeds import random_feeds

    model = Path(args.model) if args.model else SAMPLE_MODEL
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = onyxrt.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    feeds = random_feeds(session, batch=args.batch, seed=args.seed)

    print(f"model: {model}")
    for name, value in feeds.items():
        print(f"input  {name}: {_describe(value)}")
    outputs = session.run(None, feeds)  # also the warm-up run
    for arg, value in zip(session.get_outputs(), outputs):
        print(f"output {arg.name}: {_describe(value)} values={_first_values(value)}")

    latencies = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        session.run(None, feeds)
        latencies.append(time.perf_counter() - start)
    median_ms = statistics.median(latencies) * 1e3
    threads = args.threads if args.threads > 0 else "default"
    print(f"latency: median {median_ms:.3f} ms over {args.repeat} runs (threads={threads}, batch={args.batch})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from onyxrt import __version__

    parser = argparse.ArgumentParser(prog="onyxrt", description="onyxrt: run ONNX models.")
    parser.add_argument("--version", action="version", version=f"onyxrt {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a model on random inputs and time it")
    run.add_argument("model", nargs="?", help="an .onnx file (default: the bundled 784-128-10 MLP)")
    run.add_argument("--repeat", type=int, default=20, help="timed runs after a warm-up run (default 20)")
    run.add_argument("--threads", type=int, default=0, help="intra-op threads (default: all available)")
    run.add_argument("--batch", type=int, default=1, help="size of symbolic dimensions (default 1)")
    run.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    run.set_defaults(handler=run_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    import onyxrt

    args = build_parser().parse_args(argv)
    if getattr(args, "repeat", 1) < 1:
        print("onyxrt: --repeat must be at least 1", file=sys.stderr)
        return 2
    try:
        return args.handler(args)
    except (onyxrt.OnyxrtError, OSError, ValueError, TypeError) as e:  # one line, not a traceback
        print(f"onyxrt: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
