/**
 * numpy `.npz` (a zip of `.npy` files, as `numpy.savez` writes it: entries STORED, i.e.
 * uncompressed; Zip64 for large arrays) read by range: the central directory first, then
 * one array at a time. Written from the zip APPNOTE and numpy's format.py (NEP 1); every
 * field is validated and a bad file gets one line naming the file and what is wrong.
 * Compressed entries (`numpy.savez_compressed`) are refused with a message: Gemma Scope's
 * params.npz files are stored.
 */
import { fail } from '../errors';
import type { ByteSource } from './source';

export interface NpyEntry {
  /** Array name (the entry's file name without `.npy`). */
  name: string;
  /** numpy `descr`: `<f4`, `<f2`, `<f8`. */
  descr: string;
  shape: number[];
  /** Absolute byte range of the raw data in the npz. */
  begin: number;
  end: number;
  file: ByteSource;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;

const NPY_BYTES: Record<string, number> = { '<f4': 4, '<f2': 2, '<f8': 8 };

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, at: number, f: string): number {
  const x = v.getBigUint64(at, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${f}: a zip64 field holds ${x}, beyond what can be addressed`);
  return Number(x);
}

interface CenEntry { name: string; method: number; csize: number; usize: number; local: number }

/** The central directory: one entry per array. */
async function centralDirectory(src: ByteSource): Promise<CenEntry[]> {
  const f = src.name;
  if (src.size < 22) fail(`${f} is not a zip/npz file: ${src.size} bytes cannot hold the end-of-directory record`);
  const tailLen = Math.min(src.size, 22 + 65535);
  const tail = await src.read(src.size - tailLen, src.size);
  const tv = dv(tail);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (tv.getUint32(i, true) === SIG_EOCD) { at = i; break; }
  if (at < 0) fail(`${f} is not a zip/npz file (no end-of-central-directory record)`);
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOff = tv.getUint32(at + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOff === 0xffffffff) {
    const loc = at - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== SIG_LOC64) fail(`${f}: zip64 sizes are flagged but the zip64 locator is missing`);
    const off64 = u64(tv, loc + 8, f);
    if (off64 + 56 > src.size) fail(`${f}: the zip64 end record at ${off64} is outside the file`);
    const r = dv(await src.read(off64, off64 + 56));
    if (r.getUint32(0, true) !== SIG_EOCD64) fail(`${f}: no zip64 end record at byte ${off64}`);
    count = u64(r, 32, f);
    cdSize = u64(r, 40, f);
    cdOff = u64(r, 48, f);
  }
  if (cdOff + cdSize > src.size) fail(`${f}: the central directory [${cdOff}, ${cdOff + cdSize}) runs past the end of the file (${src.size} bytes); it is truncated`);
  const cd = await src.read(cdOff, cdOff + cdSize);
  const v = dv(cd);
  const out: CenEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== SIG_CEN) fail(`${f}: central directory entry ${i} is corrupt`);
    const method = v.getUint16(p + 10, true);
    let csize = v.getUint32(p + 20, true);
    let usize = v.getUint32(p + 24, true);
    const n = v.getUint16(p + 28, true);
    const e = v.getUint16(p + 30, true);
    const c = v.getUint16(p + 32, true);
    let local = v.getUint32(p + 42, true);
    if (p + 46 + n + e + c > cd.length) fail(`${f}: central directory entry ${i} runs past the directory`);
    const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + n));
    // Zip64 extra field (id 1): the 64-bit values of exactly the fields saturated above, in this order.
    let x = p + 46 + n;
    const xEnd = x + e;
    while (x + 4 <= xEnd) {
      const id = v.getUint16(x, true);
      const len = v.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        if (usize === 0xffffffff) { usize = u64(v, q, f); q += 8; }
        if (csize === 0xffffffff) { csize = u64(v, q, f); q += 8; }
        if (local === 0xffffffff) local = u64(v, q, f);
      }
      x += 4 + len;
    }
    out.push({ name, method, csize, usize, local });
    p += 46 + n + e + c;
  }
  return out;
}

/** Parses numpy's header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. */
export function parseNpyHeader(text: string, where: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`${where}: the .npy header is not a numpy header dict (${text.trim().slice(0, 80)})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    if (!/^\d+$/.test(s)) fail(`${where}: the .npy shape holds "${s}", not a non-negative integer`);
    return Number(s);
  });
  return { descr, fortran: fortran === 'True', shape };
}

