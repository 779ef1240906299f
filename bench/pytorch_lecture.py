#!/usr/bin/python3
"""The lecture's three networks trained with PyTorch, for a side-by-side comparison with
tenet's examples (docs/results.md). Optional: needs Debian's python3-torch (PyTorch 1.13).

Same networks, data, epochs, batch size (32), optimizers and initialization as
examples/seed_cnn.cpp, lenet.cpp and deep_cnn.cpp:
  seed_cnn, deep_cnn: Adam, learning rate 1e-3
  lenet:              SGD 0.1, lowered to 0.03 after epoch 3 and 0.01 after epoch 6
  Glorot-uniform weights, zero biases; 'same' padding split as TensorFlow splits it.
Like the examples, the test set is evaluated after every epoch (validation) and its time
counts in the epoch's time.

usage: bench/pytorch_lecture.py NETWORK DATA_DIR [--epochs N] [--threads N] [--seed N]
prints one line per epoch and finally:
  pytorch NETWORK epochs=N test_accuracy=A seconds=S train_images_per_second=R
"""

import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                data = f.read()
            magic, = struct.unpack(">I", data[:4])
            rank = magic & 0xFF
            dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
    sys.exit(f"pytorch_lecture.py: {path}[.gz] not found")


def load(directory, split):
    images = read_idx(os.path.join(directory, f"{split}-images-idx3-ubyte")).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(directory, f"{split}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)  # NCHW


class SamePad(nn.Module):
    """TensorFlow's 'same' padding for stride 1: the odd extra row/column goes bottom/right."""

    def __init__(self, k):
        super().__init__()
        total = k - 1
        self.pad = (total // 2, total - total // 2, total // 2, total - total // 2)

    def forward(self, x):
        return F.pad(x, self.pad)


def conv_same(cin, cout, k):
    return nn.Sequential(SamePad(k), nn.Conv2d(cin, cout, k))


def network(name):
    if name == "seed_cnn":
        return nn.Sequential(conv_same(1, 16, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(14 * 14 * 16, 10))
    if name == "lenet":
        return nn.Sequential(conv_same(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if name == "deep_cnn":
        return nn.Sequential(conv_same(1, 32, 2), nn.ReLU(), conv_same(32, 32, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                             conv_same(32, 64, 2), nn.ReLU(), conv_same(64, 64, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                             nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(128, 10))
    sys.exit(f"pytorch_lecture.py: unknown network {name}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("network", choices=["seed_cnn", "lenet", "deep_cnn"])
    p.add_argument("data")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    epochs = a.epochs or {"seed_cnn": 5, "lenet": 10, "deep_cnn": 10}[a.network]
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    x_train, y_train = load(a.data, "train")
    x_test, y_test = load(a.data, "t10k")
    model = network(a.network)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    if a.network == "lenet":
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        rate = lambda epoch: 0.1 if epoch < 3 else (0.03 if epoch < 6 else 0.01)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        rate = lambda epoch: 1e-3

    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads, {a.network}, "
          f"{len(x_train)} training / {len(x_test)} test images", flush=True)
    total, trained = 0.0, 0
    accuracy = 0.0
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group["lr"] = rate(epoch)
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train))
        for first in range(0, len(order), 32):
            batch = order[first:first + 32]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        train_seconds = time.perf_counter() - start
        model.eval()
        with torch.inference_mode():
            correct = sum(int((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum())
                          for i in range(0, len(x_test), 1000))
        seconds = time.perf_counter() - start
        accuracy = correct / len(x_test)
        total += seconds
        trained += len(x_train)
        print(f"epoch {epoch + 1}/{epochs}: val_acc {accuracy:.4f}  {seconds:.1f}s  "
              f"{len(x_train) / train_seconds:.0f} train img/s", flush=True)
    print(f"pytorch {a.network} epochs={epochs} test_accuracy={accuracy:.4f} seconds={total:.1f} "
          f"train_images_per_second={trained / total:.0f}")


if __name__ == "__main__":
    main()
