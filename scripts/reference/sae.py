#!/usr/bin/env python3
"""Random SAEs in every format Strata loads, and their goldens for `strata sae`, float64 PyTorch.

    /usr/bin/python3 scripts/reference/sae.py           # writes tests/fixtures/sae/** and tests/golden/sae/*.json

Written from METHODS §9.1 and MODELS.md "SAE formats" (SAELens sae.py encode/decode, the
legacy config rules, sparsify's SparseCoder, Gemma Scope's params.npz); nothing is shared
with the engine. Hook activations come from interventions.py's `Hooked` float64 forward of
the fixture model. Formats written:
  SAELens v6 folder: cfg.json (metadata.sae_lens_version 6.x) + sae_weights.safetensors
  SAELens legacy: flat cfg.json (hook_point, activation_fn_str, boolean normalize_activations)
  Gemma Scope 1: gemma-scope-*-res/layer_L/width_W/average_l0_N/params.npz (numpy.savez, stored)
  sparsify: <hookpoint>/cfg.json + sae.safetensors (encoder.weight [N, d], W_dec [N, d])
Golden `tests/golden/sae/<model>.json` = {model, ids, cases: [{name, sae, args, hook, architecture,
dSae, topIds, topActs, l0, fve, cos, errNorm}]}: `args` are extra CLI flags, K = 4 per position.
"""
import json
import math
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, write_safetensors  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from interventions import Hooked, apply_intervention  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures", "sae")
GOLD = os.path.join(ROOT, "tests", "golden", "sae")
K = 4
SAE_OBJ = {}
DT = torch.float64


def rnd(x, n=7):
    return float(round(float(x), n))


# ------------------------------------------------------------------ the SAE maths (METHODS §9.1)
def norm_in(x, mode, s):
    d = x.shape[1]
    if mode == "constant_norm_rescale":
        c = math.sqrt(d) / x.norm(dim=1, keepdim=True)
        return x * c, lambda y: y / c
    if mode == "layer_norm":
        mu = x.mean(dim=1, keepdim=True)
        xc = x - mu
        sd = xc.std(dim=1, keepdim=True)  # unbiased, as torch.std
        return xc / (sd + 1e-5), lambda y: y * sd + mu
    if mode == "expected_average_only_in":
        return x * s, lambda y: y / s
    return x, lambda y: y


def topk_dense(key, k):
    v, i = torch.topk(key, k, dim=1)
    z = torch.zeros_like(key)
    z.scatter_(1, i, v.relu())
    return z


def sae_ref(x, sae):
    """x [T, d_in] float64 → (z [T, d_sae], recon [T, d_in])."""
    W = sae["w"]
    xn, undo = norm_in(x, sae["norm"], sae.get("s", 1.0))
    xin = xn - W["b_dec"] if sae["bdec_in"] else xn
    a = sae["arch"]
    if a == "gated":
        gate = (xin @ W["W_enc"] + W["b_gate"] > 0).to(DT)
        z = gate * torch.relu(xin @ (W["W_enc"] * W["r_mag"].exp()) + W["b_mag"])
    else:
        pre = xin @ W["W_enc"] + W["b_enc"]
        if "threshold" in W:
            z = torch.relu(pre) * (pre > W["threshold"]).to(DT)
        elif a in ("topk", "batchtopk"):
            dn = W["W_dec"].norm(dim=1)
            z = topk_dense(pre * dn if sae.get("rescale") else pre, sae["k"])
        else:
            z = torch.relu(pre)
    zd = z / W["W_dec"].norm(dim=1) if sae.get("rescale") else z
    if "scaling_factor" in W:
        zd = zd * W["scaling_factor"]
    y = zd @ W["W_dec"] + W["b_dec"]
    if "W_skip" in W:
        y = y + x @ W["W_skip"].T
    return z, undo(y)


def metrics(x, z, recon):
    v, i = torch.topk(z, K, dim=1)
    err = x - recon
    cos = (x * recon).sum(1) / (x.norm(dim=1) * recon.norm(dim=1)).clamp_min(1e-12)
    fve = 1 - (err ** 2).sum() / ((x - x.mean(0, keepdim=True)) ** 2).sum()
    return {"topIds": i.tolist(), "topActs": [[rnd(a) for a in r] for r in v.tolist()],
            "l0": [int(c) for c in (z > 0).sum(1).tolist()], "fve": rnd(fve),
            "cos": [rnd(c) for c in cos.tolist()], "errNorm": [rnd(e) for e in err.norm(dim=1).tolist()]}


