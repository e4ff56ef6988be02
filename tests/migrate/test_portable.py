"""The portable target: device-agnostic PyTorch, before/after pairs."""

from __future__ import annotations

from migrate_helpers import assert_migrates, migrate

RESOLVE = 'device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")'


def test_cuda_method_becomes_to_device() -> None:
    assert_migrates(
        """
        import torch

        model = Net().cuda()
        x = batch.cuda(non_blocking=True)  # keep me
        """,
        f"""
        import torch
        {RESOLVE}

        model = Net().to(device)
        x = batch.to(device, non_blocking=True)  # keep me
        """,
    )


def test_cuda_index_keeps_index() -> None:
    assert_migrates(
        """
        import torch
        y = x.cuda(args.gpu)
        z = x.cuda(device=0, non_blocking=True)
        """,
        f"""
        import torch
        {RESOLVE}
        y = x.to(torch.device(device.type, args.gpu))
        z = x.to(torch.device(device.type, 0), non_blocking=True)
        """,
    )


def test_device_literals() -> None:
    assert_migrates(
        """
        import torch
        a = torch.zeros(3, device="cuda")
        b = a.to('cuda:1')
        c = torch.device("cuda")
        d = torch.device("cuda", 1)
        e = torch.load("w.pt", map_location="cuda")
        """,
        f"""
        import torch
        {RESOLVE}
        a = torch.zeros(3, device=device)
        b = a.to(torch.device(device.type, 1))
        c = device
        d = torch.device(device.type, 1)
        e = torch.load("w.pt", map_location=device)
        """,
    )


def test_availability_idiom_and_device_settings() -> None:
    assert_migrates(
        """
        import torch
        dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = 'cuda'
        def run(x, device="cuda"):
            return x
        """,
        """
        import torch
        accel_device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")
        dev = torch.device(accel_device.type)
        device = accel_device.type
        def run(x, device=accel_device.type):
            return x
        """,
    )


def test_other_strings_are_left_alone_and_listed() -> None:
    result = migrate(
        """
        import torch
        print("cuda")
        if x.device.type == "cuda":
            pass
        """
    )
    assert not result.changed
    assert [item.line for item in result.manual] == [2, 3]


def test_no_cuda_means_no_change() -> None:
    source = "import torch\n\nx = torch.zeros(3)  # cpu\n"
    result = migrate(source)
    assert result.migrated == source
    assert result.changes == () and result.manual == ()


def test_aliased_import_is_resolved_by_qualified_name() -> None:
    assert_migrates(
        """
        import torch as th
        th.cuda.synchronize()
        """,
        """
        import torch as th
        import torch
        device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")

        torch.get_device_module(device).synchronize()
        """,
    )
