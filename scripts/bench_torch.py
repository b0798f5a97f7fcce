#!/usr/bin/env python3
"""PyTorch's time on the bench checkpoint, for `npm run bench` to print beside Strata's.

Runs scripts/reference/reference.py's forward (plain torch ops written from MODELS.md, no
transformers) in float32 under torch.no_grad(): `forward` = embedding + every block + the
final norm and unembedding of the last row; `trace` = forward plus the lens on every row
(final norm + unembedding of each residual, log-softmax, top-1, entropy, KL to the final
row) — the work `strata trace` does. Median of `runs` after one warm-up, in ms. Dev-time
only (Debian's python3-torch); prints one JSON object.

usage: bench_torch.py MODEL_DIR --tokens 128 --runs 5
"""
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import reference  # noqa: E402
import torch  # noqa: E402


def median_ms(f, runs):
    f()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args(argv)
    reference.DT = torch.float32  # the module reads DT at call time: weights and rotary tables in f32
    t0 = time.perf_counter()
    m = reference.Model(a.model_dir)
    load_s = time.perf_counter() - t0
    V = int(m.cfg["vocab_size"])
    ids = [(i * 7919) % V for i in range(a.tokens)]  # the token ids scripts/bench.ts uses

    def forward():
        with torch.no_grad():
            resids, _ = m.run(ids)
            return m.decode(resids[-1][-1:])

    def trace():
        with torch.no_grad():
            resids, _ = m.run(ids)
            lp_final = None
            for h in reversed(resids):
                lp = torch.log_softmax(m.decode(h), dim=-1)
                if lp_final is None:
                    lp_final = lp
                p = lp.exp()
                lp.argmax(-1)
                (-(p * lp).sum(-1))
                (lp_final.exp() * (lp_final - lp)).sum(-1)

    out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "load_s": round(load_s, 2),
           "forward_ms": round(median_ms(forward, a.runs), 1), "trace_ms": round(median_ms(trace, a.runs), 1)}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
