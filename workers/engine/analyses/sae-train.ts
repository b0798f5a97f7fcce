/**
 * `sae-train` (contracts/sae-train.ts, METHODS §9.2): every token of a dataset's rows at one
 * hook (the `extract` analysis with position `all`, held on the host; position 0 left out
 * of rows that start with the model's BOS token, whose residual is an outlier no SAE
 * should spend latents on), then the training loop of sae-train/train.ts, then the SAE
 * registered as an artifact of kind `sae` (format saelens, architecture standard | topk), so
 * the `sae` analysis, splices and the view use it at once. A cancel after a step keeps the
 * SAE of the steps taken (`partial`).
 */
import { SAE_TRAIN_DEFAULTS, type SaeTrainResult } from '../../../src/contracts/sae-train';
import type { SaeInfo } from '../../../src/contracts/sae';
import type { Sae } from '../artifacts/sae';
import type { SaeSpec } from '../artifacts/sae-config';
import { fail } from '../errors';
import { checkTrainOptions, trainSaeOn } from '../sae-train/train';
import { defineAnalysis, type AnalysisContext } from './analysis';
import { extractAnalysis } from './extract';

/** Host activations [n, d] at the hook and how many BOS positions were left out. */
async function activations(ctx: AnalysisContext<'sae-train'>, o: typeof SAE_TRAIN_DEFAULTS): Promise<{ x: Float32Array; n: number; d: number; bos: number }> {
  const exCtx: AnalysisContext<'extract'> = { ...ctx, progress: (p) => ctx.progress({ ...p, phase: 'extract' }) };
  const ex = await extractAnalysis.run(exCtx, { ...extractAnalysis.defaults, dataset: o.dataset, hooks: [o.hook], position: 'all', limit: o.limit, batchTokens: o.batchTokens, maxBytes: o.maxBytes })
    .catch((e: unknown) => {
      if (e instanceof Error && /cancelled/.test(e.message)) fail('the SAE training was cancelled while extracting activations');
      throw e;
    });
  try {
    const set = ctx.registry.artifact('activations', ex.artifact).set;
    const d = set.widths[0] as number;
    const data = set.data[0] as Float32Array;
    const pos = set.pos as Int32Array;
    const row = set.row as Int32Array;
    // Rows whose first token is BOS (the ids extract ran: the dataset's ids, else the tokenizer's).
    const m = ctx.model;
    const ds = ctx.registry.artifact('dataset', o.dataset).dataset;
    const rows = o.limit > 0 ? ds.rows.slice(0, o.limit) : ds.rows;
    const startsBos = rows.map((r) => m.bosId !== undefined && (r.ids ?? m.tokenizer?.encode(r.text ?? '') ?? [])[0] === m.bosId);
    const keep: number[] = [];
    for (let i = 0; i < set.vectors; i++) if (!((pos[i] as number) === 0 && startsBos[row[i] as number])) keep.push(i);
    if (keep.length === 0) fail(`sae-train: the dataset ${ds.info.name} has no tokens at ${o.hook} besides BOS`);
    const x = new Float32Array(keep.length * d);
    keep.forEach((i, j) => x.set(data.subarray(i * d, (i + 1) * d), j * d));
    return { x, n: keep.length, d, bos: set.vectors - keep.length };
  } finally {
    ctx.registry.dropArtifact(ex.artifact);
  }
}

/** The step-indexed hook as the layer it reads (the request's path, else the default one). */
function layerHook(ctx: AnalysisContext<'sae-train'>, hook: string): string {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(hook);
  if (!m) return hook;
  const path = ctx.ref?.path;
  const layer = path ? path[Number(m[1])] : Number(m[1]);
  if (layer === undefined) fail(`sae-train: ${hook} names step ${m[1]}, but the path has ${path?.length ?? 0} steps`);
  return `blocks.${layer}.${m[2] as string}`;
}

export const saeTrainAnalysis = defineAnalysis({
  name: 'sae-train',
  defaults: SAE_TRAIN_DEFAULTS,
  async run(ctx, o): Promise<SaeTrainResult> {
    const t0 = Date.now();
    if (!o.dataset) fail('sae-train: give a dataset to train on');
    if (!o.hook) fail('sae-train: give a hook (e.g. blocks.3.hook_resid_post)');
    if (/hook_(pattern|attn_scores)$/.test(o.hook)) fail(`sae-train: ${o.hook} is [heads, positions, positions], not one vector per token`);
    // Options first (width, k, lr, …): one line before any forward.
    checkTrainOptions(o, 1);
    const { x, n, d, bos } = await activations(ctx, o);
    const r = await trainSaeOn(x, n, d, o, (p, done) => {
      const secs = (Date.now() - t0) / 1000;
      ctx.progress({ phase: 'train', done, total: o.steps, unit: 'steps', ...(p ? { point: p } : {}), ...(secs > 0 ? { rate: done / secs, etaSeconds: (o.steps - done) / (done / secs) } : {}) });
    }, ctx.signal);
    const hook = layerHook(ctx, o.hook);
    const topk = o.architecture === 'topk';
    const note = bos > 0 ? `position 0 (the BOS token) of ${bos} rows left out` : undefined;
    const info: Omit<SaeInfo, 'id'> = {
      format: 'saelens', architecture: topk ? 'topk' : 'standard', sourceHook: hook, hook, dIn: d, dSae: o.width,
      ...(topk ? { k: o.k } : {}), normalize: 'none', applyBDecToInput: true, hookZ: hook.endsWith('hook_z'),
      warnings: note ? [`trained here: ${note}`] : [],
    };
    const spec: SaeSpec = { format: 'saelens', architecture: info.architecture, sourceHook: hook, dIn: d, dSae: o.width, ...(topk ? { k: o.k } : {}), normalize: 'none', applyBDecToInput: true, hookZ: info.hookZ, rescaleByDecoderNorm: false, warnings: [] };
    const sae: Sae = { info, spec, ...r.weights };
    const ds = ctx.registry.artifact('dataset', o.dataset).dataset;
    const steps = r.done === o.steps ? `${r.done} steps` : `${r.done} of ${o.steps} steps`;
    const a = ctx.registry.addArtifact({ kind: 'sae', model: ctx.model.id, label: `${o.architecture} SAE ${d}→${o.width} · ${hook} · ${ds.info.name} (trained, ${steps})`, sae });
    const final = r.curve[r.curve.length - 1];
    if (!final) fail('sae-train: no step finished');
    return {
      sae: { id: a.id, ...info }, tokens: n, ...(note ? { note } : {}), curve: r.curve, final, seconds: (Date.now() - t0) / 1000,
      ...(r.done < o.steps ? { partial: { done: r.done, total: o.steps, unit: 'steps' } } : {}),
    };
  },
});
