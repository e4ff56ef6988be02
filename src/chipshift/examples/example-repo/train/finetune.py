"""Fine-tune a causal LM with data parallelism over NCCL."""

import os
from collections.abc import Iterable

import torch
import torch.distributed as dist
from flash_attn import flash_attn_func
from torch.cuda.amp import GradScaler, autocast


def setup() -> int:
    dist.init_process_group(backend="nccl")
    local_rank = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    return local_rank


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return flash_attn_func(q, k, v, causal=True)


def train(model: torch.nn.Module, loader: Iterable[torch.Tensor], steps: int) -> None:
    rank = setup()
    model = model.cuda()
    scaler = GradScaler()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True)
    stream = torch.cuda.Stream()
    for step, batch in enumerate(loader):
        batch = batch.to("cuda", non_blocking=True)
        with torch.cuda.stream(stream), autocast(dtype=torch.bfloat16):
            loss = model(batch).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        if step % 100 == 0 and rank == 0:
            print(step, loss.item(), torch.cuda.max_memory_allocated() / 2**30)
        if step >= steps:
            break
    torch.cuda.synchronize()
    dist.destroy_process_group()
