"""Runs every backend case and rewrites known_failures.txt from what fails and why.

    python -m tests.conformance.update_known_failures [--jobs N]

A reason is derived from the failure: an operator with no kernel is `not_implemented: <op>`;
other errors keep their first line under the category the failure suggests. Review the diff:
the list may only shrink, and a reason read off an error is a starting point, not a verdict.
Existing reasons of cases that still fail are kept as written.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys

from tests.conformance.backend_cases import collect_cases
from tests.conformance.known_failures import LIST_PATH, load_known_failures
from tests.conformance.test_backend import run_case

HEADER = """\
# ONNX backend cases onyxrt fails, one per line: `kind/name  category: reason`.
# Categories: not_implemented, numeric, spec_disagreement, refused_by_design.
# A listed case that passes fails the test run: remove it. This list only shrinks.
"""


def failure_reason(case) -> str | None:
    try:
        run_case(case)
    except Exception as error:  # noqa: BLE001 - every failure is classified below
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        missing_op = re.search(r"operator '([^']+)' in domain '([^']+)'", message)
        if type(error).__name__ == "NotImplemented" and missing_op:
            op, domain = missing_op.groups()
            where = "" if domain == "ai.onnx" else f" ({domain})"
            if "implemented from opset" in message:
                return f"not_implemented: {op}{where} at this opset"
            return f"not_implemented: operator {op}{where}"
        if type(error).__name__ == "NotImplemented":
            return f"not_implemented: {message[:160]}"
        if isinstance(error, AssertionError):
            return f"numeric: {message[:160]}"
        return f"not_implemented: {type(error).__name__}: {message[:160]}"
    return None


def _classify(case):
    return case.id, failure_reason(case)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    previous = load_known_failures()
    cases = collect_cases()
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        results = pool.map(_classify, cases, chunksize=8)
    lines = []
    for case_id, reason in sorted(results):
        if reason is None:
            continue
        lines.append(f"{case_id}  {previous.get(case_id, reason)}")
    LIST_PATH.write_text(HEADER + "\n".join(lines) + "\n")
    failing = len(lines)
    print(f"{len(cases) - failing} of {len(cases)} cases pass; {failing} listed in {LIST_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
