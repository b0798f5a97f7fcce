#!/usr/bin/env python3
"""Reference GGUF quantizer for Strata's tests (NumPy only; block layouts from MODELS.md "GGUF").

Writes tests/fixtures/gguf/quants.gguf: for each type T in F32, F16, BF16, Q8_0, Q4_0, Q4_K,
Q6_K a tensor `q.T` holding seeded random data encoded as T, and beside it `ref.T` (F32), this
script's own dequantization of those bytes. Strata's decoder must reproduce `ref.T` from `q.T`.
When gguf-py (llama.cpp's `gguf` package) is importable, its dequantizers are also run on the
same bytes and must agree (a third implementation; printed, not needed to write the file).

    python3 scripts/gguf_quant_ref.py [--out tests/fixtures/gguf/quants.gguf] [--seed 0]
"""
import argparse
import struct

import numpy as np

TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q8_0": (8, 32, 34),
         "Q4_K": (12, 256, 144), "Q6_K": (14, 256, 210), "BF16": (30, 1, 2)}
ROWS, COLS = 3, 512  # ne = [512, 3]: whole blocks of every type


def f16(x):
    return np.float16(x)


def bf16_bytes(x):
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # round to nearest even (finite inputs)
    return u.astype(np.uint16).tobytes()


def quant_q8_0(x):
    out = bytearray()
    for b in x.reshape(-1, 32):
        d = float(np.abs(b).max()) / 127
        q = np.round(b / d) if d else np.zeros(32)
        out += f16(d).tobytes() + np.clip(q, -128, 127).astype(np.int8).tobytes()
    return bytes(out)


def quant_q4_0(x):
    out = bytearray()
    for b in x.reshape(-1, 32):
        mx = float(b[np.argmax(np.abs(b))])
        d = mx / -8
        q = np.clip(np.floor(b / d + 8.5), 0, 15).astype(np.uint8) if d else np.full(32, 8, np.uint8)
        out += f16(d).tobytes() + (q[:16] | (q[16:] << 4)).astype(np.uint8).tobytes()
    return bytes(out)


def quant_q4_k(x):
    out = bytearray()
    for blk in x.reshape(-1, 256):
        sub = blk.reshape(8, 32)
        lo = np.minimum(sub.min(axis=1), 0)
        scale = (sub.max(axis=1) - lo) / 15
        mins = -lo
        d, dmin = f16(scale.max() / 63), f16(mins.max() / 63)
        s = np.clip(np.round(scale / float(d)), 0, 63).astype(np.int64) if d else np.zeros(8, np.int64)
        m = np.clip(np.round(mins / float(dmin)), 0, 63).astype(np.int64) if dmin else np.zeros(8, np.int64)
        sc = np.zeros(12, np.int64)
        for b in range(4):
            sc[b] = s[b] | ((s[b + 4] >> 4) << 6)
            sc[b + 4] = m[b] | ((m[b + 4] >> 4) << 6)
            sc[b + 8] = (s[b + 4] & 15) | ((m[b + 4] & 15) << 4)
        q = np.zeros(256, np.int64)
        for b in range(8):
            step = float(d) * s[b]
            if step:
                q[32 * b:32 * b + 32] = np.clip(np.round((sub[b] + float(dmin) * m[b]) / step), 0, 15)
        qs = np.zeros(128, np.int64)
        for c in range(4):
            qs[32 * c:32 * c + 32] = q[64 * c:64 * c + 32] | (q[64 * c + 32:64 * c + 64] << 4)
        out += d.tobytes() + dmin.tobytes() + sc.astype(np.uint8).tobytes() + qs.astype(np.uint8).tobytes()
    return bytes(out)


def quant_q6_k(x):
    out = bytearray()
    for blk in x.reshape(-1, 256):
        sub = blk.reshape(16, 16)
        scale = np.abs(sub).max(axis=1) / 31
        d = f16(scale.max() / 127)
        sc = np.clip(np.round(scale / float(d)), -128, 127).astype(np.int64) if d else np.zeros(16, np.int64)
        q = np.zeros(256, np.int64)
        for j in range(16):
            step = float(d) * sc[j]
            q[16 * j:16 * j + 16] = (np.clip(np.round(sub[j] / step), -32, 31) if step else 0) + 32
        ql = np.zeros(128, np.int64)
        qh = np.zeros(64, np.int64)
        for h in range(2):
            e = q[128 * h:128 * h + 128]
            q1, q2, q3, q4 = e[0:32], e[32:64], e[64:96], e[96:128]
            ql[64 * h:64 * h + 32] = (q1 & 15) | ((q3 & 15) << 4)
            ql[64 * h + 32:64 * h + 64] = (q2 & 15) | ((q4 & 15) << 4)
            qh[32 * h:32 * h + 32] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
        out += ql.astype(np.uint8).tobytes() + qh.astype(np.uint8).tobytes() + sc.astype(np.int8).tobytes() + d.tobytes()
    return bytes(out)


def h(b, at):
    return float(np.frombuffer(b[at:at + 2], np.float16)[0])


