/**
 * A local store of downloaded checkpoint files, keyed `hub/{repo}/{sha}/{file}`. The
 * browser uses the Origin Private File System (workers/browser/opfs-cache.ts); tests
 * and hosts without one use MemoryCache.
 */
export interface CacheEntry {
  key: string;
  size: number;
}

export interface FileCache {
  get(key: string): Promise<Blob | undefined>;
  /** Stores the chunks under `key` and returns the stored file; a failed write leaves nothing. */
  write(key: string, chunks: AsyncIterable<Uint8Array>): Promise<Blob>;
  list(): Promise<CacheEntry[]>;
  /** Removes every entry whose key starts with `prefix` (all when omitted). */
  remove(prefix?: string): Promise<void>;
}

export function hubKey(repo: string, sha: string, file: string): string {
  return `hub/${repo}/${sha}/${file}`;
}

export class MemoryCache implements FileCache {
  private readonly files = new Map<string, Blob>();

  async get(key: string): Promise<Blob | undefined> {
    return this.files.get(key);
  }

  async write(key: string, chunks: AsyncIterable<Uint8Array>): Promise<Blob> {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for await (const c of chunks) parts.push(c.slice());
    const blob = new Blob(parts);
    this.files.set(key, blob);
    return blob;
  }

  async list(): Promise<CacheEntry[]> {
    return [...this.files].map(([key, b]) => ({ key, size: b.size }));
  }

  async remove(prefix = ''): Promise<void> {
    for (const k of [...this.files.keys()]) if (k.startsWith(prefix)) this.files.delete(k);
  }
}
