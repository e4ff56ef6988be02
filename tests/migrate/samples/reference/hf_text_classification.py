"""Hand-written CPU port of ../hf_text_classification.py: bf16 autocast on the CPU, as the script asks for bf16."""

import json
import random

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


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


random.seed(42)
np.random.seed(42)
torch.manual_seed(42)
model = BagOfWordsClassifier()
train_dataloader = DataLoader(make_dataset(), shuffle=True, batch_size=8)
eval_dataloader = DataLoader(make_dataset(seed=1), batch_size=16)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-2)
num_training_steps = 2 * len(train_dataloader)
lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / num_training_steps)
for _epoch in range(2):
    model.train()
    for input_ids, labels in train_dataloader:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss, _ = model(input_ids, labels)
        loss.backward()
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()
model.eval()
correct = 0
for input_ids, labels in eval_dataloader:
    with torch.no_grad():
        _, logits = model(input_ids, labels)
    correct += (logits.argmax(dim=-1) == labels).sum().item()
print("RESULT " + json.dumps({"loss": loss.item(), "accuracy": correct / 64}))
