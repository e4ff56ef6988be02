"""The ascend target: torch_npu in the form of Ascend's documentation, before/after pairs."""

from __future__ import annotations

from migrate_helpers import assert_migrates, migrate


def test_ascend_rewrites_in_the_documented_form() -> None:
    assert_migrates(
        """
        import os
        import torch
        import torch.distributed as dist
        from torch.cuda.amp import GradScaler, autocast

        os.environ["CUDA_VISIBLE_DEVICES"] = "0,1"
        torch.cuda.set_device(local_rank)
        dist.init_process_group(backend="nccl")
        model = Net().cuda()
        x = torch.randn(2, device="cuda:0")
        scaler = GradScaler()
        with autocast():
            y = model(x.to('cuda'))
        if x.is_cuda and x.device.type == "cuda":
            torch.cuda.synchronize()
        """,
        """
        import os
        import torch
        import torch_npu
        import torch.distributed as dist
        from torch.npu.amp import GradScaler, autocast

        os.environ["ASCEND_RT_VISIBLE_DEVICES"] = "0,1"
        torch.npu.set_device(local_rank)
        dist.init_process_group(backend="hccl")
        model = Net().npu()
        x = torch.randn(2, device="npu:0")
        scaler = GradScaler()
        with autocast():
            y = model(x.to('npu'))
        if x.is_npu and x.device.type == "npu":
            torch.npu.synchronize()
        """,
        target="ascend",
    )


def test_flash_attention_maps_where_the_signature_allows() -> None:
    result = assert_migrates(
        """
        import torch
        from flash_attn import flash_attn_func

        def attention(q, k, v, causal):
            a = flash_attn_func(q, k, v, dropout_p=0.1, causal=True)
            b = flash_attn_func(q, k, v, 0.0, 0.125)
            c = flash_attn_func(q, k, v, causal=causal)
            return a, b, c
        """,
        """
        import torch
        from flash_attn import flash_attn_func
        import torch_npu

        def attention(q, k, v, causal):
            a = torch_npu.npu_fusion_attention(q, k, v, q.shape[2], "BSND", atten_mask=torch.triu(torch.ones(2048, 2048, dtype=torch.bool, device=q.device), diagonal=1), scale=q.shape[-1] ** -0.5, keep_prob=1.0 - 0.1, sparse_mode=3)[0]
            b = torch_npu.npu_fusion_attention(q, k, v, q.shape[2], "BSND", scale=0.125)[0]
            c = flash_attn_func(q, k, v, causal=causal)
            return a, b, c
        """,  # noqa: E501
        target="ascend",
    )
    reasons = {item.line: item.reason for item in result.manual}
    assert "causal is not a literal" in reasons[7]
    assert "CUDA-only library" in reasons[2]


def test_flash_attention_import_goes_when_every_call_is_mapped() -> None:
    result = migrate(
        """
        from flash_attn import flash_attn_func
        out = flash_attn_func(q, k, v)
        """,
        "ascend",
    )
    assert "flash_attn" not in result.migrated
    assert result.migrated.startswith("import torch_npu\n")
    assert result.manual == ()


def test_no_cuda_no_torch_npu_import() -> None:
    source = "import torch\nx = torch.zeros(2)\n"
    assert migrate(source, "ascend").migrated == source
