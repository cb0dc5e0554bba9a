"""Builds the C++ unit tests (tests/cpp) and runs them with ctest, so `pytest` runs everything:
a plain Release build, an AddressSanitizer + UndefinedBehaviorSanitizer build (LeakSanitizer
included: a leak fails the run), which also runs a fast slice of the Python suite against its own
extension module, and a ThreadSanitizer build of the concurrency test.

The build folders are reused between runs (under ONYXRT_CTEST_BUILD_DIR, default build/ctest),
and ccache is used when installed, so a rerun only compiles what changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pybind11
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")

# variant -> (extra CMake options, the test executables to build and run; none: all)
VARIANTS = {
    "release": (["-DCMAKE_BUILD_TYPE=Release"], []),
    "asan-ubsan": (["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DONYXRT_SANITIZE=ON", "-DONYXRT_BUILD_PYTHON=ON",
                    f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"], []),
    # Concurrent callers and the intra-op pool (its own threads, all instrumented).
    "tsan": (["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DONYXRT_TSAN=ON"],
             ["test_session_concurrency", "test_base_thread_pool", "test_base_buffer_cache", "test_base_memory_pattern"]),
}


@pytest.mark.timeout(2400)  # a cold sanitizer build on two cores
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cpp_unit_tests_pass(variant):
    options, targets = VARIANTS[variant]
    base = Path(os.environ.get("ONYXRT_CTEST_BUILD_DIR", REPO_ROOT / "build" / "ctest"))
    build = base if variant == "release" else base.with_name(f"{base.name}-{variant}")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", str(REPO_ROOT), "-B", str(build), *generator, "-DONYXRT_BUILD_TESTS=ON", *options],
                   check=True, capture_output=True)
    target = ["--target", *targets] if targets else []
    built = subprocess.run(["cmake", "--build", str(build), "-j2", *target], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0", UBSAN_OPTIONS="halt_on_error=1",
               TSAN_OPTIONS="halt_on_error=1")
    result = subprocess.run(["ctest", "--test-dir", str(build), "--output-on-failure", "-j2",
                             *(["-R", "|".join(targets)] if targets else [])],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "tests passed" in result.stdout
    if variant == "asan-ubsan":
        run_python_slice_under_asan(build)


# Hostile input, the API, edge shapes and the operators with the most index arithmetic (the regex
# engine, Resize, quantization, Attention): fast enough to run under the sanitizers on every CI run.
PYTHON_SLICE = ["tests/errors", "tests/api/test_memory_and_threads.py", "tests/api/test_memory_pattern.py",
                "tests/ops/test_edge_shapes.py",
                "tests/ops/test_strings.py", "tests/ops/test_resize.py", "tests/ops/test_quantization.py",
                "tests/ops/test_attention.py"]


def run_python_slice_under_asan(build: Path) -> None:
    """The sanitized extension module, imported from a package folder that links the sources, runs
    in a Python whose allocator is ASan's (LD_PRELOAD). Leak checking is off there: CPython keeps
    memory until exit by design. Kernel outputs are poisoned (0xFF bytes), so a kernel that reads
    an output element before writing it gives NaN / -1 and fails its test."""
    package = build / "py" / "onyxrt"
    package.mkdir(parents=True, exist_ok=True)
    for item in [*(REPO_ROOT / "python" / "onyxrt").iterdir(), *(build / "python").glob("_C*.so")]:
        link = package / item.name
        if not link.is_symlink():
            link.symlink_to(item)
    runtimes = [subprocess.run(["gcc", f"-print-file-name={lib}"], capture_output=True, text=True).stdout.strip()
                for lib in ("libasan.so", "libubsan.so")]
    env = dict(os.environ, PYTHONPATH=str(build / "py"), LD_PRELOAD=":".join(runtimes),
               ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
               ONYXRT_POISON_UNINITIALIZED="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k",
                             "not resident_set", *PYTHON_SLICE], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
