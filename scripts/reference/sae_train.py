#!/usr/bin/env python3
"""Reference SAE training steps (METHODS §9.2), PyTorch float64, for tests/sae-train.test.ts.

    /usr/bin/python3 scripts/reference/sae_train.py     # writes tests/golden/sae-train/reference.json

Written from METHODS §9.2 and SAELens (standard_sae.py StandardTrainingSAE: MSE summed over d,
L1 on z·‖W_dec,i‖; topk_sae.py TopKTrainingSAE + calculate_topk_aux_loss) and sparsify's
decoder handling (unit-norm rows, gradient parallel to each row removed); nothing is shared
with the engine. The activations are synthetic (sparse sums of random directions plus an
offset and noise, numpy RandomState(123)), stored in the golden as float32.

Seeded draws, one numpy RandomState(seed) stream: init = standard_normal((d_sae, d_in)) rows
scaled to norm 0.1 (relu) or 1 (topk), W_enc = W_decᵀ, b_enc = b_dec = 0 (rounded to float32,
as the engine holds them); then batches = consecutive slices of rs.permutation(N) passes.
Each step: loss on the batch with the current weights (recorded), autograd, torch.optim.Adam
(β 0.9, 0.999, ε 1e-8); TopK: decoder-row gradients projected off the rows before the step,
rows renormalised after it; AuxK on dead latents (unfired for > dead_tokens tokens).
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'golden', 'sae-train', 'reference.json')


def make_data(n=192, d=16, atoms=40, seed=123):
    rs = np.random.RandomState(seed)
    D = rs.standard_normal((atoms, d))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    offset = rs.standard_normal(d) * 0.5
    X = np.zeros((n, d))
    for t in range(n):
        idx = rs.choice(atoms, 3, replace=False)
        X[t] = (rs.exponential(1.0, 3)[:, None] * D[idx]).sum(0)
    X += offset + 0.05 * rs.standard_normal((n, d))
    return X.astype(np.float32)


class Batches:
    def __init__(self, rs, n):
        self.rs, self.n, self.pass_, self.at = rs, n, [], 0

    def take(self, size):
        out = []
        for _ in range(size):
            if self.at >= len(self.pass_):
                self.pass_ = list(self.rs.permutation(self.n))
                self.at = 0
            out.append(self.pass_[self.at])
            self.at += 1
        return out


def train(X, o):
    n, d_in = X.shape
    d_sae, topk = o['width'], o['architecture'] == 'topk'
    rs = np.random.RandomState(o['seed'])
    g = rs.standard_normal((d_sae, d_in))
    w_dec0 = (g / np.linalg.norm(g, axis=1, keepdims=True) * (1.0 if topk else 0.1)).astype(np.float32).astype(np.float64)
    batches = Batches(rs, n)
    W_dec = torch.tensor(w_dec0, requires_grad=True)
    W_enc = torch.tensor(w_dec0.T.copy(), requires_grad=True)
    b_enc = torch.zeros(d_sae, requires_grad=True)
    b_dec = torch.zeros(d_in, requires_grad=True)
    params = [W_enc, b_enc, W_dec, b_dec]
    opt = torch.optim.Adam(params, lr=o['lr'], betas=(0.9, 0.999), eps=1e-8)
    Xt = torch.tensor(X.astype(np.float64))
    k_aux0 = o['kAux'] or d_in // 2
    since = np.zeros(d_sae)
    rec = {'losses': [], 'mse': [], 'l0': [], 'fve': [], 'dead': []}
    for _ in range(o['steps']):
        dead = since > o['deadTokens']
        n_dead = int(dead.sum())
        x = Xt[batches.take(o['batch'])]
        pre = (x - b_dec) @ W_enc + b_enc
        if topk:
            vals, idx = torch.topk(pre, o['k'], dim=-1)
            z = torch.zeros_like(pre).scatter(-1, idx, vals.relu())
        else:
            z = pre.relu()
        x_hat = z @ W_dec + b_dec
        mse = (x_hat - x).pow(2).sum(-1).mean()
        loss = mse
        if not topk:
            loss = mse + o['l1'] * (z * W_dec.norm(dim=1)).sum(-1).mean()
        elif n_dead > 0 and o['auxCoef'] > 0:
            resid = (x - x_hat).detach()
            k_aux = min(k_aux0, n_dead)
            key = torch.where(torch.tensor(dead)[None], pre, torch.tensor(-float('inf')))
            av, ai = key.topk(k_aux, dim=-1)
            z_aux = torch.zeros_like(pre).scatter(-1, ai, av)
            loss = mse + o['auxCoef'] * min(n_dead / k_aux0, 1.0) * ((z_aux @ W_dec) - resid).pow(2).sum(-1).mean()
        opt.zero_grad()
        loss.backward()
        if topk:
            with torch.no_grad():
                W_dec.grad -= (W_dec.grad * W_dec).sum(1, keepdim=True) * W_dec
        opt.step()
        if topk:
            with torch.no_grad():
                W_dec /= W_dec.norm(dim=1, keepdim=True)
        with torch.no_grad():
            fired = (z > 0).any(0).numpy()
            since = np.where(fired, 0, since + o['batch'])
            sq = (x - x_hat).pow(2).sum()
            rec['losses'].append(float(loss))
            rec['mse'].append(float(mse))
            rec['l0'].append(float((z > 0).double().sum(-1).mean()))
            rec['fve'].append(float(1 - sq / (x - x.mean(0)).pow(2).sum()))
            rec['dead'].append(float((since > o['deadTokens']).mean()))
    rec['final'] = {name: t.detach().numpy().ravel().tolist() for name, t in zip(['W_enc', 'b_enc', 'W_dec', 'b_dec'], params)}
    rec['init_W_dec'] = w_dec0.ravel()[:8].tolist()
    return rec


def main():
    X = make_data()
    base = {'seed': 7, 'lr': 1e-2, 'steps': 12, 'kAux': 0, 'auxCoef': 1.0, 'l1': 0.0, 'k': 0}
    cases = [
        {'name': 'relu', **base, 'architecture': 'relu', 'width': 32, 'l1': 0.05, 'batch': 40, 'deadTokens': 80},
        {'name': 'topk-auxk', **base, 'architecture': 'topk', 'width': 64, 'k': 4, 'batch': 16, 'deadTokens': 32},
    ]
    out = {'n': int(X.shape[0]), 'd': int(X.shape[1]), 'x': [float(v) for v in X.ravel()], 'cases': []}
    for c in cases:
        r = train(X, c)
        out['cases'].append({'options': c, **r})
        print(c['name'], 'loss', r['losses'][0], '→', r['losses'][-1], 'fve', r['fve'][-1], 'dead', r['dead'])
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    main()
