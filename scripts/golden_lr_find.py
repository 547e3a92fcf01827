#!/usr/bin/env python3
"""Golden cases for `lr-find`, from fastai's own LR range test (fastai 2.8.12).

    python3 scripts/golden_lr_find.py [--out Tests/Goldens/lr-find]

Needs fastai importable without torchvision; what worked here (in a venv with the system torch):
    pip install --no-deps fastai fastcore fasttransform plum-dispatch fastdownload 'fastprogress==1.0.3'
    pip install matplotlib pandas scikit-learn

Each case is a sequence of raw minibatch losses as a function of the iteration (a U-shaped curve
in log lr, with or without noise, a plateau, a NaN, an early blow-up). fastai's real
`Learner.lr_find` is run on a learner whose loss function returns those losses one batch after
the other (the parameters do not matter to it), so fastai's LRFinder sets the rates, its Recorder
smooths and records, its LRFinder decides when to stop, and `lr_find` slices the record and calls
`valley`, `steep`, `minimum`. Written:

  <case>.csv        iteration,lr,loss,smoothed_loss: every point fastai recorded (lr =
                    recorder.lrs, smoothed_loss = recorder.losses, the float32 AvgSmoothLoss
                    value; loss = the raw loss fed, exactly a float32 value)
  suggestions.csv   case,start_lr,end_lr,num_it,stop,reason,first,last,valley,steep,minimum
                    stop/reason: where the DESIGN.md rule stops (the update whose smoothed loss
                    first exceeds 4x its minimum or is not finite, or N−1: completed); first..last
                    (inclusive) the recorded points the suggestions use; a suggestion is empty
                    where fastai's function fails on those points (too few of them).

Independent checks made before writing: the DESIGN formula in float64 (avg ← β·avg + (1−β)·loss,
avg/(1−β^(i+1)), stop when > 4·min or not finite) reproduces fastai's smoothed losses to 2e-6
relative and its stopping point, and fastai's float32 arithmetic written out in numpy
(`float32_lerp`) reproduces its smoothed losses bit for bit (fastai does not stop on NaN: it trains on and `lr_find` cuts at
the first NaN, which the `first..last` range reproduces); the suggestions from calling valley/
steep/minimum on that range equal those lr_find returned.
"""
import argparse, math, os, tempfile, warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")
from fastai.data.core import DataLoaders  # noqa: E402
from fastai.data.load import DataLoader  # noqa: E402
from fastai.learner import Learner  # noqa: E402
from fastai.callback.schedule import valley, steep, minimum  # noqa: E402
import fastai  # noqa: E402


def u_curve(lrs, floor=0.35, top=2.3, drop=-3.5, bottom=-1.2, blow=-0.4):
    """A classic range-test shape against x = log10(lr): flat at `top`, falling to `floor`
    between `drop` and `bottom`, rising steeply after `blow`."""
    x = np.log10(lrs)
    fall = 1 / (1 + np.exp(-(x - (drop + bottom) / 2) * 4.0))
    rise = np.where(x > blow, (x - blow) * 12.0, 0.0) ** 2
    return top - (top - floor) * fall + rise


def exp_rates(start, end, n):
    return np.array([start * (end / start) ** (i / n) for i in range(n)])


def cases():
    out = {}
    n = 100
    lrs = exp_rates(1e-7, 10, n)
    out["clean-u"] = (1e-7, 10, n, u_curve(lrs))
    rng = np.random.default_rng(1)
    out["noisy-u"] = (1e-7, 10, n, u_curve(lrs) + rng.normal(0, 0.08, n))
    rng = np.random.default_rng(2)
    out["very-noisy-u"] = (1e-7, 10, n, np.abs(u_curve(lrs) + rng.normal(0, 0.3, n)))
    rng = np.random.default_rng(3)
    nan_losses = u_curve(lrs, blow=10) + rng.normal(0, 0.05, n)
    nan_losses[83:] = np.nan  # the model blew up; every later loss NaN
    out["nan"] = (1e-7, 10, n, nan_losses)
    # a plateau (exactly constant) for half the test, a drop, then flat again; no divergence
    plateau = np.where(np.arange(n) < 50, 2.3, 2.3 - 1.5 * np.minimum(1.0, (np.arange(n) - 50) / 25.0))
    out["plateau"] = (1e-7, 10, n, plateau)
    # strictly decreasing to the end: the valley's start is before the first point
    out["decreasing"] = (1e-5, 1e-1, 60, 2.0 * np.exp(-np.arange(60) / 30.0) + 0.1)
    # blows up at once: too few points for any suggestion
    early = np.full(n, 2.3)
    early[6:] = 40.0
    out["early-divergence"] = (1e-7, 10, n, early)
    # fewer than 6 iterations asked: fastai uses 6; one point left, so no steep
    out["num-it-below-six"] = (1e-3, 1.0, 3, np.array([2.0, 1.9, 1.7, 1.6, 1.5, 1.45]))
    rng = np.random.default_rng(4)
    lrs300 = exp_rates(1e-6, 3, 300)
    out["long-noisy"] = (1e-6, 3, 300, u_curve(lrs300, floor=0.5, blow=0.0) + rng.normal(0, 0.05, 300))
    return out