# ------------------------------------------------------------------ SAE splices (contracts/run.ts SaeSplice)
def splice_ref(x, sae, iv):
    """x at the hook ([T, d] or [T, H, hd]) → the spliced value at the selected positions."""
    T = x.shape[0]
    x2 = x.reshape(T, -1)
    z, recon = sae_ref(x2, sae)
    z2 = z.clone()
    for e in iv["sae"].get("features", []):
        if e["op"] == "ablate":
            z2[:, e["id"]] = 0
        elif e["op"] == "clamp":
            z2[:, e["id"]] = e["value"]
        else:
            z2[:, e["id"]] = z2[:, e["id"]] * e["value"]
    # decode(z') by the same maths: run sae_ref's decoder on z' (encoder output replaced).
    W = sae["w"]
    _, undo = norm_in(x2, sae["norm"], sae.get("s", 1.0))
    zd = z2 / W["W_dec"].norm(dim=1) if sae.get("rescale") else z2
    if "scaling_factor" in W:
        zd = zd * W["scaling_factor"]
    y = zd @ W["W_dec"] + W["b_dec"]
    if "W_skip" in W:
        y = y + x2 @ W["W_skip"].T
    out = undo(y)
    if iv["sae"].get("keepError", True):
        out = out + (x2 - recon)
    out = out.reshape(x.shape)
    if iv.get("positions") is not None:
        m = torch.zeros(T, dtype=torch.bool)
        m[iv["positions"]] = True
        out = torch.where(m.reshape([T] + [1] * (x.dim() - 1)), out, x)
    return out


class SpliceHooked(Hooked):
    """Hooked with kind "sae" interventions (the SAE given in iv["_sae"])."""

    def hp(self, name, x):
        self.seen.add(name)
        for iv in self.ivs.get(name, ()):
            x = splice_ref(x, iv["_sae"], iv) if iv["kind"] == "sae" else apply_intervention(x, iv)
        if name in self.cap:
            self.out[name] = x.clone()
        return x


# ------------------------------------------------------------------ random SAEs
def random_sae(g, x, d_sae, arch, k=None, bdec_in=True, norm="none", s=1.0, rescale=False):
    d = x.shape[1]
    W = {"W_enc": torch.randn(d, d_sae, generator=g, dtype=DT) / math.sqrt(d),
         "W_dec": torch.randn(d_sae, d, generator=g, dtype=DT) / math.sqrt(d_sae) * 2,
         "b_enc": torch.randn(d_sae, generator=g, dtype=DT) * 0.1 - 0.05,
         "b_dec": torch.randn(d, generator=g, dtype=DT) * 0.1}
    sae = {"w": W, "arch": arch, "bdec_in": bdec_in, "norm": norm, "s": s, "rescale": rescale, "k": k}
    if arch == "gated":
        del W["b_enc"]
        W["b_gate"] = torch.randn(d_sae, generator=g, dtype=DT) * 0.1
        W["b_mag"] = torch.randn(d_sae, generator=g, dtype=DT) * 0.1
        W["r_mag"] = torch.randn(d_sae, generator=g, dtype=DT) * 0.3
    if arch == "jumprelu":
        # θ around the pre-activations' scale, so some features fire and some are cut.
        xn, _ = norm_in(x, norm, s)
        pre = (xn - W["b_dec"] if bdec_in else xn) @ W["W_enc"] + W["b_enc"]
        W["threshold"] = torch.rand(d_sae, generator=g, dtype=DT) * pre.std() * 0.8
    return sae


def f32(t):
    return t.to(torch.float32).contiguous()


def st_write(path, tensors):
    write_safetensors(path, [(n, t.to(torch.float32).numpy(), "F32") for n, t in tensors.items()])


