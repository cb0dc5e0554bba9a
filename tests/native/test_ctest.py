"""Builds the C++ unit tests (tests/cpp) and runs them with ctest, so `pytest` runs everything:
a plain Release build, an AddressSanitizer + UndefinedBehaviorSanitizer build (LeakSanitizer
included: a leak fails the run) and a ThreadSanitizer build of the concurrency test.

The build folders are reused between runs (under ONYXRT_CTEST_BUILD_DIR, default build/ctest),
and ccache is used when installed, so a rerun only compiles what changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")

# variant -> (extra CMake options, ctest selection)
VARIANTS = {
    "release": (["-DCMAKE_BUILD_TYPE=Release"], []),
    "asan-ubsan": (["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DONYXRT_SANITIZE=ON"], []),
    # OpenMP's runtime is not instrumented: the TSan run covers callers' threads (intra-op 1).
    "tsan": (["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DONYXRT_TSAN=ON"], ["-R", "test_session_concurrency"]),
}


@pytest.mark.timeout(2400)  # a cold sanitizer build on two cores
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cpp_unit_tests_pass(variant):
    options, selection = VARIANTS[variant]
    base = Path(os.environ.get("ONYXRT_CTEST_BUILD_DIR", REPO_ROOT / "build" / "ctest"))
    build = base if variant == "release" else base.with_name(f"{base.name}-{variant}")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", str(REPO_ROOT), "-B", str(build), *generator, "-DONYXRT_BUILD_TESTS=ON", *options],
                   check=True, capture_output=True)
    target = [] if not selection else ["--target", selection[1]]
    built = subprocess.run(["cmake", "--build", str(build), "-j2", *target], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0", UBSAN_OPTIONS="halt_on_error=1",
               TSAN_OPTIONS="halt_on_error=1")
    result = subprocess.run(["ctest", "--test-dir", str(build), "--output-on-failure", "-j2", *selection],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "tests passed" in result.stdout
