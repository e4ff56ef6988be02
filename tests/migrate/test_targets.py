"""Targets are data: the shipped ones validate and implement a porting target of the catalog, and a new accelerator
is added with a YAML file alone."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.errors import InputFileError
from chipshift.migrate import available_targets, load_target, load_target_file, migrate_source

MLU_LIKE = """
name: mlu-example
porting_target: cambricon
summary: an accelerator plugin in the shape of torch_mlu, written as data for this test
imports: [torch_mlu]
device: '"mlu"'
device_with_index: '"mlu:{index}"'
device_type: '"mlu"'
cuda_method: mlu
accelerator_check: "torch.mlu.is_available()"
module_renames: {torch.cuda: torch.mlu}
backend: '"cncl"'
"""


def test_shipped_targets_validate() -> None:
    assert available_targets() == ["ascend", "portable"]
    for name in available_targets():
        assert load_target(name).name == name
        assert load_target(name).porting_target == name


def test_a_target_implements_a_porting_target_of_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(MLU_LIKE.replace("porting_target: cambricon", "porting_target: acme-npu"))
    with pytest.raises(InputFileError, match=r"acme\.yaml:3: field 'porting_target': 'acme-npu' is not a porting"):
        load_target_file(path)
    script = tmp_path / "train.py"
    script.write_text("import torch\ntorch.cuda.synchronize()\n")
    result = CliRunner().invoke(app, ["migrate", str(script), "--target-file", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "acme.yaml:3: field 'porting_target'" in result.stderr
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "acme.yaml").write_text(
        "porting_targets:\n  - {id: acme-npu, name: ACME NPU, description: a vendor added in a user catalog}\n"
    )
    result = CliRunner().invoke(app, ["--catalog", str(catalog), "migrate", str(script), "--target-file", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "+torch.mlu.synchronize()" in result.stdout


def test_a_target_written_as_data_migrates(tmp_path: Path) -> None:
    path = tmp_path / "mlu.yaml"
    path.write_text(MLU_LIKE)
    target = load_target_file(path)
    source = dedent(
        """
        import torch
        torch.distributed.init_process_group("nccl")
        x = torch.ones(2, device="cuda:1").cuda()
        torch.cuda.synchronize()
        """
    ).lstrip()
    assert (
        migrate_source(source, target).migrated
        == dedent(
            """
        import torch
        import torch_mlu
        torch.distributed.init_process_group("cncl")
        x = torch.ones(2, device="mlu:1").mlu()
        torch.mlu.synchronize()
        """
        ).lstrip()
    )
    script = tmp_path / "train.py"
    script.write_text(source)
    result = CliRunner().invoke(app, ["migrate", str(script), "--target-file", str(path)])
    assert result.exit_code == 0
    assert "+torch.mlu.synchronize()" in result.stdout


def test_a_bad_target_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsummary: y\ndevice: 3\nporting_target: portable\n")
    with pytest.raises(InputFileError, match=r"bad\.yaml:3: field 'device'"):
        load_target_file(path)
