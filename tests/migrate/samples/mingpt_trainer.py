"""A small trainer in the style of minGPT's mingpt/trainer.py, written for an NVIDIA GPU.

The device is picked with the usual availability idiom, batches come from a pinned DataLoader and move with
non_blocking, iterations are timed with synchronize, and peak memory is reset and read per run.
"""

import json
import time
from collections import defaultdict

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
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        return logits, loss


class Trainer:
    def __init__(self, model, train_dataset, max_iters=10, batch_size=8, learning_rate=5e-3):
        self.model = model
        self.train_dataset = train_dataset
        self.max_iters, self.batch_size, self.learning_rate = max_iters, batch_size, learning_rate
        self.callbacks = defaultdict(list)
        # determine the device we'll train on
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = self.model.to(self.device)
        print("running on device", self.device)
        self.iter_num = 0
        self.iter_time = 0.0
        self.iter_dt = 0.0

    def add_callback(self, onevent, callback):
        self.callbacks[onevent].append(callback)

    def trigger_callbacks(self, onevent):
        for callback in self.callbacks.get(onevent, []):
            callback(self)

    def run(self):
        model = self.model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=self.learning_rate)
        train_loader = DataLoader(
            self.train_dataset,
            sampler=torch.utils.data.RandomSampler(self.train_dataset, replacement=True, num_samples=int(1e10)),
            shuffle=False,
            pin_memory=True,
            batch_size=self.batch_size,
            num_workers=0,
        )
        torch.cuda.reset_peak_memory_stats()
        model.train()
        self.iter_time = time.time()
        data_iter = iter(train_loader)
        while True:
            batch = next(data_iter)
            batch = [t.to(self.device, non_blocking=True) for t in batch]
            x, y = batch
            _, self.loss = model(x, y)
            model.zero_grad(set_to_none=True)
            self.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            self.optimizer.step()
            self.trigger_callbacks("on_batch_end")
            self.iter_num += 1
            torch.cuda.synchronize()
            tnow = time.time()
            self.iter_dt = tnow - self.iter_time
            self.iter_time = tnow
            if self.iter_num >= self.max_iters:
                break
        print(f"peak memory: {torch.cuda.max_memory_allocated() // 2**20} MiB on {torch.cuda.device_count()} GPU(s)")


if __name__ == "__main__":
    torch.manual_seed(3407)
    torch.cuda.manual_seed_all(3407)
    trainer = Trainer(TinyLM(), CharDataset())
    trainer.add_callback("on_batch_end", lambda t: None)
    trainer.run()
    print("RESULT " + json.dumps({"loss": trainer.loss.item()}))
