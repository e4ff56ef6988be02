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
        on_gpu = x.device.type == "cuda"
        if x.device.type == "cuda":
            pass
        """
    )
    assert not result.changed
    # The guard on line 4 is not a leftover: what it guards runs only on CUDA.
    assert [item.line for item in result.manual] == [2, 3]


def test_code_under_a_cuda_guard_is_kept_as_written() -> None:
    # kornia's losses/ms_ssim.py: per-device branches are already portable; rewriting them would only add churn.
    source = """
        import torch
        if img.device.type == "cpu":
            with torch.autocast(device_type="cpu", enabled=False):
                loss = f(img)
        elif img.device.type == "cuda":
            with torch.autocast(device_type="cuda", enabled=False):
                torch.cuda.synchronize()
        else:
            torch.cuda.synchronize()
        """
    result = migrate(source)
    assert result.migrated.count('device_type="cuda"') == 1
    assert result.migrated.count("torch.cuda.synchronize()") == 1
    assert "torch.get_device_module(device).synchronize()" in result.migrated
    assert result.manual == ()


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


def test_amp_becomes_device_agnostic() -> None:
    assert_migrates(
        """
        import torch
        from torch.cuda.amp import GradScaler, autocast

        scaler = GradScaler(enabled=use_amp)
        with autocast():
            pass
        with torch.cuda.amp.autocast(True, torch.bfloat16):
            pass
        with torch.autocast("cuda", dtype=torch.float16):
            pass
        with torch.autocast(device_type="cuda"):
            pass
        """,
        f"""
        import torch
        {RESOLVE}

        scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
        with torch.autocast(device_type=device.type):
            pass
        with torch.autocast(device_type=device.type, enabled=True, dtype=torch.bfloat16):
            pass
        with torch.autocast(device.type, dtype=torch.float16):
            pass
        with torch.autocast(device_type=device.type):
            pass
        """,
    )


def test_cuda_calls_are_device_agnostic_or_guarded() -> None:
    assert_migrates(
        """
        import torch

        if torch.cuda.is_available():
            n = torch.cuda.device_count()
        torch.cuda.manual_seed_all(1)  # seed
        torch.cuda.set_device(rank)
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        print(torch.cuda.max_memory_allocated() / 2**20)
        """,
        f"""
        import torch
        {RESOLVE}

        if torch.accelerator.is_available():
            n = torch.accelerator.device_count()
        if torch.accelerator.is_available():
            torch.get_device_module(device).manual_seed_all(1)  # seed
        if torch.accelerator.is_available():
            torch.accelerator.set_device_index(rank)
        torch.get_device_module(device).synchronize()
        if torch.accelerator.is_available():
            torch.accelerator.empty_cache()
        print((torch.accelerator.max_memory_allocated() if torch.accelerator.is_available() else 0) / 2**20)
        """,
    )


def test_statement_guard_inside_an_expression_is_listed() -> None:
    result = migrate(
        """
        import torch
        x = torch.cuda.empty_cache() or 1
        print(torch.cuda.get_device_capability(0))
        """
    )
    assert not result.changed
    assert [(item.line, item.code) for item in result.manual] == [
        (2, "torch.cuda.empty_cache"),
        (3, "torch.cuda.get_device_capability"),
    ]


def test_cudnn_settings_are_guarded() -> None:
    assert_migrates(
        """
        import torch

        # speed
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        """,
        f"""
        import torch
        {RESOLVE}

        # speed
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
        """,
    )


def test_distributed_backend_and_ddp_device_ids() -> None:
    assert_migrates(
        """
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP

        dist.init_process_group("nccl", rank=0, world_size=1)
        dist.init_process_group(backend="nccl")
        model = DDP(model, device_ids=[local_rank])
        """,
        f"""
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP
        import torch
        {RESOLVE}

        dist.init_process_group(torch.distributed.get_default_backend_for_device(device), rank=0, world_size=1)
        dist.init_process_group(backend=torch.distributed.get_default_backend_for_device(device))
        model = DDP(model, device_ids=[local_rank] if device.type != "cpu" else None)
        """,
    )


def test_pin_memory_is_guarded() -> None:
    assert_migrates(
        """
        import torch
        loader = torch.utils.data.DataLoader(data, batch_size=4, pin_memory=True)
        """,
        """
        import torch
        loader = torch.utils.data.DataLoader(data, batch_size=4, pin_memory=torch.accelerator.is_available())
        """,
    )


def test_mark_comments_manual_work() -> None:
    assert_migrates(
        """
        import torch
        major, minor = torch.cuda.get_device_capability(0)  # sm
        stream = torch.cuda.Stream()
        """,
        """
        import torch
        major, minor = torch.cuda.get_device_capability(0)  # sm  # chipshift: manual
        stream = torch.cuda.Stream()  # chipshift: manual
        """,
        mark=True,
    )


def test_pin_memory_calls_are_guarded_on_any_tensor_expression() -> None:
    result = migrate(
        """
        import torch

        x = x.pin_memory()
        y = batch.target.pin_memory()
        z = make().pin_memory()
        """,
        "portable",
    )
    assert "x = (x.pin_memory() if torch.accelerator.is_available() else x)" in result.migrated
    assert "y = (batch.target.pin_memory() if torch.accelerator.is_available() else batch.target)" in result.migrated
    # make() must not be written twice: it is the argument of a guard that pins only where an accelerator is present
    assert "z = (lambda tensor: tensor.pin_memory() if torch.accelerator.is_available() else tensor)(make())" in (
        result.migrated
    )
    assert result.manual == ()


def test_availability_beside_cuda_code_left_as_is_becomes_a_cuda_check() -> None:
    # torch.accelerator.is_available() here would let is_bf16_supported() run on Ascend or MPS, where the
    # original never called it; the CUDA check keeps the original's meaning and the call is listed.
    result = assert_migrates(
        """
        import torch
        bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        many = torch.cuda.is_available() and torch.cuda.device_count() > 1
        """,
        f"""
        import torch
        {RESOLVE}
        bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
        many = torch.accelerator.is_available() and torch.accelerator.device_count() > 1
        """,
    )
    assert [(item.line, item.code) for item in result.manual] == [(3, "torch.cuda.is_bf16_supported")]


def test_availability_over_a_branch_that_keeps_cuda_code_becomes_a_cuda_check() -> None:
    # With torch.accelerator.is_available() the capability query would run on Ascend, where the original never called
    # it; the CUDA check keeps the original's fallback there. Branches without CUDA code are rewritten.
    assert_migrates(
        """
        import torch
        def capability(index=0):
            if torch.cuda.is_available():
                return torch.cuda.get_device_capability(index)
            return None
        def count():
            return torch.cuda.device_count() if torch.cuda.is_available() else 0
        """,
        f"""
        import torch
        {RESOLVE}
        def capability(index=0):
            if device.type == "cuda":
                return torch.cuda.get_device_capability(index)
            return None
        def count():
            return torch.accelerator.device_count() if torch.accelerator.is_available() else 0
        """,
    )


def test_an_indexed_device_under_an_availability_check_becomes_the_accelerator() -> None:
    # kornia's get_cuda_device_if_available: the device string is built from the resolved device, so the check is
    # for any accelerator and the CPU fallback stays where there is none.
    assert_migrates(
        """
        import torch
        def pick(index=0):
            if torch.cuda.is_available():
                return torch.device(f"cuda:{index}")
            return torch.device("cpu")
        """,
        f"""
        import torch
        {RESOLVE}
        def pick(index=0):
            if torch.accelerator.is_available():
                return torch.device(f"{{device.type}}:{{index}}")
            return torch.device("cpu")
        """,
    )
