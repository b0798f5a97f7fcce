/**
 * The engine one host drives (a Web Worker, or Node for the CLI and tests): a registry
 * of models, run caches and artifacts (registry.ts), and `analyze(kind, request)` over
 * the registered analyses (analyses/index.ts). Every method takes and returns plain data.
 */
import type { AnalysisKind, AnalyzeRequest, OptionsOf, ProgressOf, ResultOf } from '../../src/contracts/analyses';
import type { ColumnMapping, DatasetInfo } from '../../src/contracts/dataset';
import type { ArtifactInfo, MemoryReport, RunSummary, TokenizerInfo } from '../../src/contracts/engine-api';
import type { ModelInfo } from '../../src/contracts/model';
import type { Float32Tensor, RunResult, RunSpec } from '../../src/contracts/run';
import type { RunRef } from '../../src/contracts/run-ref';
import type { TunedLensInfo } from '../../src/contracts/tuned-lens';
import type { ProbeInfo, QuantizeOptions } from '../../src/contracts/probe';
import { exportActivationSet } from './artifacts/activation-set';
import { exportSaeLens, type ExportedFile } from './artifacts/sae-export';
import { exportProbe, importProbe, probeInfo } from './artifacts/probe';
import type { AnalysisContext } from './analyses/analysis';
import { chainNotation } from './analyses/chain';
import { ANALYSES } from './analyses/index';
import { residualNorms } from './analyses/trace';
import { loadTunedLens, saveTunedLens } from './analyses/tuned-lens';
import { openDataset, type OpenOptions } from './datasets';
import { fail } from './errors';
import { FiniteWatch } from './forward/finite';
import { readLastLogits } from './forward/forward';
import { openCheckpoint } from './io/checkpoint';
import { fingerprint, fingerprintMismatch, type Fingerprint } from './io/fingerprint';
import { bufferSource, type FileSet } from './io/source';
import { loadModel } from './load-model';
import type { LoadOptions } from './models/common/load-context';
import { groupFor, layerOptions, quantizedCopy } from './quantize';
import { linearDims } from './models/common/ops';
import { Registry, type ModelEntry } from './registry';
import type { RunCache } from './run-cache';
import { TextTokenizer, type TokenView } from './tokenizer/tokenizer';
import * as tf from '@tensorflow/tfjs-core';

export interface AnalyzeHost<K extends AnalysisKind> {
  signal?: AbortSignal;
  onProgress?: (p: ProgressOf<K>) => void;
}

/** Run-spec quantised copies kept at once (each holds new f32 weights for its quantised blocks). */
const QUANT_COPIES = 2;

export class Engine {
  readonly registry = new Registry();
  /** Fingerprint of the last checkpoint opened (see io/fingerprint.ts). */
  lastFingerprint: Fingerprint | undefined;
  private nextDataset = 1;
  /** Run specs' quantised copies (spec.quantize), by base model and settings; insertion order = recency. */
  private readonly quantCopies = new Map<string, { id: string; base: string }>();

  /** Loads a checkpoint as a new model; with `expect`, refuses files whose fingerprint differs (a local-file permalink). */
  async load(files: FileSet, opts: LoadOptions & { expect?: Fingerprint; label?: string } = {}): Promise<ModelEntry> {
    const ckpt = await openCheckpoint(files);
    const config = files.open('config.json');
    this.lastFingerprint = config ? await fingerprint(ckpt, config) : undefined;
    if (opts.expect && this.lastFingerprint) {
      const why = fingerprintMismatch(this.lastFingerprint, opts.expect);
      if (why) fail(`these files do not match the link: ${why}`);
    }
    const tokenizer = await TextTokenizer.fromCheckpoint(ckpt);
    const next = await loadModel(ckpt, opts);
    const cfgBos = (ckpt.config as Record<string, unknown>)['bos_token_id'];
    const bosId = Number.isInteger(cfgBos) ? (cfgBos as number) : tokenizer?.bos;
    return this.registry.addModel({
      label: opts.label ?? files.label, model: next.model, info: next.info, dispose: next.dispose,
      ...(tokenizer ? { tokenizer } : {}), ...(bosId !== undefined ? { bosId } : {}),
    });
  }