def write_saelens(folder, sae, hook, v6=True, extra_cfg=None, names=None):
    os.makedirs(folder, exist_ok=True)
    W = sae["w"]
    d_in, d_sae = W["W_enc"].shape
    if v6:
        cfg = {"architecture": sae["arch"], "d_in": d_in, "d_sae": d_sae, "dtype": "float32", "device": "cpu",
               "apply_b_dec_to_input": sae["bdec_in"], "normalize_activations": sae["norm"],
               "reshape_activations": "hook_z" if hook.endswith("hook_z") else "none",
               "metadata": {"sae_lens_version": "6.5.1", "model_name": "fixture", "hook_name": hook, "hook_head_index": None, "prepend_bos": True}}
        if sae["k"] is not None:
            cfg["k"] = sae["k"]
        if sae.get("rescale"):
            cfg["rescale_acts_by_decoder_norm"] = True
    else:
        cfg = {"d_in": d_in, "d_sae": d_sae, "dtype": "torch.float32", "hook_point": hook, "hook_point_layer": 0,
               "hook_point_head_index": None, "apply_b_dec_to_input": sae["bdec_in"],
               "normalize_activations": sae["norm"] != "none", "sae_lens_version": "3.13.0",
               "activation_fn_str": "topk" if sae["arch"] == "topk" else "relu",
               "finetuning_scaling_factor": "scaling_factor" in W}
        if sae["arch"] == "topk":
            cfg["activation_fn_kwargs"] = {"k": sae["k"]}
    cfg.update(extra_cfg or {})
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    tensors = {(names or {}).get(n, n): f32(t) for n, t in W.items()}
    st_write(os.path.join(folder, "sae_weights.safetensors"), tensors)


def write_gemma_scope(folder, sae):
    os.makedirs(folder, exist_ok=True)
    W = sae["w"]
    np.savez(os.path.join(folder, "params.npz"), **{n: W[n].to(torch.float32).numpy() for n in ("W_enc", "W_dec", "b_enc", "b_dec", "threshold")})


def write_sparsify(folder, sae):
    os.makedirs(folder, exist_ok=True)
    W = sae["w"]
    d_in, n = W["W_enc"].shape
    cfg = {"activation": "topk", "expansion_factor": 32, "normalize_decoder": True, "num_latents": n, "k": sae["k"],
           "multi_topk": False, "skip_connection": "W_skip" in W, "transcode": False, "d_in": d_in, "some_new_key": 1}
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    t = {"encoder.weight": f32(W["W_enc"].T), "encoder.bias": f32(W["b_enc"]), "W_dec": f32(W["W_dec"]), "b_dec": f32(W["b_dec"])}
    if "W_skip" in W:
        t["W_skip"] = f32(W["W_skip"])
    st_write(os.path.join(folder, "sae.safetensors"), t)


def round32(sae):
    """The engine reads f32 files: the reference uses the same rounded weights."""
    sae["w"] = {n: t.to(torch.float32).to(DT) for n, t in sae["w"].items()}
    return sae


