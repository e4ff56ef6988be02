"""device_idioms_train.py ported to the CPU by hand: the reference its migrated version must match."""

import argparse
import json
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--gpu", type=int, default=0)
parser.add_argument("--steps", type=int, default=6)
args = parser.parse_args([])

device = "cpu"
torch.manual_seed(1337)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))


class Trainer:
    def __init__(self, model: nn.Module, gpu_id: int) -> None:
        self.gpu_id = gpu_id
        self.model = model.to("cpu")
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)

    def step(self, source: torch.Tensor, targets: torch.Tensor) -> float:
        source = source.to("cpu")
        targets = targets.to("cpu")
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(source), targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def make_data() -> TensorDataset:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(96, 8, generator=generator)
    labels = (inputs.sum(dim=1) > 0).long()
    return TensorDataset(inputs, labels)


def main() -> None:
    data = DataLoader(make_data(), batch_size=16, shuffle=False, pin_memory=False)
    model = Net().to(device)
    trainer = Trainer(model, args.gpu)
    eval_device = torch.device("cpu")
    label_device = torch.device("cpu")
    loss_device = "cpu"
    cache_device = "cpu"
    losses = []
    for step, (x, y) in enumerate(data):
        if step == args.steps:
            break
        x = torch.as_tensor(x)
        losses.append(trainer.step(x, y))
    checkpoint = os.path.join(tempfile.mkdtemp(), "model.pt")
    torch.save(model.state_dict(), checkpoint)
    state = torch.load(checkpoint, map_location="cpu")
    model.load_state_dict(state)
    with torch.no_grad():
        x, y = make_data().tensors
        logits = model(x.to(eval_device)).to(loss_device)
        final = F.cross_entropy(logits, y.to(label_device).to(cache_device)).item()
    print("RESULT " + json.dumps({"loss": losses[-1], "final": final}))


if __name__ == "__main__":
    main()
