/**
 * `latent` (METHODS §4): the protocol's prompts (latent-protocol.ts) through the model;
 * per block output 0..L−1 at the last position, decoded by the logit lens (final norm,
 * unembedding, fp32 log-softmax) or a tuned lens, P_set = Σ_{t∈S} p(t) for the target
 * set and each latent set, and the entropy in bits. The last layer is the model's own
 * output (never normed twice). Means over samples with 95% bands mean ± 1.96·sd/√n.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LATENT_DEFAULTS, type Band, type LatentResult, type LatentSample, type LatentSampleCurves } from '../../../src/contracts/latent';
import { fail } from '../errors';
import { decodeResidual } from '../forward/decode-residual';
import { disposeForward, forward } from '../forward/forward';
import type { LoadedModel } from '../models/common/types';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import { defineAnalysis } from './analysis';
import { buildProtocol, isSingleToken, type VocabView } from './latent-protocol';
import { lensArtifact, translate, type TunedLens } from './tuned-lens';

export function vocabView(tok: TextTokenizer): VocabView {
  return { byteLevel: tok.isByteLevel, id: (raw) => tok.tokenId(raw) };
}

/** mean ± 1.96·sd/√n per layer, sd over n − 1 (n = 1: a zero-width band). */
export function band(rows: number[][]): Band {
  const n = rows.length;
  const L = rows[0]?.length ?? 0;
  const mean: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (const r of rows) s += r[l] as number;
    const m = s / n;
    let ss = 0;
    for (const r of rows) ss += ((r[l] as number) - m) ** 2;
    const half = n > 1 ? (1.96 * Math.sqrt(ss / (n - 1))) / Math.sqrt(n) : 0;
    mean.push(m);
    lo.push(m - half);
    hi.push(m + half);
  }
  return { mean, lo, hi };
}

/**
 * One prompt's curves: [L] P of each set (columns of `sets`), entropy (bits) and top-k,
 * from the block outputs at the last position. Block l's output is residuals[l + 1]; the
 * tuned lens decodes it with translator l + 1 (none for the last, the model output).
 */
export async function promptCurves(model: LoadedModel, ids: number[], sets: number[][], k: number, lens?: TunedLens): Promise<{ pSets: number[][]; entropyBits: number[]; topIds: number[][]; topProbs: number[][] }> {
  const L = model.arch.layers;
  const V = model.arch.vocab;
  const out = forward(model, ids, { path: Array.from({ length: L }, (_, i) => i), keepResiduals: true });
  const T = ids.length;
  try {
    const stats = tf.tidy(() => {
      const rows: tf.Tensor2D[] = [];
      for (let l = 0; l < L - 1; l++) {
        const h = tf.slice(out.residuals[l + 1] as tf.Tensor2D, [T - 1, 0], [1, -1]);
        const ht = lens ? translate(h, lens.weights[l + 1] as tf.Tensor2D, lens.biases[l + 1] as tf.Tensor1D) : h;
        rows.push(decodeResidual(model, ht));
      }
      rows.push(tf.logSoftmax(tf.slice(out.logits, [T - 1, 0], [1, -1])));
      const lp = tf.concat(rows, 0);
      const p = tf.exp(lp);
      // −Σ p·log₂ p; p underflows to exactly 0 where lp is very negative, so 0·log 0 = 0.
      const ent = tf.div(tf.neg(tf.sum(tf.mul(p, lp), 1)), Math.LN2);
      // One 0/1 column per set: [L, V] × [V, nSets] sums each set's probabilities.
      const mask = new Float32Array(V * sets.length);
      sets.forEach((s, j) => { for (const t of s) mask[t * sets.length + j] = 1; });
      const pSets = tf.matMul(p, tf.tensor2d(mask, [V, sets.length]));
      const { values, indices } = tf.topk(lp, Math.min(k, V));
      return { ent, pSets, topLp: values, topIds: indices };
    });
    const [ent, pSets, topLp, topIds] = await Promise.all([stats.ent.data(), stats.pSets.data(), stats.topLp.data(), stats.topIds.data()]);
    tf.dispose(Object.values(stats));
    const kk = Math.min(k, V);
    return {
      pSets: sets.map((_, j) => Array.from({ length: L }, (_, l) => pSets[l * sets.length + j] as number)),
      entropyBits: Array.from(ent),
      topIds: Array.from({ length: L }, (_, l) => Array.from(topIds.subarray(l * kk, (l + 1) * kk))),
      topProbs: Array.from({ length: L }, (_, l) => Array.from(topLp.subarray(l * kk, (l + 1) * kk), Math.exp)),
    };
  } finally {
    disposeForward(out);
  }
}

