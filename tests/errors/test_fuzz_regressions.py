"""Every input the fuzzer (fuzz/fuzz_session.cpp) found crashing onyxrt, kept under
fuzz/regressions/: loading and running it now raises an onyxrt exception or runs cleanly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import onyxrt

REGRESSIONS = sorted((Path(__file__).resolve().parents[2] / "fuzz" / "regressions").glob("*"))
ONYXRT_ERRORS = (onyxrt.capi.onnxruntime_pybind11_state.OnyxrtError, ValueError, TypeError)
NUMPY_OF = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
            "tensor(int32)": np.int32, "tensor(bool)": np.bool_, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}


def feeds_for(session) -> dict | None:
    feeds = {}
    for i in session.get_inputs():
        if i.type not in NUMPY_OF:
            return None
        shape = [d if isinstance(d, int) else 2 for d in i.shape]
        feeds[i.name] = np.ones(shape, NUMPY_OF[i.type])
    return feeds


@pytest.mark.skipif(not REGRESSIONS, reason="no fuzz regressions recorded")
@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_fuzz_regression_raises_or_runs(path):
    options = onyxrt.SessionOptions()
    options.add_session_config_entry("onyxrt.max_allocation_bytes", str(256 << 20))
    try:
        session = onyxrt.InferenceSession(path.read_bytes(), options)
        feeds = feeds_for(session)
        if feeds is not None:
            session.run(None, feeds)
    except ONYXRT_ERRORS:
        pass
