/**
 * What the engine holds, by id: models (several at once, so comparisons across models
 * happen here and activations never travel through the page), run caches (evicted
 * least-recently-used past a byte budget) and artifacts (tuned lenses, datasets,
 * activation sets). Dropping a model drops its runs and its artifacts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ArtifactInfo, MemoryReport } from '../../src/contracts/engine-api';
import type { ModelInfo } from '../../src/contracts/model';
import type { Intervention } from '../../src/contracts/run';
import type { ActivationSet } from './artifacts/activation-set';
import type { Probe } from './artifacts/probe';
import type { Dataset } from './datasets';
import { disposeSae, saeBytes, type Sae } from './artifacts/sae';
import type { SaeStats } from './artifacts/sae-stats';
import { saeSplicer } from './artifacts/sae-splice';
import { fail } from './errors';
import { disposeTunedLens, type TunedLens, type TunedLensInfo } from './analyses/tuned-lens';
import type { LoadedModel } from './models/common/types';
import { RunCache, runKey } from './run-cache';
import type { TextTokenizer } from './tokenizer/tokenizer';

export interface ModelEntry {
  id: string;
  /** "demo", "hub:owner/name@sha", "files: …". */
  label: string;
  model: LoadedModel;
  info: ModelInfo;
  tokenizer?: TextTokenizer;
  /** The BOS token id (config.json bos_token_id, else the tokenizer's), if any. */
  bosId?: number;
  dispose: () => void;
}

export type Artifact =
  | { id: string; kind: 'tuned-lens'; model: string; label: string; lens: TunedLens; info: TunedLensInfo }
  | { id: string; kind: 'sae'; model: string; label: string; sae: Sae }
  | { id: string; kind: 'dataset'; label: string; dataset: Dataset }
  | { id: string; kind: 'activations'; model: string; label: string; set: ActivationSet }
  | { id: string; kind: 'probe'; model: string; label: string; probe: Probe }
  | { id: string; kind: 'sae-stats'; model: string; label: string; stats: SaeStats };

type KindOf<K extends Artifact['kind']> = Extract<Artifact, { kind: K }>;

/** Host bytes a dataset's rows take, roughly (UTF-16 text, ids as doubles). */
function datasetBytes(d: Dataset): number {
  return d.rows.reduce((s, r) => s + 2 * ((r.text?.length ?? 0) + (r.label?.length ?? 0)) + 8 * (r.ids?.length ?? 0), 0);
}

/** Default device budget for run caches, bytes (the model's own weights are not counted). */
export const DEFAULT_RUN_BUDGET = 512 * 2 ** 20;

export class Registry {
  private readonly models = new Map<string, ModelEntry>();
  /** Insertion order is recency: a used run is moved to the end. */
  private readonly runs = new Map<string, RunCache>();
  private readonly artifacts = new Map<string, Artifact>();
  private nextModel = 1;
  private nextArtifact = 1;
  /** The model loaded last: what a request without a model id means. */
  private latest: string | undefined;

  constructor(public runBudget = DEFAULT_RUN_BUDGET) {}

  /** `asLatest: false` for a model the engine derives (a run spec's quantised copy): requests without an id keep meaning the model loaded last. */
  addModel(entry: Omit<ModelEntry, 'id'>, asLatest = true): ModelEntry {
    const id = `m${this.nextModel++}`;
    const e = { ...entry, id };
    this.models.set(id, e);
    if (asLatest) this.latest = id;
    return e;
  }

  model(id?: string): ModelEntry {
    const key = id ?? this.latest;
    const m = key === undefined ? undefined : this.models.get(key);
    if (!m) fail(key === undefined || id === undefined ? 'no model is loaded' : `model ${id} is not loaded (it was unloaded or replaced); load it again`);
    return m;
  }

  hasModel(id: string): boolean {
    return this.models.has(id);
  }

  modelIds(): string[] {
    return [...this.models.keys()];
  }

  dropModel(id: string): void {
    const m = this.models.get(id);
    if (!m) return;
    for (const [k, r] of this.runs) {
      if (r.modelId === id) {
        r.dispose();
        this.runs.delete(k);
      }
    }
    for (const a of [...this.artifacts.values()]) if (a.kind !== 'dataset' && a.model === id) this.dropArtifact(a.id);
    m.dispose();
    this.models.delete(id);
    if (this.latest === id) this.latest = [...this.models.keys()].pop();
  }

