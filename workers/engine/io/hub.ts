import type { HubRequest } from '../../../src/contracts/engine-api';
import { fail } from '../errors';
import type { LoadProgress } from '../../../src/contracts/model';
import { hubKey, type FileCache } from './cache';
import { Sha256 } from './sha256';
import { blobSource, bufferSource, urlSource, type ByteSource, type FileSet } from './source';

/** Files a checkpoint needs from a repo: config, tokenizer, top-level safetensors and their index. */
export function wantedFile(name: string): boolean {
  if (name.includes('/')) return false;
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors.index.json'].includes(name) || name.endsWith('.safetensors');
}

/** Files up to this size are fetched whole; larger weights are read by HTTP range, one tensor at a time. */
export const WHOLE_FILE_BYTES = 32 * 1024 * 1024;

export interface HubListing {
  /** The commit the revision resolved to (permalinks pin it). */
  sha: string;
  /** size in bytes (−1 when the hub did not say); sha256 of LFS files when the hub gives it. */
  files: { name: string; size: number; sha256?: string }[];
}

function headers(req: HubRequest): Record<string, string> {
  return req.token ? { Authorization: `Bearer ${req.token}` } : {};
}

function repoOk(repo: string): boolean {
  return /^[\w.-]+(\/[\w.-]+)?$/.test(repo) && !repo.includes('..');
}

/** GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true (the hub's file listing, with sizes). */
export async function listHubRepo(req: HubRequest, signal?: AbortSignal): Promise<HubListing> {
  if (!repoOk(req.repo)) fail(`"${req.repo}" is not a Hugging Face repo id (owner/name)`);
  const url = `${req.endpoint}/api/models/${req.repo}/revision/${encodeURIComponent(req.revision || 'main')}?blobs=true`;
  let res: Response;
  try {
    res = await fetch(url, { headers: headers(req), signal: signal ?? null });
  } catch (e) {
    return fail(`could not reach ${req.endpoint} for ${req.repo} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (res.status === 401 || res.status === 403) fail(`${req.repo} is gated or private: give an access token that can read it`);
  if (res.status === 404) fail(`${req.repo} at revision ${req.revision || 'main'} was not found on ${req.endpoint}`);
  if (!res.ok) fail(`listing ${req.repo} failed: HTTP ${res.status}`);
  const body: unknown = await res.json();
  if (typeof body !== 'object' || body === null) fail(`the hub's listing of ${req.repo} is not a JSON object`);
  const b = body as Record<string, unknown>;
  const siblings = Array.isArray(b['siblings']) ? (b['siblings'] as unknown[]) : [];
  const files = siblings.flatMap((s) => {
    if (typeof s !== 'object' || s === null) return [];
    const r = s as Record<string, unknown>;
    if (typeof r['rfilename'] !== 'string') return [];
    const lfs = r['lfs'];
    const sha = typeof lfs === 'object' && lfs !== null ? (lfs as Record<string, unknown>)['sha256'] : undefined;
    const entry: HubListing['files'][number] = { name: r['rfilename'], size: typeof r['size'] === 'number' ? r['size'] : -1 };
    if (typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha)) entry.sha256 = sha;
    return [entry];
  });
  return { sha: typeof b['sha'] === 'string' ? b['sha'] : req.revision, files };
}

export interface HubLoadOptions {
  signal?: AbortSignal;
  /** Downloaded files are kept here and read from here the next time. */
  cache?: FileCache;
  /** Without a cache: files up to this size are fetched whole, larger weights by range. */
  wholeFileBytes?: number;
  onProgress?: (p: LoadProgress) => void;
  /**
   * Read the files directly inside this folder of the repo (an SAE release's
   * `blocks.8.hook_resid_pre`, Gemma Scope's `layer_12/width_16k/average_l0_82`) instead of a
   * checkpoint at the top level; the FileSet names them without the folder.
   */
  subfolder?: string;
}

/** Files an SAE folder may hold (MODELS.md "SAE formats"). */
const SAE_FILES = ['cfg.json', 'sae_weights.safetensors', 'sparsity.safetensors', 'sae.safetensors', 'params.npz'];

/** A repo folder path: segments of letters, digits, `._-`, no `..`. */
function folderOk(folder: string): boolean {
  return /^[\w.=-]+(\/[\w.=-]+)*$/.test(folder) && !folder.split('/').includes('..');
}

/** The listing's files this load reads, with the name the FileSet gives each. */
function pickFiles(listing: HubListing, req: HubRequest, subfolder: string | undefined): { f: HubListing['files'][number]; name: string }[] {
  if (subfolder === undefined) {
    const wanted = listing.files.filter((f) => wantedFile(f.name));
    if (!wanted.some((f) => f.name === 'config.json')) fail(`${req.repo} has no config.json at its top level`);
    if (!wanted.some((f) => f.name.endsWith('.safetensors'))) fail(`${req.repo} has no .safetensors weights at its top level (PyTorch .bin files cannot be read in the browser)`);
    return wanted.map((f) => ({ f, name: f.name }));
  }
  const folder = subfolder.replace(/^\/+|\/+$/g, '');
  if (folder !== '' && !folderOk(folder)) fail(`"${subfolder}" is not a folder path of a repo (segments of letters, digits, . _ - =)`);
  const prefix = folder === '' ? '' : `${folder}/`;
  const inside = listing.files.filter((f) => f.name.startsWith(prefix) && !f.name.slice(prefix.length).includes('/'));
  const picked = inside.filter((f) => SAE_FILES.includes(f.name.slice(prefix.length)));
  if (picked.length === 0) {
    const all = [...new Set(listing.files.filter((f) => f.name.startsWith(prefix)).map((f) => f.name.slice(prefix.length).split('/')[0] as string))];
    const has = all.length === 0 ? '; no such folder' : `; it has ${all.slice(0, 8).join(', ')}${all.length > 8 ? ` and ${all.length - 8} more` : ''}`;
    fail(`${req.repo}${folder ? `/${folder}` : ' (top level)'} holds no SAE files (${SAE_FILES.join(', ')})${has}`);
  }
  return picked.map((f) => ({ f, name: f.name.slice(prefix.length) }));
}

/** Streams one file into the cache, checking its size (and LFS SHA-256 when known). */
async function download(url: string, f: HubListing['files'][number], key: string, req: HubRequest, o: HubLoadOptions, onBytes: (n: number) => void): Promise<Blob> {
  const cache = o.cache as FileCache;
  const res = await fetch(url, { headers: headers(req), signal: o.signal ?? null });
  if (!res.ok || !res.body) fail(`downloading ${f.name} from ${req.repo} failed: HTTP ${res.status}`);
  const hash = new Sha256();
  let got = 0;
  const reader = res.body.getReader();
  async function* chunks(): AsyncIterable<Uint8Array> {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      got += value.byteLength;
      hash.update(value);
      onBytes(value.byteLength);
      yield value;
    }
  }
  const blob = await cache.write(key, chunks());
  const problem = f.size >= 0 && got !== f.size
    ? `${f.name}: downloaded ${got} bytes but the hub lists ${f.size}`
    : f.sha256 && hash.hex() !== f.sha256 ? `${f.name}: the downloaded file's SHA-256 does not match the hub's` : undefined;
  if (problem) {
    await cache.remove(key);
    fail(`${problem}; it was not kept, try again`);
  }
  return blob;
}

