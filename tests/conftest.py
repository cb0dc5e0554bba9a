"""Session-wide hooks. Prints the conformance count at the end of a run (here, not in
tests/conformance: under pytest-xdist only the root conftest reaches the controller)."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter):
    def count(outcome: str) -> int:
        reports = terminalreporter.stats.get(outcome, [])
        return sum(1 for r in reports if "test_backend_case" in getattr(r, "nodeid", ""))

    passed, failed, known = count("passed"), count("failed"), count("xfailed")
    total = passed + failed + known
    if total:
        terminalreporter.write_line(
            f"ONNX backend conformance: {passed} of {total} cases pass, "
            f"{known} known failures, {failed} unexpected failures"
        )
