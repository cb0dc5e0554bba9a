"""Memory patterns on and off (SessionOptions.enable_mem_pattern), side by side.

Per model, thread count and batch:
  - resident memory of a fresh process: after creating the session, after `--runs` runs with the
    same feeds (the steady state a server sits in), and its high-water mark; onyxrt with patterns
    on and off, and onnxruntime (its defaults: arena and memory patterns on) for reference;
  - median latency of onyxrt with patterns on and off, interleaved in one process.

    python bench/memory_pattern.py --models mobilenetv2,resnet50 --batch 1 8
    python bench/memory_pattern.py some.onnx --threads 2 --runs 8 --repeat 30
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _load(name: str):
    # By file path: bench/ is not a package.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).resolve().parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare = _load("compare")
bench_models = compare.bench_models
MODES = ("pattern", "no pattern", "onnxruntime")


def create(mode: str, path: Path, threads: int):
    if mode == "onnxruntime":
        return compare.create_session("onnxruntime", path, threads)
    import onyxrt

    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    options.enable_mem_pattern = mode == "pattern"
    return onyxrt.InferenceSession(str(path), options)


def status_mib(field: str) -> float:
    """VmRSS (resident now) or VmHWM (its high-water mark) of this process. Not getrusage's
    ru_maxrss: Linux carries that over from the parent across exec (the driver holds torch)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def memory_probe(mode: str, name: str, path: Path, threads: int, batch: int, runs: int) -> dict:
    """What this fresh process holds after creating the session and after `runs` runs."""
    session = create(mode, path, threads)
    created = status_mib("VmRSS")
    feeds = compare.make_feeds(session.get_inputs(), batch, bench_models.INPUT_BOUNDS.get(name, {}))
    for _ in range(runs):
        session.run(None, feeds)
    return {"created": created, "steady": status_mib("VmRSS"), "peak": status_mib("VmHWM")}


def latencies(name: str, path: Path, threads: int, batch: int, repeat: int, settle_s: float) -> dict:
    sessions = {mode: create(mode, path, threads) for mode in MODES[:2]}
    feeds = compare.make_feeds(sessions["pattern"].get_inputs(), batch, bench_models.INPUT_BOUNDS.get(name, {}))
    times = {mode: [] for mode in sessions}
    for _ in range(3):
        for session in sessions.values():
            session.run(None, feeds)
    for k in range(repeat):
        for mode in (MODES[:2] if k % 2 else MODES[1::-1]):
            time.sleep(settle_s)
            start = time.perf_counter()
            sessions[mode].run(None, feeds)
            times[mode].append((time.perf_counter() - start) * 1e3)
    return {mode: statistics.median(t) for mode, t in times.items()}


def child(arguments: list[str]) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *arguments], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="ONNX files (default: --models)")
    parser.add_argument("--models", type=compare.comma_list, help="names from bench/models.py, comma-separated")
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--runs", type=int, default=8, help="runs before the steady resident set is read")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per mode (median); 0: memory only")
    parser.add_argument("--settle-ms", type=float, default=20.0)
    parser.add_argument("--probe", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--latency", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.probe:
        print(json.dumps(memory_probe(args.probe, args.name, args.path, args.threads[0], args.batch[0], args.runs)))
        return 0
    if args.latency:
        print(json.dumps(latencies(args.name, args.path, args.threads[0], args.batch[0], args.repeat,
                                   args.settle_ms / 1e3)))
        return 0

    targets = {p.stem: p for p in args.paths} if args.paths else bench_models.resolve(args.models)
    print(f"resident MiB of a fresh process: created / after {args.runs} runs (steady) / peak; "
          f"ms: median of {args.repeat} interleaved runs")
    header = f"{'model':<14}{'thr':>4}{'batch':>6}  " + "  ".join(f"{m + ' MiB':>22}" for m in MODES)
    print(header + f"{'pattern ms':>12}{'no pattern ms':>15}{'ratio':>7}")
    for name, path in targets.items():
        for threads in args.threads:
            for batch in args.batch:
                common = ["--name", name, "--path", str(path), "--threads", str(threads), "--batch", str(batch)]
                memory = {m: child(["--probe", m, "--runs", str(args.runs), *common]) for m in MODES}
                line = f"{name:<14}{threads:>4}{batch:>6}  " + "  ".join(
                    f"{memory[m]['created']:>6.0f} /{memory[m]['steady']:>6.0f} /{memory[m]['peak']:>6.0f}" for m in MODES)
                if args.repeat > 0:
                    ms = child(["--latency", "--repeat", str(args.repeat), "--settle-ms", str(args.settle_ms), *common])
                    line += f"{ms['pattern']:>12.2f}{ms['no pattern']:>15.2f}{ms['pattern'] / ms['no pattern']:>7.3f}"
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
