/** A minimal GGUF v3 writer for building malformed files in tests (layout: MODELS.md "GGUF"). */

export type KvSpec = { key: string; type: number; bytes: Uint8Array };
export type TensorSpec = { name: string; ne: number[]; type: number; data: Uint8Array; offset?: number };

const enc = new TextEncoder();

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function str(s: string): Uint8Array {
  const t = enc.encode(s);
  return cat(u64(t.byteLength), t);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

export const kvString = (key: string, v: string): KvSpec => ({ key, type: 8, bytes: str(v) });
export const kvU32 = (key: string, v: number): KvSpec => ({ key, type: 4, bytes: u32(v) });

/** Header + kv + tensor infos + padding + data; `offset` overrides a tensor's stored offset. */
export function writeGguf(kv: KvSpec[], tensors: TensorSpec[], opts: { version?: number; alignment?: number } = {}): Uint8Array {
  const align = opts.alignment ?? 32;
  const parts: Uint8Array[] = [enc.encode('GGUF'), u32(opts.version ?? 3), u64(tensors.length), u64(kv.length)];
  for (const k of kv) parts.push(str(k.key), u32(k.type), k.bytes);
  let off = 0;
  const data: Uint8Array[] = [];
  for (const t of tensors) {
    parts.push(str(t.name), u32(t.ne.length), ...t.ne.map((n) => u64(n)), u32(t.type), u64(t.offset ?? off));
    const pad = (align - (t.data.byteLength % align)) % align;
    data.push(t.data, new Uint8Array(pad));
    off += t.data.byteLength + pad;
  }
  const head = cat(...parts);
  return cat(head, new Uint8Array((align - (head.byteLength % align)) % align), ...data);
}
