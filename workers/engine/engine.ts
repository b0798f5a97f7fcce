import type { ModelInfo } from '../../src/contracts/model';
import type { AnalyzeResult, AnalyzeSpec } from '../../src/contracts/engine-api';
import type { Float32Tensor, Intervention, LensOptions, RunResult, RunSpec } from '../../src/contracts/run';
import type { PathEffect } from '../../src/contracts/depth';
import { chainNotation } from './analyses/chain';
import { pathEffect } from './analyses/path-effect';
import { chainSearch, type ChainExample, type ChainSearchOptions, type ChainSearchResult } from './analyses/chain-search';
import { residualAnalysis, type ResidualOptions, type ResidualResult } from './analyses/residual';
import { skipSweep, type SkipSweepOptions, type SkipSweepResult } from './analyses/skip-sweep';
import { lensLabels, trace, type TraceOptions, type TraceResult } from './analyses/trace';
import { disposeTunedLens, loadTunedLens, saveTunedLens, tunedLensRows, type TunedLens, type TunedLensInfo, type TunedLensResult } from './analyses/tuned-lens';
import { lensKlPerLayer, trainTunedLens, type TrainOptions } from './analyses/tuned-lens-train';
import { fail } from './errors';
import { defaultPath, disposeForward, forward, readLastLogits } from './forward/forward';
import { openCheckpoint } from './io/checkpoint';
import { fingerprint, fingerprintMismatch, type Fingerprint } from './io/fingerprint';
import { bufferSource, type FileSet } from './io/source';
import { loadModel } from './load-model';
import type { LoadOptions } from './models/common/load-context';
import type { LoadedModel } from './models/common/types';
import { RunSession } from './session';
import { TextTokenizer, type TokenView } from './tokenizer/tokenizer';

/**
 * The engine one host (a Web Worker, or Node for the CLI and tests) drives: at most
 * one model loaded; every method takes and returns plain data.
 */
export class Engine {
  private session?: RunSession;
  /** Fingerprint of the last checkpoint opened (see io/fingerprint.ts). */
  lastFingerprint: Fingerprint | undefined;
  private loaded?: { model: LoadedModel; info: ModelInfo; dispose: () => void; tokenizer?: TextTokenizer };
  /** The tuned lens for the loaded model (dropped with it). */
  private tuned?: { lens: TunedLens; info: TunedLensInfo };

  /** Loads a checkpoint; with `expect`, refuses files whose fingerprint differs (a local-file permalink). */
  async load(files: FileSet, opts: LoadOptions & { expect?: Fingerprint } = {}): Promise<ModelInfo> {
    const ckpt = await openCheckpoint(files);
    const config = files.open('config.json');
    this.lastFingerprint = config ? await fingerprint(ckpt, config) : undefined;
    if (opts.expect && this.lastFingerprint) {
      const why = fingerprintMismatch(this.lastFingerprint, opts.expect);
      if (why) fail(`these files do not match the link: ${why}`);
    }
    const tokenizer = await TextTokenizer.fromCheckpoint(ckpt);
    const next = await loadModel(ckpt, opts);
    this.unload();
    this.loaded = tokenizer ? { ...next, tokenizer } : next;
    return next.info;
  }

  unload(): void {
    this.unloadTunedLens();
    this.session?.dispose();
    this.session = undefined;
    this.loaded?.dispose();
    this.loaded = undefined;
  }

  get info(): ModelInfo | undefined {
    return this.loaded?.info;
  }

  get hasTokenizer(): boolean {
    return this.loaded?.tokenizer !== undefined;
  }

  private need(): NonNullable<Engine['loaded']> {
    if (!this.loaded) fail('no model is loaded');
    return this.loaded;
  }

  /** Text → ids (BOS per tokenizer_config.json); refuses when the checkpoint has no tokenizer.json. */
  encode(text: string): number[] {
    const m = this.need();
    if (text.length === 0) fail('the prompt is empty: type some text');
    if (!m.tokenizer) fail(`this model has no tokenizer.json, so text prompts cannot be used: give token ids instead`);
    return m.tokenizer.encode(text);
  }

  /** Display pieces; `<id>` when there is no tokenizer. */
  tokens(ids: number[]): TokenView[] {
    const t = this.need().tokenizer;
    return t ? t.view(ids) : ids.map((id) => ({ id, text: `<${id}>` }));
  }

  /** A forward run: only the requested captures come back, as typed arrays with shapes. */
  async run(spec: RunSpec): Promise<RunResult> {
    const { model } = this.need();
    const path = spec.path ?? defaultPath(model.arch.layers);
    const out = forward(model, spec.tokens, { path, interventions: spec.interventions ?? [], capture: spec.capture ?? [] });
    try {
      const logitsLast = await readLastLogits(out.logits);
      const captures: Record<string, Float32Tensor> = {};
      for (const [name, t] of out.captures) captures[name] = { shape: [...t.shape], data: Float32Array.from(await t.data()) };
      return { path, logitsLast, captures };
    } finally {
      disposeForward(out);
    }
  }

