"""A text-classification fine-tuning script in the style of a Hugging Face `*_no_trainer.py` example, written for
an NVIDIA GPU: argparse, set_seed, bf16 autocast with a GradScaler, a linear schedule, evaluation with
empty_cache between phases.
"""

import argparse
import json
import random

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def set_seed(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def parse_args():
    parser = argparse.ArgumentParser(description="Finetune a bag-of-words classifier on a toy task")
    parser.add_argument("--per_device_train_batch_size", type=int, default=8)
    parser.add_argument("--learning_rate", type=float, default=5e-2)
    parser.add_argument("--num_train_epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--mixed_precision", type=str, default="bf16", choices=["no", "fp16", "bf16"])
    return parser.parse_args([])


class BagOfWordsClassifier(nn.Module):
    def __init__(self, vocab_size=50, hidden=16, num_labels=2):
        super().__init__()
        self.embeddings = nn.EmbeddingBag(vocab_size, hidden, mode="mean")
        self.classifier = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, num_labels))

    def forward(self, input_ids, labels=None):
        logits = self.classifier(self.embeddings(input_ids))
        loss = nn.functional.cross_entropy(logits.float(), labels) if labels is not None else None
        return loss, logits


def make_dataset(n=64, length=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(50, (n, length), generator=g)
    labels = (input_ids.sum(dim=1) % 2).long()
    return TensorDataset(input_ids, labels)


def main():
    args = parse_args()
    set_seed(args.seed)
    device = torch.device("cuda")
    model = BagOfWordsClassifier().to(device)
    train_dataloader = DataLoader(make_dataset(), shuffle=True, batch_size=args.per_device_train_batch_size)
    eval_dataloader = DataLoader(make_dataset(seed=1), batch_size=16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    num_training_steps = args.num_train_epochs * len(train_dataloader)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / num_training_steps)
    amp_dtype = torch.bfloat16 if args.mixed_precision == "bf16" else torch.float16
    scaler = torch.cuda.amp.GradScaler(enabled=args.mixed_precision == "fp16")

    for _epoch in range(args.num_train_epochs):
        model.train()
        for input_ids, labels in train_dataloader:
            input_ids, labels = input_ids.to(device), labels.to(device)
            with torch.autocast("cuda", dtype=amp_dtype, enabled=args.mixed_precision != "no"):
                loss, _ = model(input_ids, labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            lr_scheduler.step()
            optimizer.zero_grad()
        torch.cuda.empty_cache()

    model.eval()
    correct = 0
    for input_ids, labels in eval_dataloader:
        with torch.no_grad():
            _, logits = model(input_ids.cuda(), labels.cuda())
        correct += (logits.argmax(dim=-1).cpu() == labels).sum().item()
    print("RESULT " + json.dumps({"loss": loss.item(), "accuracy": correct / 64}))


if __name__ == "__main__":
    main()
