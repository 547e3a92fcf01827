#!/usr/bin/env python3
"""The default zalando-train model trained in PyTorch, to compare speed and results.

784→20→20→20→20→10, ReLU, softmax cross-entropy, minibatches of 50, reshuffled each epoch,
pixels ÷255; after each epoch, cost and accuracy over the 60,000 training and 10,000 test
images (what zalando-train reports). Optional: needs `pip install torch numpy`.

    python3 scripts/pytorch_reference.py [--optimizer adam|sgd] [--lr 0.001] [--epochs 3] [--threads 1]
"""
import argparse, gzip, os, resource, time

import numpy as np
import torch


def read_idx(path):
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data/fashion")
    parser.add_argument("--optimizer", default="adam", choices=["adam", "sgd"])
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    start = time.perf_counter()
    d = args.data_dir
    train_x = torch.from_numpy(read_idx(f"{d}/train-images-idx3-ubyte.gz").reshape(-1, 784).copy())
    train_y = torch.from_numpy(read_idx(f"{d}/train-labels-idx1-ubyte.gz").astype(np.int64))
    test_x = torch.from_numpy(read_idx(f"{d}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).copy())
    test_y = torch.from_numpy(read_idx(f"{d}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    load = time.perf_counter() - start

    sizes = [784, 20, 20, 20, 20, 10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    lr = args.lr if args.lr is not None else (0.001 if args.optimizer == "adam" else 0.1)
    opt = (torch.optim.Adam(model.parameters(), lr=lr) if args.optimizer == "adam"
           else torch.optim.SGD(model.parameters(), lr=lr))
    loss_fn = torch.nn.CrossEntropyLoss()

    def evaluate(x, y):
        cost, correct = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(x), 1000):
                logits = model(x[i:i + 1000].float() / 255)
                cost += torch.nn.functional.cross_entropy(logits, y[i:i + 1000], reduction="sum").item()
                correct += (logits.argmax(1) == y[i:i + 1000]).sum().item()
        return cost / len(x), correct / len(x)

    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.optimizer} lr {lr}, load {load:.2f}s")
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        order = torch.randperm(len(train_x))
        for i in range(0, len(order), 50):
            batch = order[i:i + 50]
            opt.zero_grad()
            loss_fn(model(train_x[batch].float() / 255), train_y[batch]).backward()
            opt.step()
        t1 = time.perf_counter()
        train_cost, train_acc = evaluate(train_x, train_y)
        test_cost, test_acc = evaluate(test_x, test_y)
        t2 = time.perf_counter()
        print(f"epoch {epoch}  cost {train_cost:.4f}  train {100 * train_acc:.2f}%  test {100 * test_acc:.2f}%  "
              f"train {t1 - t0:.3f}s  eval {t2 - t1:.3f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
