"""The scan agrees with migrate: ``"cuda"`` in device positions is CS141 (auto), elsewhere CS149; code under
``if <device>.type == "cuda":`` runs only on CUDA and is not lock-in."""

from __future__ import annotations

from pathlib import Path

from chipshift.scan import scan_paths

SOURCE = """\
import argparse
import torch

device = torch.accelerator.current_accelerator() or torch.device("cpu")
model = torch.nn.Linear(2, 2).to("cuda")
state = torch.load("w.pt", map_location="cuda:0")
kind = "cuda" if "cuda" in str(device) else "cpu"
backend = "nccl"
torch.distributed.init_process_group("nccl")
if device.type == "cuda":
    torch.backends.cudnn.benchmark = True
    torch.cuda.synchronize()
else:
    torch.cuda.empty_cache()
if device.type == "cuda" and torch.cuda.device_count() > 1:
    torch.backends.cuda.matmul.allow_tf32 = True
dtype = "bf16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp16"
run_device = "cuda"


def train(batch, device="cuda", other="cuda"):
    return batch


parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda")
parser.add_argument("--name", default="cuda")
"""


def _hits(tmp_path: Path) -> set[str]:
    path = tmp_path / "train.py"
    path.write_text(SOURCE)
    result = scan_paths([path], ["portable"], jobs=1, use_cache=False)
    return {f"{finding.line}:{finding.rule_id}" for finding in result.findings}


def test_device_positions_and_guards(tmp_path: Path) -> None:
    found = _hits(tmp_path)
    # Device positions migrate rewrites: .to(), a device setting, a device default, a --device default
    # (map_location= of torch.load is its own rule, CS148).
    assert {"5:CS141", "6:CS148", "18:CS141", "21:CS141", "26:CS141"} <= found
    # Strings migrate leaves: "cuda" used as a name, another parameter's default, another option's default.
    assert {"7:CS149", "7:CS142", "21:CS149", "27:CS149"} <= found
    assert {"8:CS172", "9:CS171"} <= found
    # Guarded bodies (lines 11-12, 16) and the guards' own "cuda" (lines 10, 15, 17) are not reported; the else
    # branch (14) and CUDA-only calls in the conditions themselves (15, 17) are.
    assert {"14:CS106", "15:CS103", "17:CS112"} <= found
    assert not {f for f in found if f.split(":")[0] in {"10", "11", "12", "16"}}
    assert not {"15:CS142", "17:CS142"} & found
    assert len(found) == 14


def test_a_guard_must_be_a_device_type_check(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text('import torch\nif device_type == "cuda":\n    torch.cuda.synchronize()\n')
    result = scan_paths([path], ["portable"], jobs=1, use_cache=False)
    assert {(f.line, f.rule_id) for f in result.findings} >= {(2, "CS142")}
    assert any(f.line == 3 for f in result.findings)
