"""The model set the CPU-speed benchmark runs: five common architectures exported from torch, plus the
light_* models the onnx package ships.

The torch models are written here in plain torch (no torchvision, no transformers), with random
weights from a fixed seed, put in eval mode and exported with the TorchScript exporter at opset 17
with a dynamic batch axis, which is how most ONNX files in the wild were made. They are built once
into .cache/bench-models/ (a file that exists is kept; --force rebuilds).

    python bench/models.py                  # build what is missing, print model, size, inputs
    python bench/models.py bert_base --force
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench-models"
OPSET = 17
SEED = 0

# Integer inputs that index a table: the feeds must stay below these bounds.
INPUT_BOUNDS = {"bert_base": {"input_ids": 30522}, "gpt2_small": {"input_ids": 50257}}


# ----------------------------------------------------------------------------------------- ResNet-50
def _resnet50():
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin: int, width: int, stride: int):
            super().__init__()
            cout = width * 4
            self.body = nn.Sequential(
                nn.Conv2d(cin, width, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.Conv2d(width, width, 3, stride, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.Conv2d(width, cout, 1, bias=False),
                nn.BatchNorm2d(cout),
            )
            self.shortcut = (
                nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                if stride != 1 or cin != cout
                else nn.Identity()
            )
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x):
            return self.relu(self.body(x) + self.shortcut(x))

    layers = [
        nn.Conv2d(3, 64, 7, 2, 3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1),
    ]
    cin = 64
    for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(blocks):
            layers.append(Bottleneck(cin, width, stride if i == 0 else 1))
            cin = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------- MobileNetV2
def _mobilenetv2():
    from torch import nn

    def conv_bn(cin, cout, kernel, stride, groups=1, act=True):
        layers = [
            nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        ]
        return layers + [nn.ReLU6(inplace=True)] if act else layers

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, expand):
            super().__init__()
            hidden = cin * expand
            layers = conv_bn(cin, hidden, 1, 1) if expand != 1 else []
            layers += conv_bn(hidden, hidden, 3, stride, groups=hidden) + conv_bn(
                hidden, cout, 1, 1, act=False
            )
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.body(x) if self.residual else self.body(x)

    layers = conv_bn(3, 32, 3, 2)
    cin = 32
    for expand, cout, repeats, stride in [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]:
        for i in range(repeats):
            layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expand))
            cin = cout
    layers += conv_bn(cin, 1280, 1, 1) + [
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(1280, 1000),
    ]
    return nn.Sequential(*layers)


# ------------------------------------------------------------------------------- transformer pieces
def _split_heads(x, heads):
    batch, seq, hidden = x.shape
    return x.view(batch, seq, heads, hidden // heads).permute(0, 2, 1, 3)


def _merge_heads(x):
    batch, heads, seq, size = x.shape
    return x.permute(0, 2, 1, 3).reshape(batch, seq, heads * size)


def _bert_base(layers=12, hidden=768, heads=12, ffn=3072, vocab=30522, positions=512):
    """Hugging Face BertModel's graph: embeddings + LayerNorm, post-norm encoder layers whose attention
    is MatMul -> Add(mask) -> Softmax -> MatMul, erf GELU, and the tanh pooler on [CLS]."""
    import torch
    from torch import nn

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
            self.attn_out, self.attn_norm = nn.Linear(hidden, hidden), nn.LayerNorm(hidden, eps=1e-12)
            self.ffn = nn.Sequential(nn.Linear(hidden, ffn), nn.GELU(), nn.Linear(ffn, hidden))
            self.ffn_norm = nn.LayerNorm(hidden, eps=1e-12)

        def forward(self, x, mask):
            q, k, v = (_split_heads(proj(x), heads) for proj in (self.query, self.key, self.value))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hidden // heads) + mask
            context = _merge_heads(torch.matmul(scores.softmax(dim=-1), v))
            x = self.attn_norm(x + self.attn_out(context))
            return self.ffn_norm(x + self.ffn(x))

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.words, self.positions = nn.Embedding(vocab, hidden), nn.Embedding(positions, hidden)
            self.token_types, self.norm = nn.Embedding(2, hidden), nn.LayerNorm(hidden, eps=1e-12)
            self.layers = nn.ModuleList(Layer() for _ in range(layers))
            self.pooler = nn.Linear(hidden, hidden)
            self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0), persistent=False)

        def forward(self, input_ids, attention_mask):
            seq = input_ids.shape[1]
            token_types = torch.zeros_like(input_ids)  # HF's default when token_type_ids is not given
            x = (
                self.words(input_ids)
                + self.token_types(token_types)
                + self.positions(self.position_ids[:, :seq])
            )
            x = self.norm(x)
            # HF's extended mask: 0 where attended, the dtype's minimum where masked.
            mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
            for layer in self.layers:
                x = layer(x, mask)
            return x, torch.tanh(self.pooler(x[:, 0]))

    return Bert()


def _gpt2_small(layers=12, hidden=768, heads=12, vocab=50257, positions=1024):
    """Hugging Face GPT2LMHeadModel's graph: pre-norm decoder blocks, fused QKV projection split three
    ways, causal mask applied with Where, tanh GELU, final LayerNorm and an LM head tied to the token
    embedding."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1, self.qkv, self.proj = (
                nn.LayerNorm(hidden),
                nn.Linear(hidden, 3 * hidden),
                nn.Linear(hidden, hidden),
            )
            self.norm2 = nn.LayerNorm(hidden)
            self.mlp = nn.Sequential(
                nn.Linear(hidden, 4 * hidden), nn.GELU(approximate="tanh"), nn.Linear(4 * hidden, hidden)
            )

        def forward(self, x, causal):
            q, k, v = (_split_heads(t, heads) for t in self.qkv(self.norm1(x)).split(hidden, dim=2))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hidden // heads)
            scores = torch.where(causal, scores, torch.tensor(torch.finfo(scores.dtype).min))
            x = x + self.proj(_merge_heads(torch.matmul(scores.softmax(dim=-1), v)))
            return x + self.mlp(self.norm2(x))

    class GPT2(nn.Module):
        def __init__(self):
            super().__init__()
            self.words, self.positions = nn.Embedding(vocab, hidden), nn.Embedding(positions, hidden)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.norm = nn.LayerNorm(hidden)
            self.register_buffer(
                "causal", torch.tril(torch.ones(positions, positions, dtype=torch.bool)), persistent=False
            )

        def forward(self, input_ids):
            seq = input_ids.shape[1]
            x = self.words(input_ids) + self.positions(torch.arange(seq).unsqueeze(0))
            causal = self.causal[:seq, :seq]
            for block in self.blocks:
                x = block(x, causal)
            return torch.matmul(self.norm(x), self.words.weight.t())

    return GPT2()