  /** Unloads one model (its runs and artifacts go with it), or every model. */
  unload(id?: string): void {
    if (id === undefined) {
      this.registry.clear();
      this.quantCopies.clear();
      return;
    }
    // A model's run-spec quantised copies go with it.
    for (const [k, c] of this.quantCopies) {
      if (c.base !== id && c.id !== id) continue;
      if (c.id !== id) this.registry.dropModel(c.id);
      this.quantCopies.delete(k);
    }
    this.registry.dropModel(id);
  }

  /**
   * The ref a spec runs as: itself, or (spec.quantize) the same spec on a fake-quantised copy of
   * its model (quantize.ts), made once per model and settings. At most QUANT_COPIES are kept
   * (least recently used dropped); a copy whose new weights exceed the run budget is refused.
   */
  private async specModel<R extends RunRef>(ref: R): Promise<R> {
    if (ref.quantize === undefined) return ref;
    const { quantize, ...rest } = ref;
    const base = this.registry.model(ref.model);
    const opts = layerOptions(quantize, base.model.arch.layers);
    const key = `${base.id}|${JSON.stringify(opts)}`;
    const have = this.quantCopies.get(key);
    if (have && this.registry.hasModel(have.id)) {
      this.quantCopies.delete(key);
      this.quantCopies.set(key, have);
      return { ...rest, model: have.id } as R;
    }
    const blocks = base.model.weights.blocks;
    const params = Object.keys(opts.bits).reduce((a, l) => a + ['q', 'k', 'v', 'o', 'gate', 'up', 'down'].reduce((b, n) => {
      const lin = blocks[Number(l)]?.[n as 'q'];
      return b + (lin ? linearDims(lin)[0] * linearDims(lin)[1] : 0);
    }, 0), 0);
    const bytes = 4 * params;
    if (bytes > this.registry.runBudget) fail(`run spec quantize: the copy needs ${(bytes / 2 ** 20).toFixed(1)} MiB of new weights, more than the ${(this.registry.runBudget / 2 ** 20).toFixed(0)} MiB run budget: quantise fewer layers`);
    while (this.quantCopies.size >= QUANT_COPIES) {
      const [k, old] = this.quantCopies.entries().next().value as [string, { id: string }];
      this.registry.dropModel(old.id);
      this.quantCopies.delete(k);
    }
    const q = await quantizedCopy(base.model, opts);
    const layers = Object.entries(opts.bits).map(([l, b]) => `${l}:${b}`).join(' ');
    const entry = this.registry.addModel({
      label: `${base.label} · RTN ${layers}`, model: q.model, info: { ...base.info }, dispose: q.dispose,
      ...(base.tokenizer ? { tokenizer: base.tokenizer } : {}), ...(base.bosId !== undefined ? { bosId: base.bosId } : {}),
    }, false);
    this.quantCopies.set(key, { id: entry.id, base: base.id });
    return { ...rest, model: entry.id } as R;
  }

  /** The model loaded last (the CLI's one model). */
  get info(): ModelInfo | undefined {
    return this.registry.modelIds().length ? this.registry.model().info : undefined;
  }

  model(id?: string): ModelEntry {
    return this.registry.model(id);
  }

  /**
   * Gives a model loaded without tokenizer.json its tokenizer (bytes of tokenizer.json, and
   * tokenizer_config.json for BOS). Refused when the tokenizer can produce ids the model's
   * embedding has no row for, or when the model already has a tokenizer.
   */
  async addTokenizer(tokenizerJson: Uint8Array, tokenizerConfig?: Uint8Array, model?: string): Promise<TokenizerInfo> {
    const m = this.registry.model(model);
    if (m.tokenizer) fail(`this model already has a tokenizer (${m.tokenizer.info.kind}, ${m.tokenizer.info.vocab} ids): load the model again to use another`);
    const tok = await TextTokenizer.fromBytes(tokenizerJson, tokenizerConfig);
    const v = tok.info.vocab;
    if (v > m.info.vocab) fail(`this tokenizer.json has ${v} ids but the model's vocabulary has ${m.info.vocab}: it belongs to another model`);
    m.tokenizer = tok;
    // config.json's bos_token_id (read at load) wins; otherwise the tokenizer's, as at load.
    if (m.bosId === undefined && tok.bos !== undefined) m.bosId = tok.bos;
    return tok.info;
  }

  /** Text → ids (BOS per tokenizer_config.json); refuses when the checkpoint has no tokenizer.json. */
  encode(text: string, model?: string): number[] {
    const m = this.registry.model(model);
    if (text.length === 0) fail('the prompt is empty: type some text');
    if (!m.tokenizer) fail('this model has no tokenizer.json, so text prompts cannot be used: give token ids instead');
    return m.tokenizer.encode(text);
  }

