/**
 * Chain search (CoLa, METHODS.md §8): Monte Carlo tree search over chains of layers.
 *
 * Tree: a node is "layers 0..pos−1 decided, with this chain prefix". Its actions take the
 * next segment of s = 1..min(4, L − pos) layers and keep it, skip it or repeat it ×2
 * (segments never cross L). A node at pos = L is a complete chain. Different action
 * sequences can give the same chain (keep 0-1 = keep 0, keep 1); rewards are cached by
 * chain, so a chain costs one forward pass per example however often it is reached.
 *
 * Reward of a chain over examples (prompt ids, target ids), run teacher-forced on
 * prompt ++ target under the chain:
 *   logprob = mean over examples of (1/|target|) Σ_i log p(target_i | prompt ++ target_<i)  (nats, ≤ 0);
 *   exact   = share of examples whose every target token is the argmax at its position
 *             (= the greedy continuation equals the target; argmax ties go to the lower id), 0..1;
 *   reward  = (mode 'logprob' ? logprob : exact) − lengthPenalty · |chain| / L.
 *
 * One iteration: descend by UCT through fully expanded nodes, expand one untried action
 * (seeded choice), roll out to a complete chain by uniform random actions, evaluate,
 * back up the reward. UCT score of child k of node p:
 *   (Q_k − Q_min)/(Q_max − Q_min) + c·sqrt(ln N_p / N_k),
 * where Q is a mean reward and Q_min, Q_max are the smallest and largest rewards seen
 * so far — the normalisation makes c independent of the reward's scale (nats vs shares).
 * Nodes whose subtree is fully explored are never selected again, so the search stops
 * early when every chain has been evaluated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../errors';
import { CHAIN_SEARCH_DEFAULTS } from '../../../src/contracts/chain-search';
import { defaultPath, disposeForward, forward, validateRun } from '../forward/forward';
import { defineAnalysis } from './analysis';
import type { LoadedModel } from '../models/common/types';
import { MAX_SEGMENT, chainNotation } from './chain';
import type { ChainExample, ChainRewardMode, ChainScore, ChainSearchResult } from '../../../src/contracts/chain-search';
import { mulberry32 } from '../random';

export type { ChainExample, ChainRewardMode, ChainScore, ChainSearchResult };

export interface ChainSearchOptions {
  mode?: ChainRewardMode;
  /** Number of distinct chains evaluated (each one forward pass per example), ≥ 1, including the full chain. Default 200. */
  budget?: number;
  /** UCT exploration constant on the normalised reward scale, ≥ 0. Default √2. */
  exploration?: number;
  /** Reward units per (chain length / L); 0 = no penalty. Default 0. */
  lengthPenalty?: number;
  /** PRNG seed (mulberry32); the search is deterministic for a seed. Default 0. */
  seed?: number;
  /** How many distinct chains to return, best first. Default 5. */
  topK?: number;
  /** After each new chain evaluation; `done` counts distinct evaluations (≤ budget). */
  onProgress?: (p: { done: number; budget: number; best: ChainScore }) => void;
  /** Checked between evaluations; a cancel returns the chains evaluated so far marked `partial` (before the first: a StrataError). */
  signal?: AbortSignal;
}

export { mulberry32 };

export interface ChainEval {
  logprob: number;
  exact: number;
}

/** Mean target log-probability and exact-match share of one chain over the examples (one forward per example). */
export async function evaluateChain(model: LoadedModel, examples: readonly ChainExample[], chain: number[]): Promise<ChainEval> {
  let logprob = 0;
  let exact = 0;
  for (const ex of examples) {
    const tokens = [...ex.prompt, ...ex.target];
    const P = ex.prompt.length;
    const n = ex.target.length;
    const out = forward(model, tokens, { path: chain });
    let statsT: tf.Tensor1D;
    try {
      // Logits at position P−1+i predict target i.
      statsT = tf.tidy(() => {
        const V = out.logits.shape[1];
        const logp = tf.logSoftmax(tf.slice(out.logits, [P - 1, 0], [n, V]));
        const ids = tf.tensor1d(ex.target, 'int32');
        const picked = tf.sum(tf.mul(logp, tf.oneHot(ids, V)), 1);
        const hit = tf.cast(tf.equal(tf.argMax(logp, 1), ids), 'float32');
        return tf.concat([picked, hit]) as tf.Tensor1D;
      });
    } finally {
      disposeForward(out);
    }
    const stats = await statsT.data();
    statsT.dispose();
    let sum = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      sum += stats[i] as number;
      hits += stats[n + i] as number;
    }
    logprob += sum / n;
    exact += hits === n ? 1 : 0;
  }
  return { logprob: logprob / examples.length, exact: exact / examples.length };
}