  /**
   * The cache of this run spec with at least `capture` held: found (no forward) or made
   * (one forward). Older runs are then evicted while the total exceeds the budget; the
   * run just asked for is never evicted.
   */
  run(modelId: string | undefined, tokens: number[], path: number[] | undefined, interventions: Intervention[] = [], capture: string[] = []): RunCache {
    const m = this.model(modelId);
    const p = path ?? Array.from({ length: m.model.arch.layers }, (_, i) => i);
    const key = runKey(m.id, tokens, p, interventions);
    let r = this.runs.get(key);
    if (r) {
      this.runs.delete(key);
      r.ensure(capture);
    } else {
      r = new RunCache(m.id, m.model, tokens, p, interventions, key, capture, saeSplicer(this, m.id));
    }
    this.runs.set(key, r);
    this.evict(r);
    return r;
  }

  /** Frees least-recently-used runs until the total is within the budget (never `keep`). */
  private evict(keep: RunCache): void {
    let total = [...this.runs.values()].reduce((s, r) => s + r.bytes, 0);
    for (const [k, r] of this.runs) {
      if (total <= this.runBudget) break;
      if (r === keep || r.pins > 0) continue;
      total -= r.bytes;
      r.dispose();
      this.runs.delete(k);
    }
  }

  /** Frees every run cache (e.g. before a long job that needs the device memory). */
  dropRuns(): void {
    for (const r of this.runs.values()) r.dispose();
    this.runs.clear();
  }

  addArtifact<K extends Artifact['kind']>(a: Omit<KindOf<K>, 'id'> & { kind: K }): KindOf<K> {
    const id = `a${this.nextArtifact++}`;
    const full = { ...a, id } as unknown as KindOf<K>;
    this.artifacts.set(id, full);
    return full;
  }

  artifact<K extends Artifact['kind']>(kind: K, id: string): KindOf<K> {
    const a = this.artifacts.get(id);
    if (!a) fail(`artifact ${id} does not exist (it was dropped, or its model was unloaded)`);
    if (a.kind !== kind) fail(`artifact ${id} is a ${a.kind}, not a ${kind}`);
    return a as KindOf<K>;
  }

  anyArtifact(id: string): Artifact {
    const a = this.artifacts.get(id);
    if (!a) fail(`artifact ${id} does not exist (it was dropped, or its model was unloaded)`);
    return a;
  }

  /** The newest artifact of a kind for a model, if any. */
  latestArtifact<K extends 'tuned-lens' | 'activations'>(kind: K, model: string): KindOf<K> | undefined {
    const all = [...this.artifacts.values()].filter((a): a is KindOf<K> => a.kind === kind && a.model === model);
    return all.pop();
  }

  dropArtifact(id: string): void {
    const a = this.artifacts.get(id);
    if (!a) return;
    if (a.kind === 'tuned-lens') disposeTunedLens(a.lens);
    if (a.kind === 'sae') disposeSae(a.sae);
    this.artifacts.delete(id);
  }

  artifactInfo(a: Artifact): ArtifactInfo {
    const bytes = a.kind === 'tuned-lens' ? [...a.lens.weights, ...a.lens.biases].reduce((s, t) => s + t.size * 4, 0)
      : a.kind === 'sae' ? saeBytes(a.sae) : a.kind === 'sae-stats' ? a.stats.bytes
      : a.kind === 'dataset' ? datasetBytes(a.dataset) : a.kind === 'probe' ? (a.probe.weight.length + a.probe.bias.length) * 4 : a.set.bytes;
    return { id: a.id, kind: a.kind, label: a.label, bytes, ...(a.kind !== 'dataset' ? { model: a.model } : {}) };
  }

  memory(): MemoryReport {
    const mem = tf.memory();
    return {
      models: [...this.models.values()].map((m) => ({ id: m.id, label: m.label, bytes: m.info.deviceBytes })),
      runs: [...this.runs.values()].map((r) => ({ id: r.id, model: r.modelId, tokens: r.tokens.length, steps: r.path.length, hooks: r.hookCount, bytes: r.bytes })),
      artifacts: [...this.artifacts.values()].map((a) => this.artifactInfo(a)),
      runBudget: this.runBudget,
      deviceBytes: mem.numBytes,
      deviceTensors: mem.numTensors,
    };
  }

  /** Everything freed (the engine is being unloaded). */
  clear(): void {
    for (const id of [...this.models.keys()]) this.dropModel(id);
    for (const id of [...this.artifacts.keys()]) this.dropArtifact(id);
    this.dropRuns();
  }
}
