/** FileCache on the Origin Private File System: one file per key, folders per key segment. */
import type { CacheEntry, FileCache } from '../engine/io/cache';

const ROOT = 'strata-cache';

async function root(): Promise<FileSystemDirectoryHandle> {
  const top = await navigator.storage.getDirectory();
  return top.getDirectoryHandle(ROOT, { create: true });
}

async function dirFor(parts: string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  let d = await root();
  for (const p of parts) {
    try {
      d = await d.getDirectoryHandle(p, { create });
    } catch {
      return undefined;
    }
  }
  return d;
}

function split(key: string): { dirs: string[]; name: string } {
  const parts = key.split('/');
  return { dirs: parts.slice(0, -1), name: parts[parts.length - 1] ?? '' };
}

async function walk(d: FileSystemDirectoryHandle, prefix: string, out: CacheEntry[]): Promise<void> {
  for await (const [name, h] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    const key = prefix ? `${prefix}/${name}` : name;
    if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, key, out);
    else out.push({ key, size: (await (h as FileSystemFileHandle).getFile()).size });
  }
}

export async function opfsAvailable(): Promise<boolean> {
  try {
    await root();
    return true;
  } catch {
    return false;
  }
}

export const opfsCache: FileCache = {
  async get(key) {
    const { dirs, name } = split(key);
    const d = await dirFor(dirs, false);
    if (!d) return undefined;
    try {
      return await (await d.getFileHandle(name)).getFile();
    } catch {
      return undefined;
    }
  },
  async write(key, chunks) {
    const { dirs, name } = split(key);
    const d = await dirFor(dirs, true);
    if (!d) throw new Error(`cannot create cache folder for ${key}`);
    const fh = await d.getFileHandle(name, { create: true });
    const w = await fh.createWritable();
    try {
      for await (const c of chunks) await w.write(c as Uint8Array<ArrayBuffer>);
      await w.close();
    } catch (e) {
      await w.abort().catch(() => undefined);
      await d.removeEntry(name).catch(() => undefined);
      throw e;
    }
    return fh.getFile();
  },
  async list() {
    const out: CacheEntry[] = [];
    await walk(await root(), '', out);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  },
  async remove(prefix = '') {
    const entries = await this.list();
    for (const e of entries) {
      if (!e.key.startsWith(prefix)) continue;
      const { dirs, name } = split(e.key);
      const d = await dirFor(dirs, false);
      await d?.removeEntry(name).catch(() => undefined);
    }
  },
};