/** The arrays of an npz, by name (data not read yet). */
export async function readNpz(src: ByteSource): Promise<Map<string, NpyEntry>> {
  const f = src.name;
  const out = new Map<string, NpyEntry>();
  for (const e of await centralDirectory(src)) {
    if (e.name.endsWith('/')) continue;
    const where = `${f}: ${e.name}`;
    if (e.method !== 0) fail(`${where} is compressed (zip method ${e.method}); Strata reads stored npz entries only: re-save with numpy.savez (not savez_compressed)`);
    if (e.csize !== e.usize) fail(`${where}: a stored entry's sizes differ (${e.csize} vs ${e.usize})`);
    if (e.local + 30 > src.size) fail(`${where}: its local header at ${e.local} is outside the file`);
    const lh = dv(await src.read(e.local, e.local + 30));
    if (lh.getUint32(0, true) !== SIG_LOC) fail(`${where}: no local file header at byte ${e.local}`);
    const dataAt = e.local + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
    if (dataAt + e.csize > src.size) fail(`${where}: its data [${dataAt}, ${dataAt + e.csize}) runs past the end of the file (${src.size} bytes); it is truncated`);
    if (e.csize < 10) fail(`${where} is too short (${e.csize} bytes) to be a .npy array`);
    const head = await src.read(dataAt, dataAt + Math.min(e.csize, 10));
    if (!(head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY')) fail(`${where} is not a .npy array (no \\x93NUMPY magic)`);
    const major = head[6] as number;
    if (major < 1 || major > 3) fail(`${where}: .npy format version ${major} is unknown (1, 2 or 3)`);
    const hv = dv(head);
    const pre = major === 1 ? 10 : 12;
    if (e.csize < pre) fail(`${where} is too short for its .npy preamble`);
    const hlen = major === 1 ? hv.getUint16(8, true) : dv(await src.read(dataAt + 8, dataAt + 12)).getUint32(0, true);
    if (pre + hlen > e.csize) fail(`${where}: its .npy header (${hlen} bytes) runs past the entry`);
    const text = new TextDecoder().decode(await src.read(dataAt + pre, dataAt + pre + hlen));
    const h = parseNpyHeader(text, where);
    const width = NPY_BYTES[h.descr];
    if (width === undefined) fail(`${where} has dtype ${h.descr}; Strata reads little-endian float arrays (<f4, <f2, <f8)`);
    if (h.fortran && h.shape.length > 1) fail(`${where} is stored in Fortran order; re-save it in C order (numpy.ascontiguousarray)`);
    const bytes = h.shape.reduce((a, d) => a * d, 1) * width;
    if (pre + hlen + bytes !== e.csize) fail(`${where}: shape (${h.shape.join(', ')}) ${h.descr} needs ${bytes} data bytes but the entry holds ${e.csize - pre - hlen}`);
    const name = e.name.replace(/\.npy$/, '');
    out.set(name, { name, descr: h.descr, shape: h.shape, begin: dataAt + pre + hlen, end: dataAt + e.csize, file: src });
  }
  return out;
}

/** One array's data widened to f32. */
export async function readNpyF32(e: NpyEntry): Promise<Float32Array> {
  const b = await e.file.read(e.begin, e.end);
  const v = dv(b);
  if (e.descr === '<f4') return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
  const n = b.byteLength / (NPY_BYTES[e.descr] as number);
  const out = new Float32Array(n);
  if (e.descr === '<f8') for (let i = 0; i < n; i++) out[i] = v.getFloat64(8 * i, true);
  else for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(2 * i, true));
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
