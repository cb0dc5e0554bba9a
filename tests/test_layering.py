"""The dependency rule of docs/architecture.md, checked on every #include.

A layer may include itself, the public headers (onyxrt/...) and the layers it is allowed to use;
the Python bindings may include only the public headers.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SRC = REPO_ROOT / "cpp" / "src"

# Layer -> layers whose headers it may include (base is everyone's vocabulary).
ALLOWED = {
    "base": set(),
    "ir": {"base"},
    "format": {"ir", "base"},
    "kernels": {"base"},
    "ops": {"ir", "kernels", "base"},
    "optimizer": {"ir", "ops", "base"},
    # runtime never sees an ISA: no kernels/ include.
    "runtime": {"format", "optimizer", "ops", "ir", "base"},
    "api": {"runtime", "format", "ir", "base"},
    "cuda": {"runtime", "ops", "ir", "kernels", "base"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


def includes(path: Path) -> list[str]:
    return INCLUDE.findall(path.read_text(errors="replace"))


def source_files(folder: Path):
    return [p for p in folder.rglob("*") if p.suffix in {".h", ".hpp", ".cpp", ".cc", ".cu", ".inc"}]


def test_every_layer_is_known():
    assert {p.name for p in SRC.iterdir() if p.is_dir()} <= set(ALLOWED)


def test_layers_include_only_what_they_may_use():
    violations = []
    for layer, allowed in ALLOWED.items():
        folder = SRC / layer
        if not folder.exists():
            continue
        for path in source_files(folder):
            for target in includes(path):
                top = target.split("/", 1)[0]
                if "/" not in target or top in ("onyxrt", layer) or top in allowed:
                    continue
                if top in ALLOWED:
                    violations.append(f"{path.relative_to(REPO_ROOT)} includes {target}")
    assert not violations, "layering violations:\n" + "\n".join(violations)


def test_kernels_know_no_onnx_operator_names():
    names = re.compile(r'"(Conv|Gemm|MatMul|Relu|Softmax|BatchNormalization|MaxPool|AveragePool)"')
    hits = [str(p.relative_to(REPO_ROOT)) for p in source_files(SRC / "kernels") if names.search(p.read_text())]
    assert not hits, f"kernels/ must not mention ONNX operators: {hits}"


def test_bindings_use_only_the_public_api():
    bindings = REPO_ROOT / "python" / "src"
    bad = [
        f"{p.relative_to(REPO_ROOT)} includes {t}"
        for p in source_files(bindings)
        for t in includes(p)
        if t.split("/", 1)[0] in ALLOWED
    ]
    assert not bad, bad


def test_public_headers_include_nothing_from_src():
    include_dir = REPO_ROOT / "cpp" / "include" / "onyxrt"
    bad = [f"{p.name} includes {t}" for p in include_dir.iterdir() for t in includes(p) if not t.startswith("onyxrt/")]
    assert not bad, bad
