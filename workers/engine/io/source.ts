import { fail } from '../errors';

/** Random access to the bytes of one file, wherever it lives. */
export interface ByteSource {
  /** File name as the user knows it (used in every error message). */
  readonly name: string;
  readonly size: number;
  /** Bytes [begin, end) as a fresh Uint8Array whose byteOffset is 0. */
  read(begin: number, end: number): Promise<Uint8Array>;
}

/** A set of files making one checkpoint (a folder, a drop, a hub revision). */
export interface FileSet {
  /** Where the files came from, for messages ("tests/fixtures/models/gpt2", "dropped files"). */
  readonly label: string;
  names(): string[];
  open(name: string): ByteSource | undefined;
}

function checkRange(src: { name: string; size: number }, begin: number, end: number): void {
  if (!(begin >= 0 && end >= begin && end <= src.size)) {
    fail(`read of bytes [${begin}, ${end}) is outside ${src.name} (${src.size} bytes)`);
  }
}

/** A browser File or Blob: slices are read lazily, never the whole file at once. */
export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    name,
    size: blob.size,
    async read(begin, end) {
      checkRange({ name, size: blob.size }, begin, end);
      return new Uint8Array(await blob.slice(begin, end).arrayBuffer());
    },
  };
}

export function bufferSource(buffer: ArrayBuffer | Uint8Array, name: string): ByteSource {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  return {
    name,
    size: bytes.byteLength,
    async read(begin, end) {
      checkRange({ name, size: bytes.byteLength }, begin, end);
      return bytes.slice(begin, end);
    },
  };
}

/**
 * A URL read with HTTP range requests; `size` must be known (from a HEAD request or
 * a hub listing). Servers that ignore Range get refused rather than downloaded whole.
 */
export function urlSource(url: string, name: string, size: number, init?: RequestInit): ByteSource {
  return {
    name,
    size,
    async read(begin, end) {
      checkRange({ name, size }, begin, end);
      if (end === begin) return new Uint8Array(0);
      const headers = new Headers(init?.headers);
      headers.set('Range', `bytes=${begin}-${end - 1}`);
      const res = await fetch(url, { ...init, headers });
      if (res.status !== 206 && !(res.status === 200 && begin === 0 && end === size)) {
        fail(`${name}: the server answered ${res.status} to a range request for bytes ${begin}-${end - 1}`);
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength !== end - begin) {
        fail(`${name}: expected ${end - begin} bytes from ${url}, got ${bytes.byteLength}`);
      }
      return bytes;
    },
  };
}

/** Files given as (name → source), e.g. a drop or a folder picker. */
export function fileSetFromSources(label: string, sources: ByteSource[]): FileSet {
  const byName = new Map(sources.map((s) => [baseName(s.name), s] as const));
  return { label, names: () => [...byName.keys()], open: (n) => byName.get(n) };
}

/**
 * A name from a user's file (a tensor, a shard, a dtype) as a message shows it: control
 * characters escaped (a "\n" in a JSON key must not split the one-line error) and cut short.
 */
export function printable(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  for (let i = 0; i < cut.length; i++) {
    const c = cut.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return JSON.stringify(cut);
  }
  return cut;
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

export async function readText(src: ByteSource): Promise<string> {
  return new TextDecoder('utf-8', { fatal: false }).decode(await src.read(0, src.size));
}

/**
 * JSON files read whole are refused past this (real config.json files are a few KB, an
 * index a few hundred KB, the largest tokenizer.json files tens of MB): a 3 GB "config"
 * would otherwise be one allocation the browser refuses with a RangeError.
 */
export const MAX_JSON_BYTES = 256 * 2 ** 20;

export async function readJson(src: ByteSource, label: string, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  if (src.size > maxBytes) fail(`${label} is ${src.size} bytes; JSON files above ${maxBytes} bytes are refused as corrupt`);
  const text = await readText(src);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // V8's message quotes the text around the error, line breaks included: one line it is.
    return fail(`${label} is not valid JSON (${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ')})`);
  }
}
