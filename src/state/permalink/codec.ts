/**
 * Permalink codec: JSON → deflate-raw → base64url, in the URL fragment (`#s=...`,
 * never sent to a server). Decoding never throws: a bad link yields a reason.
 */
import { parseState, type PermalinkState } from './schema';

/** Longest fragment we write or read (browsers and chat apps cope with ~8 KB URLs). */
export const MAX_ENCODED = 8000;
/** Largest decompressed JSON we accept (guards against deflate bombs). */
export const MAX_JSON = 256 * 1024;

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link contains characters that are not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  void writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      void reader.cancel();
      throw new Error(`the link expands to more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.byteLength; }
  return out;
}

export async function encodeState(state: PermalinkState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const packed = toBase64Url(await pipe(json, new CompressionStream('deflate-raw'), Infinity));
  if (packed.length > MAX_ENCODED) throw new Error(`this experiment is too large for a link (${packed.length} > ${MAX_ENCODED} characters): shorten the prompts or interventions`);
  return packed;
}

export async function decodeState(packed: string): Promise<{ ok: true; state: PermalinkState } | { ok: false; reason: string }> {
  try {
    if (packed.length > MAX_ENCODED) return { ok: false, reason: `the link is too long (${packed.length} characters)` };
    const bytes = await pipe(fromBase64Url(packed), new DecompressionStream('deflate-raw'), MAX_JSON);
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return { ok: false, reason: 'the link does not hold valid JSON' };
    }
    return parseState(raw);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: /expands|base64url/.test(m) ? m : 'the link is truncated or corrupt' };
  }
}

/** The state part of a location hash (`#s=...`), or undefined when there is none. */
export function stateFromHash(hash: string): string | undefined {
  const m = /^#?s=([^&]*)/.exec(hash);
  return m ? m[1] : undefined;
}