/**
 * The checkpoint files of a hub revision as a FileSet. With a cache, each file is
 * downloaded once (streamed to disk, checked) and read from the cache afterwards;
 * without one, small files are fetched whole and weights read by HTTP range.
 */
export async function hubFileSet(req: HubRequest, o: HubLoadOptions = {}): Promise<{ files: FileSet; sha: string; fromCache: number }> {
  const listing = await listHubRepo(req, o.signal);
  const wanted = pickFiles(listing, req, o.subfolder);
  const sources = new Map<string, ByteSource>();
  const total = wanted.reduce((s, w) => s + Math.max(0, w.f.size), 0);
  let done = 0;
  let fromCache = 0;
  const onBytes = (n: number): void => {
    done += n;
    o.onProgress?.({ phase: 'download', bytesDone: done, bytesTotal: total, tensorsDone: 0, tensorsTotal: 0 });
  };
  for (const { f, name } of wanted) {
    const url = `${req.endpoint}/${req.repo}/resolve/${listing.sha}/${f.name.split('/').map(encodeURIComponent).join('/')}`;
    if (o.cache) {
      const key = hubKey(req.repo, listing.sha, f.name);
      let blob = await o.cache.get(key);
      if (blob && (f.size < 0 || blob.size === f.size)) {
        fromCache++;
        onBytes(blob.size);
      } else {
        blob = await download(url, f, key, req, o, onBytes);
      }
      sources.set(name, blobSource(blob, name));
      continue;
    }
    if (f.size >= 0 && f.size > (o.wholeFileBytes ?? WHOLE_FILE_BYTES) && f.name.endsWith('.safetensors')) {
      sources.set(name, urlSource(url, name, f.size, { headers: headers(req), signal: o.signal ?? null }));
      continue;
    }
    const res = await fetch(url, { headers: headers(req), signal: o.signal ?? null });
    if (!res.ok) fail(`downloading ${f.name} from ${req.repo} failed: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    onBytes(bytes.byteLength);
    sources.set(name, bufferSource(bytes, name));
  }
  const folder = o.subfolder?.replace(/^\/+|\/+$/g, '');
  const label = `${req.repo}${folder ? `/${folder}` : ''}@${listing.sha.slice(0, 12)}`;
  return { sha: listing.sha, fromCache, files: { label, names: () => [...sources.keys()], open: (n) => sources.get(n) } };
}