def deq(name, raw, n):
    """This script's dequantization of `raw`, read back from the bytes alone (float64 → f32)."""
    y = np.zeros(n)
    if name == "F32":
        return np.frombuffer(raw, np.float32).copy()
    if name == "F16":
        return np.frombuffer(raw, np.float16).astype(np.float32)
    if name == "BF16":
        return (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
    _, blk, size = TYPES[name]
    for k in range(n // blk):
        b = raw[k * size:(k + 1) * size]
        o = k * blk
        if name == "Q8_0":
            y[o:o + 32] = h(b, 0) * np.frombuffer(b[2:34], np.int8)
        elif name == "Q4_0":
            qs = np.frombuffer(b[2:18], np.uint8).astype(np.int64)
            y[o:o + 16] = h(b, 0) * ((qs & 15) - 8)
            y[o + 16:o + 32] = h(b, 0) * ((qs >> 4) - 8)
        elif name == "Q4_K":
            d, dmin, sc, qs = h(b, 0), h(b, 2), list(b[4:16]), list(b[16:144])
            for sb in range(8):
                if sb < 4:
                    s, m = sc[sb] & 63, sc[sb + 4] & 63
                else:
                    s = (sc[sb + 4] & 15) | ((sc[sb - 4] >> 6) << 4)
                    m = (sc[sb + 4] >> 4) | ((sc[sb] >> 6) << 4)
                c, hi = sb // 2, sb % 2
                for l in range(32):
                    q = qs[32 * c + l] >> 4 if hi else qs[32 * c + l] & 15
                    y[o + 32 * sb + l] = d * s * q - dmin * m
        elif name == "Q6_K":
            ql, qh = list(b[0:128]), list(b[128:192])
            sc = np.frombuffer(b[192:208], np.int8).astype(np.int64)
            d = h(b, 208)
            for hh in range(2):
                for l in range(32):
                    i, L, H, S, base = l // 16, 64 * hh, 32 * hh, 8 * hh, o + 128 * hh
                    a, c, qb = ql[L + l], ql[L + l + 32], qh[H + l]
                    y[base + l] = d * sc[S + i] * (((a & 15) | ((qb & 3) << 4)) - 32)
                    y[base + 32 + l] = d * sc[S + i + 2] * (((c & 15) | (((qb >> 2) & 3) << 4)) - 32)
                    y[base + 64 + l] = d * sc[S + i + 4] * (((a >> 4) | (((qb >> 4) & 3) << 4)) - 32)
                    y[base + 96 + l] = d * sc[S + i + 6] * (((c >> 4) | ((qb >> 6) << 4)) - 32)
    return y.astype(np.float32)


def encode(name, x):
    if name == "F32":
        return x.astype(np.float32).tobytes()
    if name == "F16":
        return x.astype(np.float16).tobytes()
    if name == "BF16":
        return bf16_bytes(x)
    return {"Q8_0": quant_q8_0, "Q4_0": quant_q4_0, "Q4_K": quant_q4_k, "Q6_K": quant_q6_k}[name](x)


def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def write_gguf(path, tensors, kv):
    """tensors: [(name, ne list, type id, bytes)]; kv: [(key, 'str' | 'u32' | 'f32', value)]."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for key, kind, v in kv:
        if kind == "str":
            head += gguf_str(key) + struct.pack("<I", 8) + gguf_str(v)
        elif kind == "f32":
            head += gguf_str(key) + struct.pack("<If", 6, v)
        else:
            head += gguf_str(key) + struct.pack("<II", 4, v)
    off, data = 0, b""
    for name, ne, tid, raw in tensors:
        head += gguf_str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne) + struct.pack("<IQ", tid, off)
        pad = (-len(raw)) % 32
        data += raw + b"\0" * pad
        off += len(raw) + pad
    head += b"\0" * ((-len(head)) % 32)
    with open(path, "wb") as f:
        f.write(head + data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/gguf/quants.gguf")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    # Heavy-ish tails and a shifted row so signed maxima and K-quant mins are exercised.
    x = (rng.standard_normal((ROWS, COLS)) * np.array([[1.0], [0.02], [3.0]]) + np.array([[0.0], [0.01], [-1.0]])).astype(np.float32)
    try:
        from gguf import quants, GGMLQuantizationType as T  # optional third implementation
    except ImportError:
        quants = None
    tensors = []
    for name, (tid, _, _) in TYPES.items():
        raw = encode(name, x)
        ref = deq(name, raw, x.size)
        err = float(np.abs(ref - x.reshape(-1)).max())
        line = f"{name}: {len(raw)} bytes, max |dequant - x| = {err:.4g}"
        if quants is not None:
            shape = (ROWS, len(raw) // ROWS)
            arr = np.frombuffer(raw, np.uint8).reshape(shape) if name not in ("F32", "F16") else np.frombuffer(raw, np.float32 if name == "F32" else np.float16).reshape(ROWS, COLS)
            other = quants.dequantize(arr, getattr(T, name)).reshape(-1).astype(np.float32)
            line += f", gguf-py differs by {float(np.abs(other - ref).max()):.3g}"
            assert np.array_equal(other, ref) or float(np.abs(other - ref).max()) <= 1e-6 * float(np.abs(ref).max()), name
        print(line)
        tensors.append((f"q.{name}", [COLS, ROWS], tid, raw))
        tensors.append((f"ref.{name}", [COLS, ROWS], 0, ref.astype(np.float32).tobytes()))
    write_gguf(a.out, tensors, [("general.architecture", "str", "strata-quant-test"), ("general.alignment", "u32", 32)])
    print("wrote", a.out)


if __name__ == "__main__":
    main()