  /** Runs the prompt and keeps it as the current session (the previous one is disposed). */
  async analyze(spec: AnalyzeSpec): Promise<AnalyzeResult> {
    const { model } = this.need();
    const path = spec.path ?? defaultPath(model.arch.layers);
    const next = RunSession.start(model, spec.tokens, path, spec.interventions ?? []);
    this.session?.dispose();
    this.session = next;
    return { ...(await next.summary((ids) => this.tokens(ids))), tokens: this.tokens(spec.tokens), notation: chainNotation(path, model.arch.layers) };
  }

  /** The session for `runId`, or a clear error when a newer run replaced it. */
  sessionFor(runId: number): RunSession {
    if (!this.session || this.session.id !== runId) fail('this run has been replaced by a newer one; run the prompt again');
    return this.session;
  }

  async trace(tokens: number[], path: number[] | undefined, opts: TraceOptions = {}): Promise<TraceResult> {
    const { model } = this.need();
    return trace(model, tokens, path ?? defaultPath(model.arch.layers), opts);
  }

  /** Residual-stream analytics of one run (METHODS §5–7). */
  async residual(tokens: number[], path: number[] | undefined, opts: ResidualOptions = {}): Promise<ResidualResult> {
    const { model } = this.need();
    return residualAnalysis(model, tokens, path ?? defaultPath(model.arch.layers), opts);
  }

  /** Skip each layer of the default path over a prompt set (METHODS §5). */
  /** How `path` changes the last-position output against the full model (both with `interventions`). */
  async pathEffect(tokens: number[], path: number[], interventions: Intervention[] = [], opts: { k?: number; target?: number } = {}): Promise<PathEffect> {
    const { model } = this.need();
    return pathEffect(model, tokens, path, interventions, (id) => this.tokens([id])[0]?.text ?? String(id), opts);
  }

  async skipSweep(prompts: number[][], opts: SkipSweepOptions = {}): Promise<SkipSweepResult> {
    const { model } = this.need();
    return skipSweep(model, prompts, defaultPath(model.arch.layers), opts);
  }

  /** Monte Carlo tree search over chains of layers (CoLa, METHODS §8) for (prompt, target) examples. */
  async chainSearch(examples: ChainExample[], opts: ChainSearchOptions = {}): Promise<ChainSearchResult> {
    const { model } = this.need();
    return chainSearch(model, examples, opts);
  }

  /** Tuned-lens translators from a safetensors file (keys `{i}.weight`, `{i}.bias`); replaces the current lens. */
  async loadTunedLens(bytes: Uint8Array, name = 'tuned-lens.safetensors'): Promise<TunedLensInfo> {
    const next = await loadTunedLens(bufferSource(bytes, name), this.need().model);
    this.unloadTunedLens();
    this.tuned = next;
    return next.info;
  }

  /** Trains a lens on token-id texts (see tuned-lens-train.ts) and makes it the current lens. */
  async trainTunedLens(texts: number[][], opts: Partial<TrainOptions> = {}, onProgress?: (step: number, loss: number) => void, signal?: AbortSignal): Promise<{ info: TunedLensInfo; losses: Float64Array; layerLosses: Float64Array[]; tokensPerStep: number }> {
    const { lens, losses, layerLosses, tokensPerStep } = await trainTunedLens(this.need().model, texts, opts, onProgress, signal);
    this.unloadTunedLens();
    const info: TunedLensInfo = { layers: lens.layers, dModel: lens.dModel, source: 'trained in the page', missingBias: [] };
    this.tuned = { lens, info };
    return { info, losses, layerLosses, tokensPerStep };
  }

  get tunedLensInfo(): TunedLensInfo | undefined {
    return this.tuned?.info;
  }

  private needLens(): TunedLens {
    if (!this.tuned) fail('no tuned lens is loaded: load a lens file or train one first');
    return this.tuned.lens;
  }

  /** The current lens as F32 safetensors bytes (re-loadable with loadTunedLens). */
  exportTunedLens(): Promise<Uint8Array> {
    return saveTunedLens(this.needLens());
  }

  unloadTunedLens(): void {
    if (this.tuned) disposeTunedLens(this.tuned.lens);
    this.tuned = undefined;
  }

  /** Tuned-lens rows of one run, laid out like trace's logit lens (rows ↔ translators: analyses/tuned-lens.ts). */
  async tunedLens(tokens: number[], path: number[] | undefined, opts: LensOptions = {}, signal?: AbortSignal): Promise<TunedLensResult> {
    const { model } = this.need();
    const lens = this.needLens();
    const p = path ?? defaultPath(model.arch.layers);
    const out = forward(model, tokens, { path: p, keepResiduals: true });
    try {
      return await tunedLensRows(model, lens, out.residuals, out.logits, p, lensLabels(p), opts, signal);
    } finally {
      disposeForward(out);
    }
  }

  /** Mean KL(P_final ‖ P_row) per layer input (default path) over `texts`: logit lens vs the current tuned lens, nats. */
  async compareLenses(texts: number[][], signal?: AbortSignal): Promise<{ logit: Float64Array; tuned: Float64Array }> {
    const { model } = this.need();
    const lens = this.needLens();
    return { logit: await lensKlPerLayer(model, undefined, texts, signal), tuned: await lensKlPerLayer(model, lens, texts, signal) };
  }
}
