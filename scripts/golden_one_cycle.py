#!/usr/bin/env python3
"""Golden cases for `--schedule one-cycle`, from torch.optim.lr_scheduler.OneCycleLR itself.

    python3 scripts/golden_one_cycle.py [--out Tests/Goldens]

Writes, in the layout of ../shared/golden (see its README):
  one-cycle/<case>/{args,expected.csv}        `lr` cases: iteration,lr,momentum (j = 0…N−1;
                                              without momentum cycling the column is left out)
  path-one-cycle/<case>/{args,data.csv,expected.csv}
                                              `path` cases: iteration,lr,w,b,cost (row 0 the start
                                              with lr 0, row k after k full-batch updates)

lr cases: a torch.optim.SGD(momentum=0.9) (or Adam, for the β1 check) on one dummy parameter,
OneCycleLR(max_lr=--lr, total_steps=T, …); row j is param_group['lr'] and ['momentum'] read
before update j, then optimizer.step(), scheduler.step() — torch's documented order, so row j is
the value after j scheduler steps. T = --decay-steps (an `e` count × --iterations-per-epoch) or
--iterations. Every row is also recomputed with an independent transcription of the formulas
(DESIGN.md "one-cycle") and with Adam's betas[0]; both must agree to 1e-15.

path cases: the real torch.optim classes on float64 scalar tensors w, b (foreach=False), loss
J = mean((w·x + b − y)²) in torch, loss.backward(), opt.step(), then scheduler.step(); the
scheduler writes the rate and the momentum (SGD, RMSprop: 'momentum'; Adam family: betas[0])
itself. Each path case is re-run in float32 and must stay within a tenth of the path tolerance
(atol 1e-6, rtol 1e-4).
"""
import argparse, math, os, shutil

import numpy as np
import torch

LR_CASES = {
    "default-cos": "--lr 0.1 --iterations 100",
    "linear": "--lr 0.1 --iterations 100 --anneal linear",
    "three-phase": "--lr 0.1 --iterations 100 --three-phase",
    "three-phase-linear": "--lr 0.05 --iterations 90 --three-phase --anneal linear",
    "pct-div-final-div": "--lr 0.3 --iterations 80 --pct-start 0.25 --div-factor 10 --final-div-factor 100",
    "momentum-range": "--lr 0.1 --iterations 60 --base-momentum 0.8 --max-momentum 0.9",
    "no-cycle-momentum": "--lr 0.1 --iterations 50 --no-cycle-momentum",
    "short": "--lr 0.01 --iterations 7",
    "single-update": "--lr 0.01 --iterations 1",
    "peak-on-an-update": "--lr 1 --iterations 10 --pct-start 0.3",
    "pct-start-zero": "--lr 0.1 --iterations 20 --pct-start 0.0",
    "pct-start-one": "--lr 0.1 --iterations 20 --pct-start 1.0",
    "decay-steps": "--lr 0.1 --iterations 40 --decay-steps 40",
    "decay-steps-epochs": "--lr 0.1 --iterations 50 --decay-steps 2e --iterations-per-epoch 25",
    "three-phase-momentum-range-pct": "--lr 2 --iterations 33 --three-phase --pct-start 0.4 --base-momentum 0.6 --max-momentum 0.99",
}

PATH_CASES = {
    "momentum": ("momentum", "--lr 0.05 --iterations 50 --start 0,0"),
    "momentum-three-phase-linear": ("momentum", "--lr 0.05 --iterations 60 --three-phase --anneal linear --start 0,0"),
    "momentum-range": ("momentum", "--lr 0.05 --iterations 50 --base-momentum 0.7 --max-momentum 0.9 --start 0,0"),
    "momentum-no-cycle-momentum": ("momentum", "--lr 0.05 --iterations 50 --no-cycle-momentum --start 0,0"),
    "nesterov": ("nesterov", "--lr 0.05 --iterations 50 --start 1,1"),
    "rmsprop-momentum": ("rmsprop", "--lr 0.01 --momentum 0.5 --iterations 60 --start 0,0"),
    "adam": ("adam", "--lr 0.2 --iterations 60 --start 0,0"),
    "adam-no-cycle-momentum": ("adam", "--lr 0.2 --iterations 60 --no-cycle-momentum --start 0,0"),
    "adam-three-phase": ("adam", "--lr 0.2 --iterations 60 --three-phase --base-momentum 0.8 --start 0,0"),
    "amsgrad": ("amsgrad", "--lr 0.2 --iterations 60 --start 0,0"),
    "adamw": ("adamw", "--lr 0.2 --iterations 60 --start 0,0"),
    "adamax": ("adamax", "--lr 0.3 --iterations 60 --start 0,0"),
    "nadam": ("nadam", "--lr 0.2 --iterations 60 --start 0,0"),
}