def _lstm(inputs=256, hidden=512, layers=2):
    from torch import nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(inputs, hidden, num_layers=layers, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]  # the sequence output; the final (h, c) are left out

    return Model()


# ------------------------------------------------------------------------------------------- the set
# name -> (builder, example inputs at batch 2 as (name, shape, dtype), output names, BatchNorm to calibrate)
def _specs():
    import torch

    image = [("input", (2, 3, 224, 224), torch.float32)]
    tokens = [("input_ids", (2, 128), torch.int64)]
    return {
        "resnet50": (_resnet50, image, ["logits"], True),
        "mobilenetv2": (_mobilenetv2, image, ["logits"], True),
        "bert_base": (
            _bert_base,
            tokens + [("attention_mask", (2, 128), torch.int64)],
            ["last_hidden_state", "pooler_output"],
            False,
        ),
        "gpt2_small": (_gpt2_small, tokens, ["logits"], False),
        "lstm": (_lstm, [("input", (2, 64, 256), torch.float32)], ["output"], False),
    }


TORCH_MODELS = ["resnet50", "mobilenetv2", "bert_base", "gpt2_small", "lstm"]


def light_models() -> dict[str, Path]:
    import onnx

    folder = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
    return {path.stem: path for path in sorted(folder.glob("light_*.onnx"))}


