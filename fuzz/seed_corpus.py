"""Copies the ONNX backend suite's models into a libFuzzer corpus folder, one file per case.

    python fuzz/seed_corpus.py build/fuzz/corpus
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 1 << 16  # libFuzzer's -max_len: larger seeds would only be truncated


def main(target: str) -> int:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    copied = 0
    for model in sorted((REPO_ROOT / ".cache" / "onnx-backend").glob("*/*/*/model.onnx")):
        if model.stat().st_size <= MAX_BYTES:
            shutil.copyfile(model, out / f"{model.parent.parent.name}_{model.parent.name}.onnx")
            copied += 1
    print(f"{copied} seed models in {out}")
    return 0 if copied else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/fuzz/corpus"))
