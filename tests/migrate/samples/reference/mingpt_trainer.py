"""Hand-written CPU port of ../mingpt_trainer.py."""

import json

import torch
from torch.utils.data.dataloader import DataLoader


class CharDataset(torch.utils.data.Dataset):
    def __init__(self, length=64, block_size=8, vocab_size=10):
        g = torch.Generator().manual_seed(42)
        self.data = torch.randint(vocab_size, (length + block_size + 1,), generator=g)
        self.length, self.block_size = length, block_size

    def __len__(self):
        return self.length

    def __getitem__(self, idx):
        chunk = self.data[idx : idx + self.block_size + 1]
        return chunk[:-1], chunk[1:]


class TinyLM(torch.nn.Module):
    def __init__(self, vocab_size=10, n_embd=16):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab_size, n_embd)
        self.rnn = torch.nn.GRU(n_embd, n_embd, batch_first=True)
        self.head = torch.nn.Linear(n_embd, vocab_size)

    def forward(self, x, y):
        h, _ = self.rnn(self.emb(x))
        logits = self.head(h)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))


torch.manual_seed(3407)
model = TinyLM()
dataset = CharDataset()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
sampler = torch.utils.data.RandomSampler(dataset, replacement=True, num_samples=int(1e10))
data_iter = iter(DataLoader(dataset, sampler=sampler, batch_size=8, num_workers=0))
model.train()
for _ in range(10):
    x, y = next(data_iter)
    loss = model(x, y)
    model.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
print("RESULT " + json.dumps({"loss": loss.item()}))