interface Action {
  op: 'keep' | 'skip' | 'repeat';
  size: number;
}

interface Node {
  pos: number;
  prefix: number[];
  actions: Action[];
  /** children[k] is the node for actions[k], once expanded. */
  children: (Node | undefined)[];
  untried: number[];
  visits: number;
  total: number;
  exhausted: boolean;
}

function actionsAt(pos: number, L: number): Action[] {
  const out: Action[] = [];
  for (let size = 1; size <= Math.min(MAX_SEGMENT, L - pos); size++) {
    for (const op of ['keep', 'skip', 'repeat'] as const) out.push({ op, size });
  }
  return out;
}

function step(prefix: number[], pos: number, a: Action): number[] {
  const seg = Array.from({ length: a.size }, (_, k) => pos + k);
  if (a.op === 'skip') return prefix;
  return a.op === 'keep' ? [...prefix, ...seg] : [...prefix, ...seg, ...seg];
}

function makeNode(pos: number, prefix: number[], L: number): Node {
  const actions = actionsAt(pos, L);
  return { pos, prefix, actions, children: actions.map(() => undefined), untried: actions.map((_, k) => k), visits: 0, total: 0, exhausted: false };
}

/** Best first: reward descending, then shorter, then lexicographically smaller chain. */
function compareScores(a: ChainScore, b: ChainScore): number {
  if (a.reward !== b.reward) return b.reward - a.reward;
  if (a.length !== b.length) return a.length - b.length;
  for (let k = 0; k < a.length; k++) if (a.chain[k] !== b.chain[k]) return (a.chain[k] as number) - (b.chain[k] as number);
  return 0;
}

