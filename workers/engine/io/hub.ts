import type { HubRequest } from '../../../src/contracts/engine-api';
import { fail } from '../errors';
import { bufferSource, urlSource, type ByteSource, type FileSet } from './source';

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
  files: { name: string; size: number }[];
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
    return typeof r['rfilename'] === 'string' ? [{ name: r['rfilename'], size: typeof r['size'] === 'number' ? r['size'] : -1 }] : [];
  });
  return { sha: typeof b['sha'] === 'string' ? b['sha'] : req.revision, files };
}

/** The checkpoint files of a hub revision as a FileSet (small ones downloaded, weights by range). */
export async function hubFileSet(req: HubRequest, signal?: AbortSignal, wholeFileBytes = WHOLE_FILE_BYTES): Promise<{ files: FileSet; sha: string }> {
  const listing = await listHubRepo(req, signal);
  const wanted = listing.files.filter((f) => wantedFile(f.name));
  if (!wanted.some((f) => f.name === 'config.json')) fail(`${req.repo} has no config.json at its top level`);
  if (!wanted.some((f) => f.name.endsWith('.safetensors'))) fail(`${req.repo} has no .safetensors weights at its top level (PyTorch .bin files cannot be read in the browser)`);
  const sources = new Map<string, ByteSource>();
  for (const f of wanted) {
    const url = `${req.endpoint}/${req.repo}/resolve/${listing.sha}/${f.name}`;
    if (f.size >= 0 && f.size > wholeFileBytes && f.name.endsWith('.safetensors')) {
      sources.set(f.name, urlSource(url, f.name, f.size, { headers: headers(req), signal: signal ?? null }));
      continue;
    }
    const res = await fetch(url, { headers: headers(req), signal: signal ?? null });
    if (!res.ok) fail(`downloading ${f.name} from ${req.repo} failed: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    sources.set(f.name, bufferSource(bytes, f.name));
  }
  return { sha: listing.sha, files: { label: `${req.repo}@${listing.sha.slice(0, 12)}`, names: () => [...sources.keys()], open: (n) => sources.get(n) } };
}
