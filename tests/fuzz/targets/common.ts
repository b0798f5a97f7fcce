/** Shared by the fuzz targets: fixture bytes, the backend, and "load it and run it". */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../../workers/engine/engine';
import { bufferSource, fileSetFromSources } from '../../../workers/engine/io/source';
import { initNodeBackend } from '../../../workers/node/host';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const MODELS = join(REPO, 'tests', 'fixtures', 'models');

export function fixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(REPO, ...parts)));
}

let backend: Promise<unknown> | undefined;
export function initBackend(): Promise<unknown> {
  backend ??= initNodeBackend('wasm');
  return backend;
}

/**
 * Loads the files as a checkpoint and runs a few tokens through it: what a user's drop
 * goes through. The engine's own checks make NaN/±Inf a refusal; the logits returned are
 * checked for finiteness again by the harness (two independent looks).
 */
export async function loadAndRun(files: Record<string, Uint8Array>, tokens: number[]): Promise<{ logitsLast: Float32Array; params: number }> {
  const e = new Engine();
  try {
    const m = await e.load(fileSetFromSources('fuzzed files', Object.entries(files).map(([n, b]) => bufferSource(b, n))));
    const ids = tokens.map((t) => t % m.info.vocab);
    const r = await e.run({ tokens: ids, path: Array.from({ length: m.info.layers }, (_, i) => i) });
    return { logitsLast: r.logitsLast, params: m.info.params };
  } finally {
    e.unload();
  }
}

/** Offsets of the safetensors header's end and of every tensor's data, for truncation. */
export function safetensorsBoundaries(bytes: Uint8Array): number[] {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets?: [number, number] }>;
  const out = [0, 1, 4, 7, 8, 9, 8 + n - 1, 8 + n, 8 + n + 1, bytes.length - 1];
  for (const e of Object.values(header)) if (e.data_offsets) out.push(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]);
  return out;
}

export function headerText(bytes: Uint8Array): { text: string; dataStart: number } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + n)), dataStart: 8 + n };
}

/** A safetensors file from header text and a data region (length prefix = the header's byte length unless given). */
export function assemble(header: string, data: Uint8Array, declared?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

export const ABSURD_LENGTHS: readonly bigint[] = [0n, 1n, 2n, 7n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 100n * 1024n * 1024n, 100n * 1024n * 1024n + 1n];