def _example(name: str, shape, dtype, bounds: dict):
    import torch

    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    if name == "attention_mask":
        return torch.ones(shape, dtype=dtype)
    return torch.randint(0, bounds.get(name, 2), shape, dtype=dtype)


def _calibrate_batchnorm(model, examples) -> None:
    """Default running statistics (mean 0, variance 1) let random-weight activations drift over fifty
    layers towards huge or denormal values, which time unlike real data. One forward pass in training
    mode with momentum 1 makes every BatchNorm normalise what it actually sees."""
    import torch

    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.momentum = 1.0
    model.train()
    with torch.no_grad():
        model(*[torch.randn(8, *t.shape[1:]) for t in examples])
    for norm in norms:
        norm.momentum = 0.1


def build(name: str, force: bool = False) -> Path:
    """The ONNX file of a model of the set, exported first if it is not in the cache yet."""
    if name.startswith("light_"):
        lights = light_models()
        if name not in lights:
            raise KeyError(f"no light model '{name}' in the onnx package (have: {', '.join(lights)})")
        return lights[name]
    path = CACHE / f"{name}.onnx"
    if path.exists() and not force:
        return path
    import torch

    specs = _specs()
    if name not in specs:
        raise KeyError(f"unknown model '{name}' (have: {', '.join(all_names())})")
    builder, inputs, outputs, has_batchnorm = specs[name]
    torch.manual_seed(SEED)
    model = builder()
    examples = tuple(_example(n, shape, dtype, INPUT_BOUNDS.get(name, {})) for n, shape, dtype in inputs)
    if has_batchnorm:
        _calibrate_batchnorm(model, examples)
    model.eval()
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    names = [n for n, _, _ in inputs]
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".onnx.partial")
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter's deprecation notice, and tracer notes on constants that are constant.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(
            model,
            examples,
            str(partial),
            dynamo=False,
            opset_version=OPSET,
            input_names=names,
            output_names=outputs,
            dynamic_axes={n: {0: "batch"} for n in names + outputs},
            # The protobuf limit: none of these models comes near it.
            external_data=params > 1.8 * 2**30,
        )
    partial.replace(path)
    return path


def all_names() -> list[str]:
    return TORCH_MODELS + list(light_models())


def resolve(names: list[str] | None = None, force: bool = False) -> dict[str, Path]:
    """name -> ONNX path for the given names (default: the whole set), building what is missing.
    'light' stands for every light_* model."""
    wanted = []
    for name in names or all_names():
        wanted += list(light_models()) if name == "light" else [name]
    return {name: build(name, force) for name in wanted}


def describe_inputs(path: Path) -> str:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    parts = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        dims = [d.dim_param or str(d.dim_value) for d in tensor.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type).name
        parts.append(f"{value.name}:{dtype}[{','.join(dims)}]")
    return " ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="*", help="names (default: all); 'light' = every light_* model")
    parser.add_argument("--force", action="store_true", help="re-export torch models even if cached")
    args = parser.parse_args(argv)

    print(f"{'model':<22}{'MiB':>8}{'export s':>10}  inputs")
    for name in args.models or all_names():
        for sub in list(light_models()) if name == "light" else [name]:
            cached = sub.startswith("light_") or ((CACHE / f"{sub}.onnx").exists() and not args.force)
            start = time.perf_counter()
            path = build(sub, args.force)
            took = "cached" if cached else f"{time.perf_counter() - start:.1f}"
            size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*")) / 2**20
            print(f"{sub:<22}{size:>8.1f}{took:>10}  {describe_inputs(path)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
