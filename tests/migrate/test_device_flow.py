"""Device values carried through a script (issue 14, item 2): device variables, integer device indexes, device strings
built from an index, ``is_cuda``, ``get_device_name`` and pinned expressions, for ``portable`` and ``ascend``."""

from __future__ import annotations

import pytest
from migrate_helpers import assert_migrates, migrate

RESOLVE = 'device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")'


@pytest.mark.parametrize(
    ("built", "portable", "ascend"),
    [
        ('f"cuda:{i}"', 'f"{device.type}:{i}"', 'f"npu:{i}"'),
        ('"cuda:{}".format(i)', 'f"{device.type}:{i}"', 'f"npu:{i}"'),
        ('"cuda:{0}".format(args.gpu)', 'f"{device.type}:{args.gpu}"', 'f"npu:{args.gpu}"'),
        ('"cuda:%d" % i', 'f"{device.type}:{i}"', 'f"npu:{i}"'),
        ('"cuda:" + str(i)', 'f"{device.type}:{i}"', 'f"npu:{i}"'),
        ("'cuda:{}'.format(ranks[\"local\"])", "f'{device.type}:{ranks[\"local\"]}'", "f'npu:{ranks[\"local\"]}'"),
    ],
)
def test_device_strings_built_from_an_index(built: str, portable: str, ascend: str) -> None:
    assert_migrates(f"import torch\nname = {built}\n", f"import torch\n{RESOLVE}\nname = {portable}\n")
    assert_migrates(f"import torch\nname = {built}\n", f"import torch\nimport torch_npu\nname = {ascend}\n", "ascend")


def test_strings_that_only_start_like_a_device_are_left() -> None:
    source = 'import torch\na = "cuda:%d/%d" % (i, n)\nb = f"cuda:{i}{suffix}"\nc = "cuda: {}".format(i)\n'
    assert migrate(source).migrated == source


@pytest.mark.parametrize("index", ["self.gpu_id", "args.gpu", "local_rank", "rank", "gpu", "device_id"])
def test_integer_device_indexes_name_the_targets_device(index: str) -> None:
    assert_migrates(
        f"import torch\nmodel.to({index})\nx = torch.zeros(2, device={index})\n",
        f"import torch\n{RESOLVE}\nmodel.to(torch.device(device.type, {index}))\n"
        f"x = torch.zeros(2, device=torch.device(device.type, {index}))\n",
    )
    assert_migrates(
        f"import torch\nmodel.to({index})\n",
        f'import torch\nimport torch_npu\nmodel.to(torch.device("npu", {index}))\n',
        "ascend",
    )


def test_indexes_the_module_sets_to_integers_are_followed() -> None:
    assert_migrates(
        """
        import argparse, os
        import torch
        parser = argparse.ArgumentParser()
        parser.add_argument("--which", type=int, default=0)
        args = parser.parse_args()
        slot = int(os.environ["LOCAL_RANK"])
        model.to(slot).to(args.which)
        x = torch.device(slot)
        y = x.to(self.hidden)
        """,
        f"""
        import argparse, os
        import torch
        {RESOLVE}
        parser = argparse.ArgumentParser()
        parser.add_argument("--which", type=int, default=0)
        args = parser.parse_args()
        slot = int(os.environ["LOCAL_RANK"])
        model.to(torch.device(device.type, slot)).to(torch.device(device.type, args.which))
        x = torch.device(device.type, slot)
        y = x.to(self.hidden)
        """,
    )


def test_device_variables_are_followed_to_their_assignment() -> None:
    assert_migrates(
        """
        import torch
        dev = "cuda:1"
        gpu_device = "cuda:0"
        model.to(dev)
        label = "cuda:0"
        """,
        f"""
        import torch
        {RESOLVE}
        dev = f"{{device.type}}:1"
        gpu_device = f"{{device.type}}:0"
        model.to(dev)
        label = "cuda:0"
        """,
    )


def test_an_indexed_map_location_maps_to_the_cpu_where_there_is_no_accelerator() -> None:
    # torch.load cannot restore a storage to "cpu:0"
    result = migrate('import torch\nstate = torch.load(path, map_location="cuda:{}".format(args.gpu))\n')
    assert 'map_location=(f"{device.type}:{args.gpu}" if device.type != "cpu" else "cpu")' in result.migrated
    result = migrate('import torch\nstate = torch.load(path, map_location="cuda:{}".format(args.gpu))\n', "ascend")
    assert 'map_location=f"npu:{args.gpu}"' in result.migrated


def test_is_cuda_asks_whether_the_tensor_is_on_an_accelerator() -> None:
    assert_migrates(
        """
        import torch
        if not x.is_cuda:
            x = x.cuda()
        self.is_cuda = True
        """,
        f"""
        import torch
        {RESOLVE}
        if not (x.device.type != "cpu"):
            x = x.to(device)
        self.is_cuda = True
        """,
    )
    assert "x.is_npu" in migrate("import torch\nok = x.is_cuda\n", "ascend").migrated


def test_get_device_name_names_the_accelerator_or_the_cpu() -> None:
    result = migrate("import torch\nprint(torch.cuda.get_device_name(0))\n")
    assert (
        "print((torch.get_device_module(device).get_device_name(0)"
        " if torch.accelerator.is_available() else device.type))" in result.migrated
    )
    assert result.manual == ()
    assert "torch.npu.get_device_name(0)" in migrate("import torch\ntorch.cuda.get_device_name(0)\n", "ascend").migrated


def test_multi_backend_code_keeps_its_indexed_device_strings() -> None:
    source = 'import torch\nnames = (f"cuda:{i}", f"npu:{i}")\n'
    assert migrate(source).migrated == source
    assert migrate(source, "ascend").migrated == source


def test_inside_an_f_string_a_rewrite_needing_its_quotes_is_not_made() -> None:
    # Python 3.11 cannot parse f"{(x.device.type != "cpu")}": the attribute is left and listed instead
    result = migrate('import torch\nprint(f"{x.is_cuda} on {torch.cuda.get_device_name(0)!r}")\n')
    assert 'print(f"{x.is_cuda} on {(torch.get_device_module(device).get_device_name(0)' in result.migrated
    assert [item.code for item in result.manual] == ["x.is_cuda"]
    assert [change.rewrite for change in result.changes] == ["cuda-call"]
