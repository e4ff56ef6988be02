"""Hand-written CPU port of ../torchvision_classification.py: gloo, no device ids, bf16 autocast with a CPU scaler."""

import json
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
if distributed:
    dist.init_process_group(
        backend="gloo", init_method="env://", world_size=int(os.environ["WORLD_SIZE"]), rank=int(os.environ["RANK"])
    )
    dist.barrier()
torch.manual_seed(0)
g = torch.Generator().manual_seed(0)
dataset = TensorDataset(torch.randn(32, 3, 16, 16, generator=g), torch.randint(4, (32,), generator=g))
sampler = DistributedSampler(dataset, shuffle=False) if distributed else None
data_loader = DataLoader(dataset, batch_size=8, sampler=sampler, num_workers=0)
model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1),
    nn.BatchNorm2d(8),
    nn.ReLU(inplace=True),
    nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1),
    nn.BatchNorm2d(16),
    nn.ReLU(inplace=True),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(16, 4),
)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler("cpu")
params = sum(p.numel() for p in model.parameters())
if distributed:
    model = DistributedDataParallel(model)
for epoch in range(2):
    if distributed:
        sampler.set_epoch(epoch)
    model.train()
    for image, target in data_loader:
        with torch.autocast("cpu"):
            loss = criterion(model(image), target)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
print("RESULT " + json.dumps({"loss": loss.item(), "params": params}))
if distributed:
    dist.destroy_process_group()
