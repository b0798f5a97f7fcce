import { fail } from '../errors';
import { blobSource, type ByteSource, type FileSet } from './source';

/** A dropped or picked file: a File in the browser, anything Blob-like with a name elsewhere. */
export interface NamedBlob extends Blob {
  readonly name: string;
  readonly webkitRelativePath?: string;
}

/**
 * Dropped files or a picked folder as one checkpoint. With a folder, the files beside
 * its config.json are used (a folder may hold sub-folders such as checkpoints/ or onnx/).
 */
export function fileSetFromFiles(files: NamedBlob[]): FileSet {
  if (files.length === 0) fail('no files were given');
  const rel = (f: NamedBlob): string => (f.webkitRelativePath && f.webkitRelativePath.length > 0 ? f.webkitRelativePath : f.name);
  const dirOf = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('/')));
  const config = files.map(rel).filter((p) => p.endsWith('config.json') && p.split('/').pop() === 'config.json').sort((a, b) => a.split('/').length - b.split('/').length)[0];
  const dir = config !== undefined ? dirOf(config) : dirOf(rel(files[0] as NamedBlob));
  const sources = new Map<string, ByteSource>();
  for (const f of files) {
    const p = rel(f);
    if (dirOf(p) !== dir) continue;
    sources.set(f.name, blobSource(f, f.name));
  }
  const label = dir ? `folder ${dir}` : `dropped files (${[...sources.keys()].join(', ')})`;
  return { label, names: () => [...sources.keys()], open: (n) => sources.get(n) };
}