export async function chainSearch(model: LoadedModel, examples: readonly ChainExample[], opts: ChainSearchOptions = {}): Promise<ChainSearchResult> {
  const L = model.arch.layers;
  const mode = opts.mode ?? 'logprob';
  const budget = opts.budget ?? 200;
  const c = opts.exploration ?? Math.SQRT2;
  const penalty = opts.lengthPenalty ?? 0;
  const topK = opts.topK ?? 5;
  if (examples.length === 0) fail('the chain search needs at least one (prompt, target) example');
  if (mode !== 'logprob' && mode !== 'exact') fail(`unknown chain search mode "${String(mode)}": use logprob or exact`);
  if (!Number.isInteger(budget) || budget < 1) fail(`the chain search budget must be an integer ≥ 1 (got ${budget})`);
  if (!(c >= 0) || !Number.isFinite(c)) fail(`the exploration constant must be a finite number ≥ 0 (got ${c})`);
  if (!Number.isFinite(penalty)) fail(`the length penalty must be a finite number (got ${penalty})`);
  if (!Number.isInteger(topK) || topK < 1) fail(`topK must be an integer ≥ 1 (got ${topK})`);
  examples.forEach((ex, i) => {
    if (ex.prompt.length === 0) fail(`example ${i} has an empty prompt: the first target token needs at least one token before it`);
    if (ex.target.length === 0) fail(`example ${i} has an empty target`);
    validateRun(model, [...ex.prompt, ...ex.target], []);
  });

  const rand = mulberry32(opts.seed ?? 0);
  const cache = new Map<string, ChainScore>();
  let best: ChainScore | undefined;
  let qMin = Infinity;
  let qMax = -Infinity;

  const score = async (chain: number[]): Promise<ChainScore> => {
    const key = chain.join(',');
    const hit = cache.get(key);
    if (hit) return hit;
    // Later evaluations are only reached from an iteration that checked the signal first.
    if (cache.size === 0 && opts.signal?.aborted) fail('the chain search was cancelled');
    const e = await evaluateChain(model, examples, chain);
    const reward = (mode === 'logprob' ? e.logprob : e.exact) - penalty * (chain.length / L);
    const s: ChainScore = { chain, notation: chainNotation(chain, L), length: chain.length, reward, logprob: e.logprob, exact: e.exact };
    cache.set(key, s);
    qMin = Math.min(qMin, reward);
    qMax = Math.max(qMax, reward);
    if (!best || compareScores(s, best) < 0) best = s;
    opts.onProgress?.({ done: cache.size, budget, best });
    return s;
  };

  // A cancel before the full chain is scored fails (nothing to keep); the first check is in score().
  const full = await score(defaultPath(L));
  const root = makeNode(0, [], L);
  let iterations = 0;
  let cancelled = false;
  // Safety net: iterations that only hit the cache cost no forward pass, but a huge tree could
  // otherwise spin for long once most short chains are known.
  const maxIterations = 50 * budget + 1000;
  while (cache.size < budget && !root.exhausted && iterations < maxIterations) {
    // Only here, at the top of an iteration: a search cancelled after k evaluations is then exactly
    // a search with budget k (which stops at this same point), iterations included.
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    iterations++;
    const path: Node[] = [root];
    let node = root;
    while (node.pos < L && node.untried.length === 0) {
      node = selectChild(node, c, qMin, qMax);
      path.push(node);
    }
    if (node.pos < L) {
      const k = node.untried.splice(Math.floor(rand() * node.untried.length), 1)[0] as number;
      const a = node.actions[k] as Action;
      const child = makeNode(node.pos + a.size, step(node.prefix, node.pos, a), L);
      node.children[k] = child;
      node = child;
      path.push(node);
    }
    let chain = node.prefix;
    for (let pos = node.pos; pos < L; ) {
      const acts = actionsAt(pos, L);
      const a = acts[Math.floor(rand() * acts.length)] as Action;
      chain = step(chain, pos, a);
      pos += a.size;
    }
    const { reward } = await score(chain);
    if (node.pos === L) node.exhausted = true;
    for (let d = path.length - 1; d >= 0; d--) {
      const n = path[d] as Node;
      n.visits++;
      n.total += reward;
      if (n.pos < L && n.untried.length === 0 && n.children.every((ch) => ch?.exhausted)) n.exhausted = true;
    }
  }
  const ranked = [...cache.values()].sort(compareScores);
  const partial = cancelled ? { partial: { done: cache.size, total: budget, unit: 'chains' } } : {};
  return { best: ranked.slice(0, topK), full, evaluations: cache.size, iterations, exhausted: root.exhausted, ...partial };
}

/** UCT over the children that still have something unexplored (there is one: the node is not exhausted). */
function selectChild(node: Node, c: number, qMin: number, qMax: number): Node {
  const span = qMax - qMin;
  const logN = Math.log(Math.max(1, node.visits));
  let pick: Node | undefined;
  let pickScore = -Infinity;
  for (const ch of node.children) {
    if (!ch || ch.exhausted) continue;
    const q = ch.visits > 0 ? ch.total / ch.visits : qMax;
    const norm = span > 0 ? (q - qMin) / span : 0.5;
    const u = norm + c * Math.sqrt(logN / Math.max(1, ch.visits));
    // Strictly greater: the first child (action order: size 1..4, keep/skip/repeat) wins ties.
    if (u > pickScore) {
      pick = ch;
      pickScore = u;
    }
  }
  if (!pick) fail('chain search: no child left to explore (internal error)');
  return pick;
}

/** `chain-search` over the examples (prompt, target) with the page's settings. */
export const chainSearchAnalysis = defineAnalysis({
  name: 'chain-search',
  defaults: CHAIN_SEARCH_DEFAULTS,
  run(ctx, { examples, ...settings }) {
    return chainSearch(ctx.model.model, examples, {
      ...settings,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress({ done: p.done, total: p.budget, unit: 'chains', best: p.best }),
    });
  },
});
