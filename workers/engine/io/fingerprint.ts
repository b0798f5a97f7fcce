import type { Fingerprint } from '../../../src/contracts/engine-api';
import type { Checkpoint } from './checkpoint';
import type { ByteSource } from './source';

/** SHA-256 of config.json and of each weight file's header (8-byte length + JSON): what a permalink pins for local files. */
export type { Fingerprint };

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function headerBytes(src: ByteSource): Promise<Uint8Array> {
  const len = await src.read(0, 8);
  const n = Number(new DataView(len.buffer, len.byteOffset, 8).getBigUint64(0, true));
  return src.read(0, 8 + n); // validated by readSafetensorsHeader before we get here
}

export async function fingerprint(ckpt: Checkpoint, config: ByteSource): Promise<Fingerprint> {
  const headers: Record<string, string> = {};
  for (const f of ckpt.files) headers[f.name] = await sha256Hex(await headerBytes(f));
  return { config: await sha256Hex(await config.read(0, config.size)), headers };
}

/** The first difference between two fingerprints, in words, or undefined when they match. */
export function fingerprintMismatch(got: Fingerprint, want: Fingerprint): string | undefined {
  if (got.config !== want.config) return 'config.json differs from the one in the link';
  for (const [file, h] of Object.entries(want.headers)) {
    if (got.headers[file] === undefined) return `${file} (named in the link) was not given`;
    if (got.headers[file] !== h) return `${file} is not the same file as in the link (its header differs)`;
  }
  const extra = Object.keys(got.headers).find((f) => want.headers[f] === undefined);
  return extra ? `${extra} is not part of the linked checkpoint` : undefined;
}