  /** Display pieces; `<id>` when there is no tokenizer. */
  tokens(ids: number[], model?: string): TokenView[] {
    const t = this.registry.model(model).tokenizer;
    return t ? t.view(ids) : ids.map((id) => ({ id, text: `<${id}>` }));
  }

  private cache(ref: RunRef, capture: string[] = []): RunCache {
    if (ref.quantize) fail('run spec quantize reached a run cache unresolved: pass it in the request\'s run');
    return this.registry.run(ref.model, ref.tokens, ref.path, ref.interventions ?? [], capture);
  }

  /** Runs the spec (or finds its cache) and summarises it: next-token top-k, residual norms. */
  async run(spec: RunRef, topk = 10): Promise<RunSummary> {
    const ref = await this.specModel(spec);
    const m = this.registry.model(ref.model);
    const r = this.cache(ref);
    r.pins++;
    try {
      await r.assertFinite();
      const [T, V] = r.logits.shape;
      const top = tf.tidy(() => tf.topk(tf.softmax(tf.slice(r.logits, [T - 1, 0], [1, V])), Math.min(topk, V)));
      const [probs, ids] = await Promise.all([top.values.data(), top.indices.data()]);
      tf.dispose([top.values, top.indices]);
      const pieces = this.tokens(Array.from(ids), m.id);
      return {
        runId: r.id, model: m.id, path: r.path, notation: chainNotation(r.path, m.model.arch.layers), tokens: this.tokens(ref.tokens, m.id),
        next: Array.from(ids, (id, i) => ({ id, text: pieces[i]?.text ?? String(id), prob: probs[i] as number })),
        logitsLast: await readLastLogits(r.logits), residNorms: await residualNorms(r),
      };
    } finally {
      r.pins--;
    }
  }

  /** A forward with captures read back (nnsight-style: only what is asked for comes back). */
  async capture(given: RunSpec & { model?: string }): Promise<RunResult> {
    const spec = await this.specModel(given);
    const r = this.cache(spec, spec.capture ?? []);
    r.pins++;
    try {
      await r.assertFinite();
      const captures: Record<string, Float32Tensor> = {};
      for (const p of spec.capture ?? []) {
        for (const name of p.includes('*') ? r.hookNames(p) : [p]) {
          const t = r.hook(name);
          captures[name] = { shape: [...t.shape], data: Float32Array.from(await t.data()) };
        }
      }
      return { path: r.path, logitsLast: await readLastLogits(r.logits), captures };
    } finally {
      r.pins--;
    }
  }

  /** One registered analysis; runs it hands out are pinned (never evicted) until it settles. */
  async analyze<K extends AnalysisKind>(kind: K, req: AnalyzeRequest<K>, host: AnalyzeHost<K> = {}): Promise<ResultOf<K>> {
    const analysis = ANALYSES[kind];
    if (!analysis) fail(`unknown analysis "${String(kind)}" (analyses: ${Object.keys(ANALYSES).join(', ')})`);
    // spec.quantize: the analysis runs on the quantised copy of the run's model.
    if (req.run?.quantize) req = { ...req, run: await this.specModel({ ...req.run, model: this.registry.model(req.run.model ?? req.model).id }) };
    const model = this.registry.model(req.run?.model ?? req.model);
    const ref = req.run ? { ...req.run, model: model.id } : undefined;
    const held: RunCache[] = [];
    const hold = (r: RunCache): RunCache => {
      r.pins++;
      held.push(r);
      return r;
    };
    // The analysis gets a copy of the model whose forwards record their finiteness (forward/finite.ts).
    const watch = new FiniteWatch();
    const ctx: AnalysisContext<K> = {
      registry: this.registry,
      model: { ...model, model: { ...model.model, watch } },
      ref,
      runRef: () => ref ?? fail(`the ${kind} analysis needs a run (tokens, path, interventions)`),
      run: (capture = []) => hold(this.cache(ref ?? fail(`the ${kind} analysis needs a run (tokens, path, interventions)`), capture)),
      runOf: (r, capture = []) => hold(this.cache({ ...r, model: model.id }, capture)),
      signal: host.signal ?? new AbortController().signal,
      progress: (p) => host.onProgress?.(p),
      pieces: (ids) => this.tokens(ids, model.id).map((v) => v.text),
    };
    const opts = { ...analysis.defaults, ...(req.options ?? {}) } as OptionsOf<K>;
    try {
      const result = await analysis.run(ctx, opts);
      // NaN/±Inf in any forward it ran or read: the error, never the numbers.
      await watch.settle();
      for (const r of held) await r.assertFinite();
      return result;
    } finally {
      watch.dispose();
      for (const r of held) r.pins--;
    }
  }