def parse(flags):
    """The one-cycle flags of an args line (DESIGN.md spelling) → a dict."""
    words = flags.split()
    o = dict(lr=None, iterations=None, decay_steps=None, per_epoch=1200, pct=0.3, div=25.0, final=1e4,
             anneal="cos", three=False, base=0.85, max=0.95, cycle=True, momentum=None, start=(0.0, 0.0))
    i = 0
    while i < len(words):
        w = words[i]
        take = lambda: words[i + 1]
        if w == "--lr": o["lr"] = float(take()); i += 2
        elif w == "--iterations": o["iterations"] = int(take()); i += 2
        elif w == "--decay-steps": o["decay_steps"] = take(); i += 2
        elif w == "--iterations-per-epoch": o["per_epoch"] = int(take()); i += 2
        elif w == "--pct-start": o["pct"] = float(take()); i += 2
        elif w == "--div-factor": o["div"] = float(take()); i += 2
        elif w == "--final-div-factor": o["final"] = float(take()); i += 2
        elif w == "--anneal": o["anneal"] = take(); i += 2
        elif w == "--three-phase": o["three"] = True; i += 1
        elif w == "--base-momentum": o["base"] = float(take()); i += 2
        elif w == "--max-momentum": o["max"] = float(take()); i += 2
        elif w == "--no-cycle-momentum": o["cycle"] = False; i += 1
        elif w == "--momentum": o["momentum"] = float(take()); i += 2
        elif w == "--start": o["start"] = tuple(float(v) for v in take().split(",")); i += 2
        else: raise SystemExit(f"unknown flag {w}")
    d = o["decay_steps"]
    o["T"] = (int(d[:-1]) * o["per_epoch"] if d.endswith("e") else int(d)) if d else o["iterations"]
    return o


def scheduler(opt, o):
    return torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=o["lr"], total_steps=o["T"], pct_start=o["pct"], anneal_strategy=o["anneal"],
        cycle_momentum=o["cycle"], base_momentum=o["base"], max_momentum=o["max"],
        div_factor=o["div"], final_div_factor=o["final"], three_phase=o["three"])


def independent(o, j):
    """DESIGN.md's one-cycle, written out again (not torch's code) for the cross-check."""
    T, top = o["T"], o["lr"]
    initial = top / o["div"]
    low = initial / o["final"]
    ann = ((lambda a, b, p: b + (a - b) / 2.0 * (math.cos(math.pi * p) + 1)) if o["anneal"] == "cos"
           else (lambda a, b, p: (b - a) * p + a))
    P, hi, lo = o["pct"], o["max"], o["base"]
    if o["three"]:
        phases = [(P * T - 1, initial, top, hi, lo), (2 * P * T - 2, top, initial, lo, hi), (T - 1, initial, low, hi, hi)]
    else:
        phases = [(P * T - 1, initial, top, hi, lo), (T - 1, top, low, lo, hi)]
    s = 0.0
    for k, (e, a, b, ma, mb) in enumerate(phases):
        if j <= e or k == len(phases) - 1:
            p = (j - s) / (e - s)
            return ann(a, b, p), ann(ma, mb, p)
        s = e


def lr_case(o):
    w = torch.zeros(1, requires_grad=True)
    sgd = torch.optim.SGD([w], lr=o["lr"], momentum=0.9)
    adam_w = torch.zeros(1, requires_grad=True)
    adam = torch.optim.Adam([adam_w], lr=o["lr"])
    s1, s2 = scheduler(sgd, o), scheduler(adam, o)
    rows = []
    for j in range(o["iterations"]):
        lr, mom = sgd.param_groups[0]["lr"], sgd.param_groups[0]["momentum"]
        lr2, beta1 = adam.param_groups[0]["lr"], adam.param_groups[0]["betas"][0]
        ilr, imom = independent(o, j)
        assert lr == lr2 and abs(lr - ilr) <= 1e-15 * abs(lr), (j, lr, ilr)
        if o["cycle"]:
            assert mom == beta1 and abs(mom - imom) <= 1e-15, (j, mom, imom)
        else:
            assert mom == 0.9 and beta1 == 0.9
        rows.append((j, lr, mom) if o["cycle"] else (j, lr))
        sgd.step(); adam.step()
        if j < o["iterations"] - 1:  # torch's value past the last row is never used (and may be 0/0)
            s1.step(); s2.step()
    return rows


