#!/usr/bin/env python3
"""Tuned-lens golden (METHODS.md §1), float64 PyTorch, independent of the engine.

    /usr/bin/python3 scripts/reference/tuned_lens.py     # writes tests/golden/tuned-lens/

From reference.Model's forward on the llama-gqa fixture (default path, seeded ids):
  resid      [L+1][T*d]  residual entering each layer, then the final residual; rounded to
                         7 significant digits BEFORE use, so the engine can be fed exactly
                         these values (the lens gradient is then compared without the
                         fp32-vs-fp64 forward difference)
  W, b       [L][d*d], [L][d]  seeded translators (nn.Linear layout [out, in], x·Wᵀ + b),
                         rounded the same way; also written as lens.safetensors (F32) with
                         keys {i}.weight / {i}.bias by st_io's independent writer
  loss[i]    mean_t KL(P_final || P_i), P_i = softmax(decode(h_i + h_i·W_iᵀ + b_i)),
             P_final = softmax(decode(h_L)), decode = final RMSNorm then unembedding
  gradW[i], gradb[i]  d loss[i] / d(W_i, b_i) by autograd
  rowsKl     [L+1][T]   per-position KL(P_final || P_row) of the tuned-lens rows on the
             default path: row r < L uses translator r (the residual entering layer r),
             row L is the model output (0)
  train      two steps of tuned-lens's optimiser from zero translators on this one batch:
             loss = sum_i loss[i]; clip_grad_norm_(1.0); torch.optim.SGD(lr 0.1,
             momentum 0.9, nesterov, weight_decay 1e-3); linear decay over 2 steps
             (lr factor 1, then 0.5). Records the per-layer losses before each step, the
             pre-clip gradient norms and W, b after the two steps.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, write_safetensors  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from reference import Model  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "tuned-lens")
DT = torch.float64


def r7(x):
    """Round a float64 tensor to 7 significant digits (as the JSON stores it)."""
    return torch.tensor([float("%.7g" % v) for v in x.flatten().tolist()], dtype=DT).reshape(x.shape)


def kl_rows(final_lp, lp):
    """[T] KL(P_final || P) from log-probabilities."""
    return (final_lp.exp() * (final_lp - lp)).sum(-1)


def main():
    name = "llama-gqa"
    m = Model(os.path.join(ROOT, "tests", "fixtures", "models", name))
    L, d = m.L, m.d
    rng = np.random.default_rng(31)
    V = m.unembed.shape[0]
    ids = [1] + [int(x) for x in rng.integers(3, V, size=11)]
    resids, _ = m.run(ids)
    resids = [r7(h) for h in resids]
    final_lp = torch.log_softmax(m.decode(resids[L]), -1)

    g = torch.Generator().manual_seed(31)
    Ws = [r7(0.05 * torch.randn(d, d, generator=g, dtype=DT)) for _ in range(L)]
    bs = [r7(0.1 * torch.randn(d, generator=g, dtype=DT)) for _ in range(L)]

    def lens_lp(i, W, b):
        h = resids[i]
        return torch.log_softmax(m.decode(h + h @ W.T + b), -1)

    losses, gW, gb, rows = [], [], [], []
    for i in range(L):
        W = Ws[i].clone().requires_grad_(True)
        b = bs[i].clone().requires_grad_(True)
        loss = kl_rows(final_lp, lens_lp(i, W, b)).mean()
        loss.backward()
        losses.append(loss.item())
        gW.append(W.grad.flatten().tolist())
        gb.append(b.grad.tolist())
        with torch.no_grad():
            rows.append(kl_rows(final_lp, lens_lp(i, Ws[i], bs[i])).tolist())
    rows.append([0.0] * len(ids))

    # Two steps of the tuned-lens optimiser (scripts/ingredients.py, train_loop.py).
    steps = 2
    params = []
    for _ in range(L):
        params += [torch.zeros(d, d, dtype=DT, requires_grad=True), torch.zeros(d, dtype=DT, requires_grad=True)]
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: max(0.0, (steps - k) / steps))
    train_losses, norms = [], []
    for _ in range(steps):
        opt.zero_grad()
        per = [kl_rows(final_lp, lens_lp(i, params[2 * i], params[2 * i + 1])).mean() for i in range(L)]
        sum(per).backward()
        train_losses.append([p.item() for p in per])
        norms.append(torch.nn.utils.clip_grad_norm_(params, 1.0).item())
        opt.step()
        sched.step()

    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, name + ".lens.safetensors"),
                      [(f"{i}.{k}", (Ws[i] if k == "weight" else bs[i]).numpy(), "F32")
                       for i in range(L) for k in ("weight", "bias")],
                      {"format": "pt", "d_model": str(d), "num_hidden_layers": str(L)})
    doc = {
        "model": f"tests/fixtures/models/{name}",
        "ids": ids,
        "resid": [h.flatten().tolist() for h in resids],
        "W": [w.flatten().tolist() for w in Ws],
        "b": [b.tolist() for b in bs],
        "loss": losses,
        "gradW": gW,
        "gradb": gb,
        "rowsKl": rows,
        "train": {
            "steps": steps, "lr": 0.1, "momentum": 0.9, "weightDecay": 1e-3, "clipNorm": 1.0,
            "losses": train_losses, "gradNorms": norms,
            "W": [params[2 * i].detach().flatten().tolist() for i in range(L)],
            "b": [params[2 * i + 1].detach().tolist() for i in range(L)],
        },
    }

    def rnd(x):
        if isinstance(x, float):
            return float("%.10g" % x)
        if isinstance(x, list):
            return [rnd(v) for v in x]
        if isinstance(x, dict):
            return {k: rnd(v) for k, v in x.items()}
        return x

    fn = os.path.join(OUT, name + ".json")
    with open(fn, "w") as f:
        json.dump(rnd(doc), f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(fn, ROOT), "losses", [round(v, 5) for v in losses],
          "train", [[round(v, 5) for v in s] for s in train_losses], "grad norms", [round(v, 4) for v in norms])


if __name__ == "__main__":
    main()
