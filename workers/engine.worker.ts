/**
 * The engine worker: one generic Comlink wrapper over the engine API and nothing else
 * (the engine lives in workers/engine/). Every method's result has its typed-array
 * buffers transferred, not copied; every proxied callback argument is released when the
 * call settles, whether it resolved or failed.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from '../src/contracts/engine-api';
import { browserPlatform } from './browser/platform';
import { createEngineApi } from './engine/api';

function buffers(v: unknown, out: Set<ArrayBuffer> = new Set()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  } else if (Array.isArray(v)) v.forEach((x) => buffers(x, out));
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => buffers(x, out));
  return out;
}

/** Comlink proxies arrive as callable proxies (typeof "function"). */
function release(args: unknown[]): void {
  for (const a of args) if (typeof a === 'function') (a as Comlink.Remote<() => void>)[Comlink.releaseProxy]();
}

const api = createEngineApi(browserPlatform);
const { engine: _engine, ...methods } = api;

const exposed = Object.fromEntries(Object.entries(methods).map(([name, f]) => [name, async (...args: unknown[]) => {
  try {
    const r: unknown = await (f as (...a: unknown[]) => unknown)(...args);
    // Comlink.transfer keys a WeakMap by its value, so plain values (void, numbers) pass as they are.
    return typeof r === 'object' && r !== null ? Comlink.transfer(r, [...buffers(r)]) : r;
  } finally {
    release(args);
  }
}])) as unknown as EngineApi;

Comlink.expose(exposed);