class ReplayLoss:
    """A loss function that returns the next raw loss of the case, whatever the prediction."""
    def __init__(self, losses): self.losses, self.i = losses, 0
    def __call__(self, pred, y):
        v = self.losses[min(self.i, len(self.losses) - 1)]
        self.i += 1
        return pred.sum() * 0 + torch.tensor(v, dtype=torch.float32)


def fastai_lr_find(start, end, n, losses):
    xs = [(torch.zeros(1), torch.zeros(1)) for _ in range(16)]
    dls = DataLoaders(DataLoader(xs, bs=1, shuffle=False), DataLoader(xs, bs=1))
    with tempfile.TemporaryDirectory() as tmp:
        learn = Learner(dls, nn.Linear(1, 1), loss_func=ReplayLoss(losses), path=tmp)
        try:
            with learn.no_bar():
                result = learn.lr_find(start_lr=start, end_lr=end, num_it=n, show_plot=False,
                                       suggest_funcs=(valley, steep, minimum))
        except (IndexError, RuntimeError):
            result = None  # fastai's suggestion functions fail on too few points
        lrs = [float(v) for v in learn.recorder.lrs]
        smoothed = [float(v) for v in learn.recorder.losses]
    return lrs, smoothed, result


def design(losses, n):
    """The DESIGN.md rule in float64: smoothed losses and the stop."""
    avg, best, out = 0.0, math.inf, []
    for i in range(n):
        avg = 0.98 * avg + 0.02 * float(losses[i])
        s = avg / (1 - 0.98 ** (i + 1))
        out.append(s)
        best = min(best, s)
        if not math.isfinite(s): return out, i, "not-finite"
        if s > 4 * best: return out, i, "diverged"
    return out, n - 1, "completed"


def float32_lerp(losses, n):
    """fastai's AvgSmoothLoss arithmetic written out in numpy float32: torch.lerp(loss, avg, 0.98)
    = avg − (avg − loss)·(1 − 0.98f) as one fused multiply-add (the product of two float32 is
    exact in float64, so one float64 subtraction then one rounding), then ÷ float32(1 − 0.98^k)."""
    f32 = np.float32
    avg, omw, out = f32(0), f32(f32(1) - f32(0.98)), []
    for i in range(n):
        avg = f32(float(avg) - float(f32(avg - f32(losses[i]))) * float(omw))
        out.append(float(f32(avg / f32(1 - 0.98 ** (i + 1)))))
    return out


def suggestions_on(lrs, losses, first, last):
    """valley, steep, minimum on points first..last as lr_find hands them over (float32 tensors)."""
    if last < first: return [None, None, None]
    t_lrs, t_losses = torch.tensor(lrs[first:last + 1]), torch.tensor(losses[first:last + 1])
    out = []
    for f in (valley, steep, minimum):
        try:
            out.append(f(t_lrs, t_losses, None)[0])
        except (IndexError, RuntimeError):
            out.append(None)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Goldens", "lr-find"))
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    table = ["case,start_lr,end_lr,num_it,stop,reason,first,last,valley,steep,minimum"]
    for name, (start, end, asked, raw) in cases().items():
        n = max(asked, 6)  # LRFinder: if num_it < 6: num_it = 6
        raw = np.asarray(raw, dtype=np.float32).astype(np.float64)  # exactly what fastai's float32 loss holds
        lrs, smoothed, result = fastai_lr_find(start, end, asked, list(raw))
        # the independent rule
        mine, stop, reason = design(raw, n)
        for i, (a, b) in enumerate(zip(mine, smoothed)):
            assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 2e-6 * abs(b), (name, i, a, b)
        for i, (a, b) in enumerate(zip(float32_lerp(raw, len(smoothed)), smoothed)):
            assert (math.isnan(a) and math.isnan(b)) or a == b, (name, i, a, b)  # bit for bit
        expected_lrs = [start * (end / start) ** (i / n) for i in range(len(lrs))]
        assert lrs == expected_lrs, name
        if reason == "not-finite":
            assert len(lrs) == n and all(math.isnan(v) for v in smoothed[stop:]), name  # fastai trains on
            last = min(stop, n - 5) - 1
        else:
            assert len(lrs) == stop + 1, (name, len(lrs), stop)  # fastai stopped at the same update
            last = len(lrs) - 5 - 1
        first = n // 10
        mine_s = suggestions_on(lrs, smoothed, first, last)
        if result is not None:
            assert list(result) == mine_s, (name, result, mine_s)
        with open(os.path.join(out, f"{name}.csv"), "w") as f:
            f.write("iteration,lr,loss,smoothed_loss\n")
            for i, (lr, s) in enumerate(zip(lrs, smoothed)):
                f.write(f"{i},{lr!r},{float(raw[i])!r},{s!r}\n")
        cell = lambda v: "" if v is None else repr(float(v))
        table.append(f"{name},{start!r},{end!r},{asked},{stop},{reason},{first},{last},"
                     + ",".join(cell(v) for v in mine_s))
        print(f"{name}: {len(lrs)} points, stop {stop} ({reason}), suggestions {mine_s}")
    with open(os.path.join(out, "suggestions.csv"), "w") as f:
        f.write("\n".join(table) + "\n")
    print(f"fastai {fastai.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