export const latentAnalysis = defineAnalysis({
  name: 'latent',
  defaults: LATENT_DEFAULTS,
  async run(ctx, opts) {
    const m = ctx.model;
    const tok = m.tokenizer;
    if (!tok) fail('latent language needs the model\'s tokenizer.json (token sets are built from its vocabulary)');
    const vocab = vocabView(tok);
    const latent = [...new Set(opts.latent)];
    const proto = buildProtocol({ ...opts, latent, source: opts.task === 'translation' ? opts.source : opts.target }, vocab);
    const lens = opts.tuned !== undefined ? lensArtifact(ctx, opts.tuned) : undefined;
    const { layers: L, maxPositions, vocab: V } = m.model.arch;
    const total = proto.samples.length;
    const samples: LatentSample[] = [];
    const perSample: LatentSampleCurves[] = [];
    const t0 = Date.now();
    for (const s of proto.samples) {
      if (ctx.signal.aborted) {
        if (samples.length === 0) fail('the latent-language run was cancelled');
        break;
      }
      const ids = tok.encode(s.prompt);
      if (maxPositions > 0 && ids.length > maxPositions) fail(`the prompt for "${s.en}" has ${ids.length} tokens, more than the model's ${maxPositions} positions: use fewer shots`);
      const sets = [s.targetSet, ...latent.map((l) => s.latentSets[l] as number[])];
      for (const set of sets) for (const t of set) if (t >= V) fail(`token ${t} of a set is outside the model's vocabulary (${V})`);
      const c = await promptCurves(m.model, ids, sets, opts.topk, lens);
      samples.push({ word: s.en, answer: s.words[opts.target] as string, prompt: s.prompt, ids, targetSet: s.targetSet, latentSets: s.latentSets });
      perSample.push({ pTarget: c.pSets[0] as number[], pLatent: Object.fromEntries(latent.map((l, j) => [l, c.pSets[j + 1] as number[]])), entropyBits: c.entropyBits, topIds: c.topIds, topProbs: c.topProbs });
      const dt = (Date.now() - t0) / 1000;
      const rate = samples.length / Math.max(dt, 1e-3);
      ctx.progress({ done: samples.length, total, unit: 'prompts', rate, etaSeconds: (total - samples.length) / rate });
      // Yield so a cancel posted meanwhile is seen before the next prompt.
      await new Promise<void>((r) => setTimeout(r, 0));
    }
    const n = samples.length;
    const ids = [...new Set([...perSample.flatMap((c) => c.topIds.flat()), ...samples.flatMap((s) => [...s.targetSet, ...Object.values(s.latentSets).flat()])])];
    const texts = ctx.pieces(ids);
    const targets = [...new Set((opts.lists[opts.target] ?? []).map((r) => r.word))];
    const result: LatentResult = {
      task: opts.task, source: opts.task === 'translation' ? opts.source : opts.target, target: opts.target, latent,
      lens: lens ? 'tuned' : 'logit', n, rows: proto.rows, dropped: proto.dropped, samples, perSample,
      layers: Array.from({ length: L }, (_, l) => l),
      relDepth: Array.from({ length: L }, (_, l) => (l + 1) / L),
      pTarget: band(perSample.map((c) => c.pTarget)),
      pLatent: Object.fromEntries(latent.map((l) => [l, band(perSample.map((c) => c.pLatent[l] as number[]))])),
      entropyBits: band(perSample.map((c) => c.entropyBits)).mean,
      singleToken: targets.filter((w) => isSingleToken(w, vocab)),
      pieces: Object.fromEntries(ids.map((id, i) => [id, texts[i] ?? String(id)])),
    };
    return n < total ? { ...result, partial: { done: n, total, unit: 'prompts' } } : result;
  },
});
