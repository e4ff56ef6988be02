"""An image-classification training script in the style of torchvision's references/classification/train.py,
written for NVIDIA GPUs: `--device cuda`, distributed init from the environment with nccl, cudnn.benchmark,
DDP with device_ids, a pinned DataLoader with non_blocking copies, AMP with a GradScaler, and memory logging.
Pure PyTorch (a small CNN on random images) so it runs without torchvision.
"""

import argparse
import json
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

MB = 1024.0 * 1024.0


def init_distributed_mode(args):
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        args.rank = int(os.environ["RANK"])
        args.world_size = int(os.environ["WORLD_SIZE"])
        args.gpu = int(os.environ["LOCAL_RANK"])
    else:
        print("Not using distributed mode")
        args.distributed = False
        return
    args.distributed = True
    torch.cuda.set_device(args.gpu)
    args.dist_backend = "nccl"
    print(f"| distributed init (rank {args.rank}): {args.dist_url}", flush=True)
    dist.init_process_group(backend="nccl", init_method=args.dist_url, world_size=args.world_size, rank=args.rank)
    dist.barrier()


def get_args_parser():
    parser = argparse.ArgumentParser(description="PyTorch Classification Training", add_help=True)
    parser.add_argument("--device", default="cuda", type=str, help="device (Use cuda or cpu Default: cuda)")
    parser.add_argument("-b", "--batch-size", default=8, type=int)
    parser.add_argument("--epochs", default=2, type=int)
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("--amp", action="store_true", help="Use torch.cuda.amp for mixed precision training")
    parser.add_argument("--dist-url", default="env://", type=str)
    return parser


def make_model(num_classes=4):
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, num_classes),
    )


def train_one_epoch(model, criterion, optimizer, data_loader, device, scaler=None):
    model.train()
    for image, target in data_loader:
        image, target = image.to(device, non_blocking=True), target.to(device, non_blocking=True)
        with torch.cuda.amp.autocast(enabled=scaler is not None):
            output = model(image)
            loss = criterion(output, target)
        optimizer.zero_grad()
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
    torch.cuda.synchronize()
    print(f"max mem: {torch.cuda.max_memory_allocated() / MB:.0f} MB")
    return loss


def main(args):
    init_distributed_mode(args)
    device = torch.device(args.device)
    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = True

    g = torch.Generator().manual_seed(0)
    dataset = TensorDataset(torch.randn(32, 3, 16, 16, generator=g), torch.randint(4, (32,), generator=g))
    sampler = DistributedSampler(dataset, shuffle=False) if args.distributed else None
    data_loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, num_workers=0, pin_memory=True)

    model = make_model()
    model.to(device)
    if args.distributed:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model) if False else model
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scaler = torch.cuda.amp.GradScaler() if args.amp else None

    model_without_ddp = model
    if args.distributed:
        model = DistributedDataParallel(model, device_ids=[args.gpu])
        model_without_ddp = model.module
    for epoch in range(args.epochs):
        if args.distributed:
            sampler.set_epoch(epoch)
        loss = train_one_epoch(model, criterion, optimizer, data_loader, device, scaler)
    print(
        "RESULT " + json.dumps({"loss": loss.item(), "params": sum(p.numel() for p in model_without_ddp.parameters())})
    )
    if args.distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(get_args_parser().parse_args(["--amp"]))
