"""A single-GPU training loop in the style of pytorch/examples (imagenet, ddp tutorial) and an HF loop, written for
an NVIDIA GPU, with the ways such scripts carry their device around.

``device = "cuda:0"``, an ``--gpu`` index in ``args``, a trainer holding ``self.gpu_id`` and calling
``model.to(self.gpu_id)``, device strings built with an f-string, ``.format``, ``%`` and ``+``, ``map_location``,
``tensor.is_cuda``, ``torch.cuda.get_device_name``, ``pin_memory=True`` and ``.pin_memory()`` on an expression.
"""

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

device = "cuda:0"
torch.manual_seed(1337)
if torch.cuda.is_available():
    torch.cuda.manual_seed(1337)
    print("running on", torch.cuda.get_device_name(0))


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
        self.model = model.to(self.gpu_id)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)

    def step(self, source: torch.Tensor, targets: torch.Tensor) -> float:
        source = source.to(self.gpu_id)
        targets = targets.to(self.gpu_id)
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
    data = DataLoader(make_data(), batch_size=16, shuffle=False, pin_memory=True)
    model = Net().to(device)
    trainer = Trainer(model, args.gpu)
    eval_device = torch.device(f"cuda:{args.gpu}")
    label_device = torch.device("cuda:{}".format(args.gpu))  # noqa: UP032 (as older scripts write it)
    loss_device = "cuda:%d" % args.gpu  # noqa: UP031
    cache_device = "cuda:" + str(args.gpu)
    losses = []
    for step, (x, y) in enumerate(data):
        if step == args.steps:
            break
        x = torch.as_tensor(x).pin_memory()
        losses.append(trainer.step(x, y))
    if x.is_cuda:
        torch.cuda.synchronize()
    checkpoint = os.path.join(tempfile.mkdtemp(), "model.pt")
    torch.save(model.state_dict(), checkpoint)
    state = torch.load(checkpoint, map_location="cuda:{}".format(args.gpu))  # noqa: UP032
    model.load_state_dict(state)
    with torch.no_grad():
        x, y = make_data().tensors
        logits = model(x.to(eval_device)).to(loss_device)
        final = F.cross_entropy(logits, y.to(label_device).to(cache_device)).item()
    print("RESULT " + json.dumps({"loss": losses[-1], "final": final}))


if __name__ == "__main__":
    main()
