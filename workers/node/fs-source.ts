import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fail } from '../engine/errors';
import type { ByteSource, FileSet } from '../engine/io/source';

/** A file on disk, read by range (never whole: checkpoints can be many GB). */
export async function pathSource(path: string): Promise<ByteSource> {
  const st = await stat(path);
  const name = basename(path);
  return {
    name,
    size: st.size,
    async read(begin, end) {
      if (!(begin >= 0 && end >= begin && end <= st.size)) fail(`read of bytes [${begin}, ${end}) is outside ${name} (${st.size} bytes)`);
      const out = new Uint8Array(end - begin);
      const fh = await open(path, 'r');
      try {
        let done = 0;
        while (done < out.byteLength) {
          const { bytesRead } = await fh.read(out, done, out.byteLength - done, begin + done);
          if (bytesRead === 0) fail(`${name} ended early while reading bytes [${begin}, ${end})`);
          done += bytesRead;
        }
      } finally {
        await fh.close();
      }
      return out;
    },
  };
}

/** A checkpoint folder on disk, or a single .gguf file. */
export async function dirFileSet(dir: string): Promise<FileSet> {
  let entries: string[];
  try {
    const st = await stat(dir);
    if (st.isFile() && dir.toLowerCase().endsWith('.gguf')) {
      const src = await pathSource(dir);
      return { label: dir, names: () => [src.name], open: (n) => (n === src.name ? src : undefined) };
    }
    if (!st.isDirectory()) fail(`--model ${dir} is neither a directory nor a .gguf file`);
    entries = await readdir(dir);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') fail(`model directory ${dir} does not exist`);
    throw e;
  }
  const sources = new Map<string, ByteSource>();
  for (const n of entries) {
    const st = await stat(join(dir, n));
    if (st.isFile()) sources.set(n, await pathSource(join(dir, n)));
  }
  return { label: dir, names: () => [...sources.keys()], open: (n) => sources.get(n) };
}
