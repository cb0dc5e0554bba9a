"""The checked-in list of backend cases onyxrt is known to fail, each with its reason.

Format of known_failures.txt: one case per line, `kind/name  category: reason`; `#` starts a
comment. Categories (STYLE.md §11): not_implemented, numeric, spec_disagreement, refused_by_design.
"""

from __future__ import annotations

from pathlib import Path

CATEGORIES = ("not_implemented", "numeric", "spec_disagreement", "refused_by_design")
LIST_PATH = Path(__file__).with_name("known_failures.txt")


def load_known_failures(path: Path = LIST_PATH) -> dict[str, str]:
    known: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        case_id, _, reason = line.partition(" ")
        reason = reason.strip()
        category = reason.split(":", 1)[0]
        if category not in CATEGORIES or ":" not in reason:
            raise ValueError(f"{path.name}:{number}: '{raw}' needs a reason of the form '<category>: <why>'")
        if case_id in known:
            raise ValueError(f"{path.name}:{number}: {case_id} is listed twice")
        known[case_id] = reason
    return known
