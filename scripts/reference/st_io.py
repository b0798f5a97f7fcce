"""Hand-written safetensors reader/writer (no `safetensors` package available).

Format: 8-byte little-endian u64 header length N, N bytes of JSON header
{name: {dtype, shape, data_offsets: [b, e]}, "__metadata__": {...}} padded with spaces
to a multiple of 8, then raw little-endian C-order tensor data; offsets are relative to
the first byte after the header.
"""
import json
import os
import struct
import sys


def ensure_torch():
    """Re-exec under Debian's /usr/bin/python3 (where python3-torch lives) if needed."""
    try:
        import torch  # noqa: F401
    except ImportError:
        deb = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(deb) and os.path.exists(deb):
            os.execv(deb, [deb] + sys.argv)
        raise


import numpy as np  # noqa: E402

# dtype string -> (numpy dtype for raw bytes, itemsize)
_NP = {
    "F64": ("<f8", 8),
    "F32": ("<f4", 4),
    "F16": ("<f2", 2),
    "BF16": ("<u2", 2),
    "I64": ("<i8", 8),
    "I32": ("<i4", 4),
    "I16": ("<i2", 2),
    "I8": ("i1", 1),
    "U8": ("u1", 1),
    "BOOL": ("?", 1),
}


def to_bytes(arr, dtype):
    """numpy float array -> raw little-endian bytes in the given safetensors dtype."""
    if dtype == "BF16":
        import torch
        t = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).to(torch.bfloat16)
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    np_dt = _NP[dtype][0]
    return np.ascontiguousarray(arr).astype(np_dt).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, numpy array, dtype string); laid out contiguously in order."""
    header = {"__metadata__": metadata or {"format": "pt"}}
    blobs = []
    off = 0
    for name, arr, dt in tensors:
        b = to_bytes(arr, dt)
        n_el = int(np.prod(arr.shape)) if len(arr.shape) else 1
        assert len(b) == n_el * _NP[dt][1], name
        header[name] = {"dtype": dt, "shape": [int(s) for s in arr.shape],
                        "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)
    return 8 + len(hj) + off


def read_safetensors(path, validate=True):
    """Returns (dict name -> numpy array (float types widened to float32/float64), header)."""
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    assert 8 + n <= len(buf), "header length beyond file"
    hdr = json.loads(buf[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    spans = []
    for name, info in hdr.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        dt = info["dtype"]
        shape = info["shape"]
        n_el = 1
        for s in shape:
            n_el *= s
        if validate:
            assert 0 <= b <= e and base + e <= len(buf), name
            assert e - b == n_el * _NP[dt][1], (name, e - b, n_el, dt)
        spans.append((b, e, name))
        raw = buf[base + b: base + e]
        if dt == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << np.uint32(16)
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_NP[dt][0])
            if dt == "F16":
                arr = arr.astype(np.float32)
        out[name] = arr.reshape(shape)
    if validate:
        spans.sort()
        for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
            assert e0 <= b1, ("overlap", n0, n1)
    return out, hdr


def read_checkpoint(model_dir):
    """Reads model.safetensors or a sharded checkpoint (model.safetensors.index.json)."""
    idx = os.path.join(model_dir, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(idx):
        with open(idx) as f:
            wm = json.load(f)["weight_map"]
        for fname in sorted(set(wm.values())):
            t, _ = read_safetensors(os.path.join(model_dir, fname))
            for k in t:
                assert wm.get(k) == fname, ("tensor not in weight_map", k, fname)
            tensors.update(t)
        missing = set(wm) - set(tensors)
        assert not missing, missing
    else:
        tensors, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    return tensors
