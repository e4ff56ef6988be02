"""The rules for three migrate rewrites (issue 14, item 5): integer device indexes (CS134), ``.pin_memory()`` (CS135)
and DDP ``device_ids`` (CS177) are found where migrate rewrites them and nowhere else; they are ``auto`` only on the
targets migrate rewrites them for (``tests/multibackend/test_scan_agrees.py`` holds them to the rewritten lines on the
migrate samples)."""

from __future__ import annotations

from pathlib import Path

from chipshift.scan import scan_paths
from chipshift.scan.finding import Support
from chipshift.scan.rules import load_rules

CODE = """import torch
from torch.nn.parallel import DistributedDataParallel as DDP
model.to(self.gpu_id)
x = batch.to(args.local_rank, non_blocking=True)
y = torch.zeros(3, device=rank)
z = torch.device(args.gpu)
w = batch.to(dtype)
buffer = tensor.pin_memory()
pinned = make().pin_memory()
kept = (batch.pin_memory() if torch.accelerator.is_available() else batch)
other = batch.pin_memory(device)
ddp = DDP(model, device_ids=[local_rank], output_device=local_rank)
cpu = DDP(model, device_ids=None)
chosen = DDP(model, device_ids=[rank] if use_gpu else None)
"""


def test_found_where_migrate_rewrites_them(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(CODE)
    result = scan_paths([tmp_path], ["portable"], use_cache=False, jobs=1)
    wanted = {"CS134", "CS135", "CS177"}
    assert {(f.line, f.rule_id) for f in result.findings if f.rule_id in wanted} == {
        (3, "CS134"), (4, "CS134"), (5, "CS134"), (6, "CS134"), (8, "CS135"), (9, "CS135"), (12, "CS177"),
    }  # fmt: skip


def test_auto_only_where_migrate_rewrites() -> None:
    rules = load_rules().by_id
    assert rules["CS134"].support("ascend").support is Support.AUTO  # torch.device("npu", index)
    assert rules["CS134"].support("portable").support is Support.AUTO
    for rule_id in ("CS135", "CS177"):  # the ascend target neither pins conditionally nor guards device_ids
        assert rules[rule_id].support("portable").support is Support.AUTO
        assert rules[rule_id].support("ascend").support is Support.NATIVE