  /** Parses a dataset into a dataset artifact. */
  datasetLoad(bytes: Uint8Array, name: string, opts: Omit<OpenOptions, 'id'> & { mapping?: ColumnMapping } = {}): DatasetInfo {
    const id = `d${this.nextDataset++}`;
    const ds = openDataset(bytes, name, { ...opts, id });
    const a = this.registry.addArtifact({ kind: 'dataset', label: name, dataset: ds });
    ds.info.id = a.id;
    return ds.info;
  }

  /** A tuned lens from safetensors bytes for a model (keys `{i}.weight`, `{i}.bias`). */
  async importTunedLens(bytes: Uint8Array, name: string, model?: string): Promise<ArtifactInfo & { lens: TunedLensInfo }> {
    const m = this.registry.model(model);
    const { lens, info } = await loadTunedLens(bufferSource(bytes, name), m.model);
    const a = this.registry.addArtifact({ kind: 'tuned-lens', model: m.id, label: name, lens, info });
    return { ...this.registry.artifactInfo(a), lens: info };
  }

  /** A probe from safetensors bytes (`weight`, `bias`, metadata with its hook), for a model. */
  async importProbe(bytes: Uint8Array, name: string, model?: string): Promise<ArtifactInfo & { probe: ProbeInfo }> {
    const m = this.registry.model(model);
    const probe = await importProbe(bytes, name);
    const a = this.registry.addArtifact({ kind: 'probe', model: m.id, label: name, probe });
    return { ...this.registry.artifactInfo(a), probe: probeInfo(a.id, probe) };
  }

  /** A fake-quantised copy of a model as a new model in the registry (quantize.ts); the original stays loaded. */
  async quantize(o: QuantizeOptions, model?: string, signal?: AbortSignal): Promise<ModelEntry> {
    const m = this.registry.model(model);
    const tick = async (): Promise<void> => {
      await new Promise<void>((r) => setTimeout(r, 0));
      if (signal?.aborted) fail('the quantisation was cancelled');
    };
    const q = await quantizedCopy(m.model, o, tick);
    const sym = o.symmetric ?? o.bits >= 8;
    // The group of a d_model-wide row names the copy (the MLP's down projection may use another).
    const g = groupFor(m.model.arch.dModel, o);
    const label = `${m.label} · ${o.bits}-bit RTN ${sym ? 'sym' : 'asym'} ${g === m.model.arch.dModel ? 'per row' : `g${g}`}`;
    return this.registry.addModel({
      label, model: q.model, info: { ...m.info }, dispose: q.dispose,
      ...(m.tokenizer ? { tokenizer: m.tokenizer } : {}), ...(m.bosId !== undefined ? { bosId: m.bosId } : {}),
    });
  }

  /** An artifact as a file (safetensors for lenses, activation sets and probes). */
  exportArtifact(id: string): Promise<Uint8Array> {
    const a = this.registry.anyArtifact(id);
    if (a.kind === 'probe') return Promise.resolve(exportProbe(a.probe));
    if (a.kind === 'tuned-lens') return saveTunedLens(a.lens);
    if (a.kind === 'activations') return Promise.resolve(exportActivationSet(a.set));
    if (a.kind === 'sae') return fail(`artifact ${id} is an SAE: it is exported as a SAELens folder of two files (exportArtifactFiles)`);
    return fail(`artifact ${id} is a dataset: it is exported as the file it was read from`);
  }

  /** An artifact as named files: an SAE as a SAELens folder (cfg.json, sae_weights.safetensors), any other kind as its one file. */
  async exportArtifactFiles(id: string): Promise<ExportedFile[]> {
    const a = this.registry.anyArtifact(id);
    if (a.kind === 'sae') return exportSaeLens(a.sae, { model_name: this.registry.model(a.model).label });
    return [{ name: `${a.label}.safetensors`, bytes: await this.exportArtifact(id) }];
  }

  dropArtifact(id: string): void {
    this.registry.dropArtifact(id);
  }

  memory(): MemoryReport {
    return this.registry.memory();
  }
}
