/**
 * Warm engines for `strata batch`: one engine per (model folder, backend), loaded by the first
 * command that names it and kept for the next. Between commands everything a command added
 * is freed — its run caches, its artifacts (datasets, SAEs, probes, activation sets) and any
 * second model (cka --model-b) — so each command sees the same engine a cold process would,
 * minus the load. Only the load and backend start-up are saved; no result is reused.
 */
import { stat } from 'node:fs/promises';
import type { Engine } from '../engine/engine';

let pool: Map<string, { engine: Engine; model: string }> | undefined;

/** Turns the pool on (batch mode); one-shot commands never keep an engine. */
export function enableWarmEngines(): void {
  pool ??= new Map();
}

/** A key that changes when the folder's files change (mtime of the folder and its config). */
async function keyOf(model: string, backend: string): Promise<string> {
  const [d, c] = await Promise.all([stat(model).catch(() => undefined), stat(`${model}/config.json`).catch(() => undefined)]);
  return `${backend}\0${model}\0${d?.mtimeMs ?? 0}\0${c?.mtimeMs ?? 0}`;
}

/** The pooled engine for this model, or a new one from `make` (pooled when batch mode is on). */
export async function warmEngine(model: string, backend: string, make: () => Promise<Engine>): Promise<Engine> {
  if (!pool) return make();
  const key = await keyOf(model, backend);
  const hit = pool.get(key);
  if (hit) return hit.engine;
  for (const [k, v] of pool) if (k.startsWith(`${backend}\0${model}\0`)) { v.engine.unload(); pool.delete(k); } // the files changed
  const engine = await make();
  pool.set(key, { engine, model: engine.registry.modelIds()[0] ?? '' });
  return engine;
}

/** After a command: back to "one model loaded, nothing else" for every pooled engine. */
export function resetWarmEngines(): void {
  if (!pool) return;
  for (const { engine, model } of pool.values()) {
    engine.registry.dropRuns();
    for (const a of engine.registry.memory().artifacts) engine.dropArtifact(a.id);
    for (const id of engine.registry.modelIds()) if (id !== model) engine.unload(id);
  }
}

/** Pooled engines (for the batch summary). */
export function warmCount(): number {
  return pool?.size ?? 0;
}
