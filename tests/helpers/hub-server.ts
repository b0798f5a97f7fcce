/**
 * A local stand-in for the Hugging Face hub that serves its URL layout from fixture
 * folders: GET /api/models/{owner}/{name}/revision/{rev}?blobs=true and
 * GET|HEAD /{owner}/{name}/resolve/{rev}/{file} with HTTP Range support and CORS.
 * Repo `{anything}/{fixture}` maps to tests/fixtures/models/{fixture}, and `saes/{fixture}` to
 * tests/fixtures/sae/{fixture} with its subfolders listed as the hub does (`rfilename`
 * `layer_2/width_64/params.npz`); owner `gated` requires `Authorization: Bearer hf_test_token`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export const HUB_SHA = '0123456789abcdef0123456789abcdef01234567';
export const HUB_TOKEN = 'hf_test_token';

export interface HubLog {
  method: string;
  url: string;
  range?: string;
  auth?: string;
}

export interface FakeHub {
  url: string;
  log: HubLog[];
  close(): Promise<void>;
}

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range, Authorization');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

const SAE_ROOT = 'tests/fixtures/sae';

/** Every file under `dir`, as paths relative to it ('a/b/c.json'). */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  });
}

function handle(root: string, log: HubLog[], req: IncomingMessage, res: ServerResponse): void {
  cors(res);
  const url = new URL(req.url ?? '/', 'http://x');
  const entry: HubLog = { method: req.method ?? 'GET', url: url.pathname };
  if (req.headers.range) entry.range = req.headers.range;
  if (req.headers.authorization) entry.auth = req.headers.authorization;
  log.push(entry);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  const api = /^\/api\/models\/([\w.-]+)\/([\w.-]+)\/revision\/([\w.-]+)$/.exec(url.pathname);
  const file = /^\/([\w.-]+)\/([\w.-]+)\/resolve\/([\w.-]+)\/([\w./-]+)$/.exec(decodeURIComponent(url.pathname));
  const m = api ?? file;
  if (!m) {
    res.writeHead(404).end('not found');
    return;
  }
  const [, owner, name] = m as unknown as [string, string, string];
  if (owner === 'gated' && req.headers.authorization !== `Bearer ${HUB_TOKEN}`) {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"gated"}');
    return;
  }
  const dir = join(owner === 'saes' ? SAE_ROOT : root, name);
  let files: string[];
  try {
    files = listFiles(dir);
  } catch {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"Repository not found"}');
    return;
  }
  if (api) {
    // LFS files carry their SHA-256 (owner `badhash` lists a wrong one, to test integrity checks).
    const siblings = files.map((f) => {
      const size = statSync(join(dir, f)).size;
      if (!f.endsWith('.safetensors')) return { rfilename: f, size };
      const sha256 = owner === 'badhash' ? '0'.repeat(64) : createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
      return { rfilename: f, size, lfs: { sha256, size, pointerSize: 134 } };
    });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: `${owner}/${name}`, sha: HUB_SHA, siblings }));
    return;
  }
  const fname = (file as RegExpExecArray)[4] as string;
  if (!files.includes(fname)) {
    res.writeHead(404).end('Entry not found');
    return;
  }
  const bytes = readFileSync(join(dir, fname));
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (range) {
    const a = Number(range[1]);
    const b = Math.min(Number(range[2]), bytes.length - 1);
    res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${bytes.length}`, 'Content-Length': b - a + 1, 'Accept-Ranges': 'bytes' });
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(a, b + 1));
    return;
  }
  res.writeHead(200, { 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export async function startFakeHub(root = 'tests/fixtures/models'): Promise<FakeHub> {
  const log: HubLog[] = [];
  const server: Server = createServer((req, res) => handle(root, log, req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise((r) => server.close(() => r())) };
}
