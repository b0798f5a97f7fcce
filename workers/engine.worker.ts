/** The engine worker: Comlink.expose and nothing else (the engine lives in workers/engine/). */
import * as Comlink from 'comlink';
import type { EngineApi, ProgressFn } from '../src/contracts/engine-api';
import { browserPlatform } from './browser/platform';
import { createEngineApi } from './engine/api';

/** Typed arrays in a result are transferred, not copied. */
function buffers(v: unknown, out: Set<ArrayBuffer> = new Set()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  } else if (Array.isArray(v)) v.forEach((x) => buffers(x, out));
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => buffers(x, out));
  return out;
}

const api = createEngineApi(browserPlatform);

/** Progress callbacks arrive as Comlink proxies; release each when its work settles. */
async function withCallback<T>(cb: object, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } finally {
    (cb as unknown as Comlink.Remote<ProgressFn>)[Comlink.releaseProxy]();
  }
}

const exposed: EngineApi = {
  init: (p) => api.init(p),
  loadFiles: (j, f, cb, fp) => withCallback(cb, () => api.loadFiles(j, f, cb, fp)),
  loadUrl: (j, b, l, cb) => withCallback(cb, () => api.loadUrl(j, b, l, cb)),
  loadHub: (j, r, cb) => withCallback(cb, () => api.loadHub(j, r, cb)),
  cancel: (j) => api.cancel(j),
  hubList: (r) => api.hubList(r),
  cacheList: () => api.cacheList(),
  cacheEvict: (p) => api.cacheEvict(p),
  encode: (t) => api.encode(t),
  tokens: (ids) => api.tokens(ids),
  analyze: async (s) => { const r = await api.analyze(s); return Comlink.transfer(r, [...buffers(r)]); },
  lens: async (j, id, o) => { const r = await api.lens(j, id, o); return Comlink.transfer(r, [...buffers(r)]); },
  attention: async (id) => { const r = await api.attention(id); return Comlink.transfer(r, [...buffers(r)]); },
  residual: async (s, a) => { const r = await api.residual(s, a); return Comlink.transfer(r, [...buffers(r)]); },
  skipSweep: (j, p, m, cb) => withCallback(cb, async () => { const r = await api.skipSweep(j, p, m, cb); return Comlink.transfer(r, [...buffers(r)]); }),
  pathEffect: (s, t) => api.pathEffect(s, t),
  depthProfile: async (s) => { const r = await api.depthProfile(s); return Comlink.transfer(r, [...buffers(r)]); },
  tunedLoad: (b, n) => api.tunedLoad(b, n),
  tunedTrain: (j, t, o, cb) => withCallback(cb, async () => { const r = await api.tunedTrain(j, t, o, cb); return Comlink.transfer(r, [...buffers(r)]); }),
  tunedCompare: (j, t) => api.tunedCompare(j, t),
  tunedExport: async () => { const r = await api.tunedExport(); return Comlink.transfer(r, [r.buffer as ArrayBuffer]); },
  tunedLens: async (j, s, o) => { const r = await api.tunedLens(j, s, o); return Comlink.transfer(r, [...buffers(r)]); },
  chainSearch: (j, ex, o, cb) => withCallback(cb, () => api.chainSearch(j, ex, o, cb)),
};
Comlink.expose(exposed);
