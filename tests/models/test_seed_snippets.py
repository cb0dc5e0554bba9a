"""The onnxruntime snippets from the project's seed notes, run with `import onyxrt as ort` and
nothing else changed (file paths point into a temporary folder)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")

EXPORT_SIMPLE_DYNAMIC = """
import torch
class SimpleModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 64)
        self.fc2 = torch.nn.Linear(64, 10)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
model = SimpleModel()
dummy_input = torch.randn(1, 784)
torch.onnx.export(model, dummy_input, "simple_model.onnx", opset_version=13,
                  input_names=['input'], output_names=['output'],
                  dynamic_axes={'input': {0: 'batch_size'}, 'output': {0: 'batch_size'}})
"""

RUN_SIMPLE = """
import onyxrt as ort
import numpy as np
ort_session = ort.InferenceSession("simple_model.onnx")
input_data = np.random.randn(1, 784).astype(np.float32)
outputs = ort_session.run(None, {'input': input_data})
assert outputs[0].shape == (1, 10), outputs[0].shape
"""

TARGET_MLP = """
import torch
import torch.nn as nn
class TargetMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    def forward(self, x):
        return self.net(x)
model = TargetMLP().eval()
dummy_input = torch.randn(1, 784)
torch.onnx.export(model, dummy_input, "mlp.onnx", export_params=True, opset_version=12,
                  input_names=['input'], output_names=['output'],
                  dynamic_axes={'input': {0: 'batch_size'}, 'output': {0: 'batch_size'}})
import onyxrt as ort
import numpy as np
ort_session = ort.InferenceSession("mlp.onnx", providers=['CPUExecutionProvider'])
x_in = np.random.randn(5, 784).astype(np.float32)
inputs = {ort_session.get_inputs()[0].name: x_in}
outputs = ort_session.run(None, inputs)
print("ONNX Runtime output shape:", outputs[0].shape)
assert outputs[0].shape == (5, 10)
"""

SIMPLE_NET_DEFAULT_EXPORTER = """
import torch
import torch.nn as nn
import onyxrt as ort
import numpy as np
class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc = nn.Linear(10, 2)
    def forward(self, x):
        return self.fc(x)
model = SimpleNet()
dummy_input = torch.randn(1, 10)
torch.onnx.export(model, dummy_input, "model.onnx", input_names=['input'], output_names=['output'])
session = ort.InferenceSession("model.onnx")
input_name = session.get_inputs()[0].name
input_data = np.random.randn(1, 10).astype(np.float32)
result = session.run(None, {input_name: input_data})
print(f"Inference Result: {result}")
expected = model(torch.from_numpy(input_data)).detach().numpy()
np.testing.assert_allclose(result[0], expected, rtol=1e-5, atol=1e-6)
"""

IMAGE_MODEL_OPSET_11 = """
import torch
import torch.onnx
class YourTrainedModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, stride=2)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(4, 3)
    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))
model = YourTrainedModel()
model.eval()
dummy_input = torch.randn(1, 3, 224, 224)
torch.onnx.export(model, dummy_input, "model.onnx", export_params=True, opset_version=11,
                  do_constant_folding=True, input_names=['input'], output_names=['output'],
                  dynamic_axes={'input': {0: 'batch_size'}, 'output': {0: 'batch_size'}})
import onyxrt as ort
import numpy as np
session = ort.InferenceSession("model.onnx")
input_data = np.random.randn(1, 3, 224, 224).astype(np.float32)
outputs = session.run(None, {'input': input_data})
predictions = outputs[0]
expected = model(torch.from_numpy(input_data)).detach().numpy()
np.testing.assert_allclose(predictions, expected, rtol=1e-4, atol=1e-5)
"""

SNIPPETS = {
    "overview_dynamic_axes": EXPORT_SIMPLE_DYNAMIC + RUN_SIMPLE,
    "target_mlp_batch_5": TARGET_MLP,
    "simple_net_default_exporter": SIMPLE_NET_DEFAULT_EXPORTER,
    "image_model_opset_11": IMAGE_MODEL_OPSET_11,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_seed_snippet_runs_unchanged(tmp_path, name):
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(SNIPPETS[name]))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
