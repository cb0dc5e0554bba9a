"""One test per ONNX backend case: onyxrt's outputs against the expected outputs shipped with it.

A case listed in known_failures.txt must still fail (it is reported as xfail with its reason);
when it passes, the test fails so that the list only shrinks.
"""

from __future__ import annotations

import onnx
import pytest

import onyxrt
from tests.conformance.backend_cases import assert_similar, collect_cases, load_data_sets
from tests.conformance.known_failures import load_known_failures

CASES = collect_cases()
KNOWN_FAILURES = load_known_failures()


def run_case(case) -> None:
    model = onnx.load(case.folder / "model.onnx", load_external_data=False)
    session = onyxrt.InferenceSession(str(case.folder / "model.onnx"))
    output_names = [o.name for o in model.graph.output]
    data_sets = list(load_data_sets(case, model))
    assert data_sets, f"{case.id} has no test data: a case that checks nothing must not pass"
    for feeds, expected in data_sets:
        assert feeds or not session.get_inputs(), f"{case.id}: no input data found"
        actual = session.run(output_names, feeds)
        assert len(actual) == len(expected)
        for k, (a, e) in enumerate(zip(actual, expected)):
            assert_similar(a, e, case.rtol, case.atol, where=f"output '{output_names[k]}'")


def test_known_failures_name_real_cases():
    ids = {c.id for c in CASES}
    stale = sorted(set(KNOWN_FAILURES) - ids)
    assert not stale, f"known_failures.txt lists cases that do not exist: {stale[:10]}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_backend_case(case):
    reason = KNOWN_FAILURES.get(case.id)
    if reason is None:
        run_case(case)
        return
    try:
        run_case(case)
    except Exception as error:  # noqa: BLE001 - any failure keeps the listing honest
        pytest.xfail(f"{reason} [{type(error).__name__}]")
    pytest.fail(f"{case.id} passes but is listed in known_failures.txt ({reason}): remove it from the list")