def main():
    model = "tests/fixtures/models/gpt2"
    hm = Hooked(os.path.join(ROOT, model))
    ids = [0, 17, 42, 99, 5, 123, 64, 8, 150, 33]
    hooks = ["blocks.1.hook_resid_post", "blocks.0.hook_resid_pre", "blocks.2.hook_mlp_out", "blocks.1.attn.hook_z",
             "blocks.0.hook_resid_post", "blocks.2.hook_resid_post", "blocks.0.hook_mlp_out"]
    _, caps = hm.forward(ids, None, (), hooks)
    X = {h: caps[h].reshape(len(ids), -1).to(DT) for h in hooks}
    g = torch.Generator().manual_seed(1234)
    shutil.rmtree(FIX, ignore_errors=True)
    cases = []

    def case(name, folder, sae, hook, args=()):
        SAE_OBJ[name] = sae
        z, recon = sae_ref(X[hook], sae)
        arch = sae["arch"]
        step_hook = hook  # default path: step = layer
        c = {"name": name, "sae": os.path.relpath(folder, ROOT), "args": list(args), "hook": step_hook, "architecture": arch, "dSae": int(z.shape[1])}
        c.update(metrics(X[hook], z, recon))
        cases.append(c)

    def sl(name, hook, arch, d_sae=64, v6=True, extra_cfg=None, names=None, args=(), **kw):
        sae = round32(random_sae(g, X[hook], d_sae, arch, **kw))
        if name == "jumprelu-log-threshold":
            # The file stores log θ (f32); the engine exps it, so the reference uses exp of the stored value.
            logt = sae["w"]["threshold"].log().to(torch.float32)
            sae["w"]["threshold"] = logt.to(DT).exp()
            folder = os.path.join(FIX, "saelens", name)
            write_saelens(folder, {**sae, "w": {**{n: t for n, t in sae["w"].items() if n != "threshold"}, "log_threshold": logt.to(DT)}}, hook, v6, extra_cfg, names)
            case(name, folder, sae, hook, args)
            return
        if name == "legacy-standard-scaling":
            sae["w"]["scaling_factor"] = (1 + 0.5 * torch.rand(d_sae, generator=g, dtype=DT)).to(torch.float32).to(DT)
        folder = os.path.join(FIX, "saelens", name)
        write_saelens(folder, sae, hook, v6, extra_cfg, names)
        case(name, folder, sae, hook, args)

    h1 = "blocks.1.hook_resid_post"
    sl("standard", h1, "standard")
    sl("standard-no-bdec", h1, "standard", bdec_in=False)
    sl("jumprelu", "blocks.0.hook_resid_pre", "jumprelu")
    sl("topk", "blocks.2.hook_mlp_out", "topk", k=5)
    sl("topk-rescale", h1, "topk", k=6, rescale=True)
    sl("batchtopk", h1, "batchtopk", k=7)
    sl("gated", h1, "gated")
    sl("constant-norm-rescale", h1, "standard", norm="constant_norm_rescale")
    sl("layer-norm", "blocks.2.hook_resid_post", "standard", norm="layer_norm")
    sl("expected-average", h1, "standard", norm="expected_average_only_in", s=0.7, args=("--norm-scale", "0.7"))
    sl("hook-z", "blocks.1.attn.hook_z", "standard")
    sl("jumprelu-log-threshold", "blocks.0.hook_resid_post", "jumprelu")
    sl("legacy-standard-scaling", h1, "standard", v6=False, bdec_in=False)
    sl("legacy-topk-hook-z", "blocks.1.attn.hook_z", "topk", v6=False, k=4)
    # Gemma Scope 1: JumpReLU, no b_dec subtraction; the hook from the folder path.
    gs = round32(random_sae(g, X["blocks.2.hook_resid_post"], 64, "jumprelu", bdec_in=False))
    folder = os.path.join(FIX, "gemma-scope-fixture-res", "layer_2", "width_64", "average_l0_9")
    write_gemma_scope(folder, gs)
    case("gemma-scope", folder, gs, "blocks.2.hook_resid_post")
    # sparsify: TopK, hookpoint = folder name; layers.0.mlp with a skip connection.
    sp = round32(random_sae(g, X["blocks.1.hook_resid_post"], 96, "topk", k=6))
    folder = os.path.join(FIX, "sparsify", "h.1")
    write_sparsify(folder, sp)
    case("sparsify", folder, sp, "blocks.1.hook_resid_post")
    sk = random_sae(g, X["blocks.0.hook_mlp_out"], 64, "topk", k=5)
    sk["w"]["W_skip"] = torch.randn(32, 32, generator=g, dtype=DT) * 0.05
    sk = round32(sk)
    folder = os.path.join(FIX, "sparsify", "layers.0.mlp")
    write_sparsify(folder, sk)
    case("sparsify-skip", folder, sk, "blocks.0.hook_mlp_out")

    # Features as interventions: the logits at every position under each splice.
    saes = {}
    for name, arch_hook in [("standard", h1), ("topk", "blocks.2.hook_mlp_out"), ("hook-z", "blocks.1.attn.hook_z"), ("layer-norm", "blocks.2.hook_resid_post")]:
        saes[name] = SAE_OBJ[name]
    sh = SpliceHooked(os.path.join(ROOT, model))
    z_clean, _ = sh.forward(ids, None, (), ())
    c0 = [c for c in cases if c["name"] == "standard"][0]
    f_top = c0["topIds"][-1][0]
    f_top2 = [c for c in cases if c["name"] == "topk"][0]["topIds"][-1][0]
    splices = [
        ("reconstruction", "standard", h1, {"keepError": False}, None),
        ("identity", "standard", h1, {}, None),
        ("ablate", "standard", h1, {"features": [{"id": f_top, "op": "ablate"}]}, None),
        ("clamp-positions", "standard", h1, {"features": [{"id": 3, "op": "clamp", "value": 5.0}]}, [3, 4]),
        ("scale-topk", "topk", "blocks.2.hook_mlp_out", {"features": [{"id": f_top2, "op": "scale", "value": 3.0}, {"id": 1, "op": "clamp", "value": 2.0}]}, None),
        ("hook-z", "hook-z", "blocks.1.attn.hook_z", {"keepError": False}, None),
        ("layer-norm-steer", "layer-norm", "blocks.2.hook_resid_post", {"keepError": False, "features": [{"id": 7, "op": "clamp", "value": 4.0}]}, None),
    ]
    splice_cases = []
    for name, sname, hook, body, pos in splices:
        iv = {"hook": hook, "kind": "sae", "sae": body, "_sae": saes[sname]}
        if pos is not None:
            iv["positions"] = pos
        z, _ = sh.forward(ids, None, [iv], ())
        c = {"name": name, "sae": [x for x in cases if x["name"] == sname][0]["sae"], "intervention": {k: v for k, v in iv.items() if k != "_sae"},
             "logits": [[rnd(v, 6) for v in row] for row in z.tolist()],
             "maxChange": rnd((z - z_clean).abs().max())}
        splice_cases.append(c)

    # Feature view: one feature's activation per position and W_dec[f]·W_U (GPT-2: W_U = wteᵀ, no final-norm gain).
    fs = SAE_OBJ["standard"]
    zf, _ = sae_ref(X[h1], fs)
    lg = fs["w"]["W_dec"][f_top] @ sh.m.W["wte.weight"].to(DT).T
    tv, ti = torch.topk(lg, 10)
    bv, bi = torch.topk(-lg, 10)
    feature = {"name": "standard", "sae": c0["sae"], "id": int(f_top), "acts": [rnd(v) for v in zf[:, f_top].tolist()],
               "top": [[int(i), rnd(v)] for i, v in zip(ti.tolist(), tv.tolist())],
               "bottom": [[int(i), rnd(-v)] for i, v in zip(bi.tolist(), bv.tolist())]}

    # For the page's e2e (no golden: e2e compares the page with the Node engine): a random
    # standard SAE for the demo model's layer 3 residual (d 128 → 256).
    gd = torch.Generator().manual_seed(77)
    demo = {"w": {"W_enc": torch.randn(128, 256, generator=gd, dtype=DT) / math.sqrt(128),
                  "W_dec": torch.randn(256, 128, generator=gd, dtype=DT) / math.sqrt(128),
                  "b_enc": torch.randn(256, generator=gd, dtype=DT) * 0.1 - 0.1,
                  "b_dec": torch.zeros(128, dtype=DT)}, "arch": "standard", "bdec_in": True, "norm": "none", "k": None}
    write_saelens(os.path.join(FIX, "demo", "blocks.3.hook_resid_post"), demo, "blocks.3.hook_resid_post")
    # The same for the other two formats the page must open: a Gemma Scope params.npz (JumpReLU,
    # hook from the path) at layer 2 and a sparsify TopK hookpoint folder at layer 4.
    gg = torch.Generator().manual_seed(78)
    gsd = {"W_enc": torch.randn(128, 256, generator=gg, dtype=DT) / math.sqrt(128),
           "W_dec": torch.randn(256, 128, generator=gg, dtype=DT) / math.sqrt(128),
           "b_enc": torch.randn(256, generator=gg, dtype=DT) * 0.1,
           "b_dec": torch.zeros(128, dtype=DT), "threshold": torch.rand(256, generator=gg, dtype=DT) * 0.5}
    write_gemma_scope(os.path.join(FIX, "demo-gemma-scope-res", "layer_2", "width_256", "average_l0_40"), {"w": gsd})
    gp = torch.Generator().manual_seed(79)
    spd = {"W_enc": torch.randn(128, 512, generator=gp, dtype=DT) / math.sqrt(128),
           "W_dec": torch.randn(512, 128, generator=gp, dtype=DT) / math.sqrt(128),
           "b_enc": torch.randn(512, generator=gp, dtype=DT) * 0.1,
           "b_dec": torch.zeros(128, dtype=DT)}
    write_sparsify(os.path.join(FIX, "demo-sparsify", "layers.4"), {"w": spd, "k": 16})

    # CE-loss score on the prompt: clean, reconstruction spliced (no error term), hook zeroed.
    def ce_of(z):
        lp = torch.log_softmax(z[:-1], dim=-1)
        return float(-lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].mean())
    ce_cases = []
    for sname, hook in [("standard", h1), ("topk", "blocks.2.hook_mlp_out"), ("gated", h1)]:
        cz = ce_of(z_clean)
        cs = ce_of(sh.forward(ids, None, [{"hook": hook, "kind": "sae", "sae": {"keepError": False}, "_sae": SAE_OBJ[sname]}], ())[0])
        c0z = ce_of(sh.forward(ids, None, [{"hook": hook, "kind": "zero"}], ())[0])
        ce_cases.append({"name": sname, "sae": [x for x in cases if x["name"] == sname][0]["sae"], "clean": rnd(cz), "sae_": rnd(cs), "zero": rnd(c0z), "score": rnd((c0z - cs) / (c0z - cz))})

    os.makedirs(GOLD, exist_ok=True)
    with open(os.path.join(GOLD, "gpt2.json"), "w") as f:
        json.dump({"model": model, "ids": ids, "k": K, "cases": cases, "splices": splice_cases, "feature": feature, "ce": ce_cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %d SAE cases" % len(cases))


if __name__ == "__main__":
    main()
