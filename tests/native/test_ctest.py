"""Builds the C++ unit tests (tests/cpp) and runs them with ctest, so `pytest` runs everything.

The build folder is reused between runs (ONYXRT_CTEST_BUILD_DIR, default build/ctest), and ccache
is used when installed, so a rerun only compiles what changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")


def test_cpp_unit_tests_pass():
    build = Path(os.environ.get("ONYXRT_CTEST_BUILD_DIR", REPO_ROOT / "build" / "ctest"))
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        ["cmake", "-S", str(REPO_ROOT), "-B", str(build), *generator, "-DONYXRT_BUILD_TESTS=ON",
         "-DCMAKE_BUILD_TYPE=Release"],
        check=True, capture_output=True,
    )
    built = subprocess.run(["cmake", "--build", str(build), "-j2"], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    result = subprocess.run(["ctest", "--test-dir", str(build), "--output-on-failure", "-j2"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "tests passed" in result.stdout
