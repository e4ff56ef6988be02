"""Real training scripts nobody here wrote, ported to ``portable`` and run on the CPU (issue 14, done-when 2): no manual
step, and the same losses as the original run on the CPU as its author documents it (``real/README.md``).

nanoGPT's ``train.py`` (karpathy/nanoGPT 3adf61e) defaults to ``device = 'cuda'``, picks bf16 from
``torch.cuda.is_bf16_supported()``, sets TF32 switches, pins batches for a non-blocking copy and builds a
``torch.cuda.amp.GradScaler``: unported it stops on a machine without CUDA ("Torch not compiled with CUDA enabled").
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chipshift.migrate import load_target, migrate_paths
from chipshift.migrate.writing import apply_migration

NANOGPT = Path(__file__).parent / "real" / "nanogpt"
TINY = [
    "--dataset=tiny", "--compile=False", "--n_layer=2", "--n_head=2", "--n_embd=32", "--block_size=32",
    "--batch_size=4", "--max_iters=20", "--eval_interval=10", "--eval_iters=2", "--log_interval=10",
    "--dropout=0.0", "--gradient_accumulation_steps=1", "--always_save_checkpoint=False",
]  # fmt: skip
LOSS = re.compile(r"loss (\d+\.\d+)")


def tiny_dataset(tree: Path) -> None:
    """A character-level corpus in nanoGPT's format (``train.bin``, ``val.bin``, ``meta.pkl``), made here."""
    np = pytest.importorskip("numpy")
    text = " ".join(f"step {i} moves the weights by {i * 7 % 13} units" for i in range(4000))
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text], dtype=np.uint16)
    folder = tree / "data" / "tiny"
    folder.mkdir(parents=True)
    split = len(ids) * 9 // 10
    ids[:split].tofile(folder / "train.bin")
    ids[split:].tofile(folder / "val.bin")
    (folder / "meta.pkl").write_bytes(pickle.dumps({"vocab_size": len(chars)}))


CPU_ONLY = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "HIP_VISIBLE_DEVICES": "", "ASCEND_RT_VISIBLE_DEVICES": ""}
"""The runs see no accelerator even on a machine with one: the port would pick it, and bf16 on it."""


def run(tree: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "train.py", *TINY, f"--out_dir={tree / 'out'}", *extra]
    return subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=900, check=False, env=CPU_ONLY)


def accelerator_visible() -> bool:
    """Whether an accelerator the variables above cannot hide (Apple's MPS, Intel's XPU) is there."""
    probe = "import torch; print(torch.accelerator.is_available())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=CPU_ONLY)
    return done.stdout.strip() != "False"


def test_nanogpt_ported_to_portable_trains_on_cpu_with_the_original_losses(tmp_path: Path) -> None:
    if accelerator_visible():
        pytest.skip("an accelerator the environment cannot hide: the port would train on it, not on the CPU")
    original, ported = tmp_path / "original", tmp_path / "ported"
    for tree in (original, ported):
        shutil.copytree(NANOGPT, tree)
        tiny_dataset(tree)
    result = migrate_paths([ported / "train.py", ported / "model.py"], load_target("portable"), jobs=1)
    apply_migration(result, backup=True)
    assert [item.path.name for item in result.migrated] == ["train.py"] and not result.failed

    reference = run(original, "--device=cpu")  # the original on the CPU, as its README says to run it there
    assert reference.returncode == 0, reference.stderr[-2000:]
    unported = run(original)
    assert unported.returncode != 0  # the default device is CUDA
    after = run(ported)  # no manual step: the port's defaults
    assert after.returncode == 0, after.stderr[-2000:]
    losses = LOSS.findall(reference.stdout)
    assert len(losses) == 9  # three evaluations (train and val) and three logged iterations
    assert LOSS.findall(after.stdout) == losses