def path_data():
    rng = np.random.default_rng(25)
    x = rng.uniform(-1, 3, 25)
    y = 0.5 * x + 2.0 + rng.normal(0, 0.3, 25)
    return x, y


def make_optimizer(kind, params, o):
    if kind == "momentum": return torch.optim.SGD(params, lr=o["lr"], momentum=0.9, foreach=False)
    if kind == "nesterov": return torch.optim.SGD(params, lr=o["lr"], momentum=0.9, nesterov=True, foreach=False)
    if kind == "rmsprop": return torch.optim.RMSprop(params, lr=o["lr"], alpha=0.9, eps=1e-8, momentum=o["momentum"], foreach=False)
    if kind == "adam": return torch.optim.Adam(params, lr=o["lr"], foreach=False)
    if kind == "amsgrad": return torch.optim.Adam(params, lr=o["lr"], amsgrad=True, foreach=False)
    if kind == "adamw": return torch.optim.AdamW(params, lr=o["lr"], foreach=False)
    if kind == "adamax": return torch.optim.Adamax(params, lr=o["lr"], foreach=False)
    if kind == "nadam": return torch.optim.NAdam(params, lr=o["lr"], foreach=False)
    raise SystemExit(kind)


def path_case(kind, o, x, y, dtype):
    xt, yt = torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=dtype)
    w = torch.tensor(o["start"][0], dtype=dtype, requires_grad=True)
    b = torch.tensor(o["start"][1], dtype=dtype, requires_grad=True)
    opt = make_optimizer(kind, [w, b], o)
    sched = scheduler(opt, o)
    cost = lambda: torch.mean((w * xt + b - yt) ** 2).item()
    rows = [(0, 0.0, w.item(), b.item(), cost())]
    for k in range(1, o["iterations"] + 1):
        opt.zero_grad()
        torch.mean((w * xt + b - yt) ** 2).backward()
        lr = opt.param_groups[0]["lr"]
        opt.step()
        if k < o["iterations"]:
            sched.step()
        rows.append((k, lr, w.item(), b.item(), cost()))
    return rows


def write(folder, args, header, rows, data=None):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with open(os.path.join(folder, "args"), "w") as f:
        f.write(args + "\n")
    if data is not None:
        with open(os.path.join(folder, "data.csv"), "w") as f:
            f.write("x,y\n" + "".join(f"{repr(float(a))},{repr(float(c))}\n" for a, c in zip(*data)))
    with open(os.path.join(folder, "expected.csv"), "w") as f:
        f.write(header + "\n" + "".join(",".join(repr(v) for v in r) + "\n" for r in rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Goldens"))
    out = parser.parse_args().out
    torch.set_default_dtype(torch.float64)
    for name, flags in LR_CASES.items():
        o = parse(flags)
        rows = lr_case(o)
        write(os.path.join(out, "one-cycle", name), "lr --schedule one-cycle " + flags,
              "iteration,lr,momentum" if o["cycle"] else "iteration,lr", rows)
    x, y = path_data()
    worst = 0.0
    for name, (kind, flags) in PATH_CASES.items():
        o = parse(flags)
        rows = path_case(kind, o, x, y, torch.float64)
        assert all(math.isfinite(v) for r in rows for v in r), name
        assert rows[-1][4] < rows[0][4], f"{name}: the path does not descend"
        single = path_case(kind, o, x, y, torch.float32)
        for r64, r32 in zip(rows, single):
            for e, g in zip(r64[1:], r32[1:]):
                worst = max(worst, abs(g - e) / (1e-6 + 1e-4 * abs(e)))
        write(os.path.join(out, "path-one-cycle", name),
              f"path --optimizer {kind} --schedule one-cycle {flags} --data data.csv",
              "iteration,lr,w,b,cost", rows, (x, y))
    assert worst < 0.1, f"float32 paths use {worst:.3f} of the tolerance"
    print(f"torch {torch.__version__}: {len(LR_CASES)} lr cases, {len(PATH_CASES)} path cases; "
          f"float32 paths use at most {worst:.4f} of the path tolerance")


if __name__ == "__main__":
    main()
