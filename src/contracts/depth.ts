/** Results of the depth analyses (residual stream, skip sweep), shared by the engine and the page. */

/** A mean over positions and the maximum over positions, one entry per step. */
export interface MeanMax {
  mean: Float64Array;
  max: Float64Array;
}

export interface MassiveActivation {
  /** The signed value of h_out at (position, dim). */
  value: number;
  position: number;
  dim: number;
}

export interface ResidualResult {
  path: number[];
  alpha: number;
  /** ‖a‖/‖h‖. */
  attnRel: MeanMax;
  /** ‖m‖/‖h+a‖. */
  mlpRel: MeanMax;
  /** ‖h_out − h‖/‖h‖. */
  layerRel: MeanMax;
  /** cos(a, h). */
  cosAttn: MeanMax;
  /** cos(m, h+a). */
  cosMlp: MeanMax;
  /** cos(h_out, h). */
  cosLayer: MeanMax;
  /** [S] LIM = mean over positions of −cos(h, h_out) (METHODS §7, per-token variant). */
  lim: Float64Array;
  /** [S] LIM with all tokens flattened into one T·d vector (the other §7 reading). */
  limFlat: Float64Array;
  /** [T][S]: 1 when step s is a void for token t (METHODS §6). */
  voids: Uint8Array[];
  /** [T][S]: Δ_s − τ_s, the signed distance from the void threshold (negative = void). */
  voidMargin: Float64Array[];
  /** [S+1][T]: ‖h‖ entering each step, then ‖h_out‖ of the last step. */
  residNorms: Float64Array[];
  /** [S][k]: the largest |h_out| entries of each step, largest first. */
  massive: MassiveActivation[][];
}

export type SkipMode = 'layer' | 'attn' | 'mlp';

export interface SkipModeResult {
  /** [S] max over prompts and positions ≥ 1 of ‖softmax(z′) − softmax(z)‖₂ (probability units). */
  outputL2: Float64Array;
  /** [S] max over prompts and positions ≥ 1 of KL(P ‖ P′) in nats (P = unskipped model), clamped at 0. */
  kl: Float64Array;
  /** [S] share of (prompt, position ≥ 1) pairs whose argmax is unchanged, 0..1. */
  top1Agree: Float64Array;
  /** [S][S] effect[s][l] = max over prompts and positions ≥ 1 of ‖Δ_l − Δ′_l‖/‖Δ_l‖ (‖Δ_l‖ clamped at 1e-6). */
  effect: Float64Array[];
  /** Σ s·outputL2[s] / Σ outputL2[s]: the output-weighted mean step index (0-based). */
  depthScore: number;
}

export interface SkipSweepResult {
  path: number[];
  prompts: number;
  modes: Partial<Record<SkipMode, SkipModeResult>>;
}

export interface TokenProb {
  id: number;
  text: string;
  prob: number;
}

/** How a layer path changes the output at the last position, against the full model. */
export interface PathEffect {
  path: number[];
  /** Top-k of the full model (all layers in order) and of the path. */
  full: TokenProb[];
  edited: TokenProb[];
  /** KL(P_full ‖ P_path) in nats, ≥ 0. */
  kl: number;
  /** ‖P_path − P_full‖₂ (probability units, 0..√2). */
  l2: number;
  /** The target token (default: the full model's top-1): probability and 1-based rank under each. */
  target: { id: number; text: string; probFull: number; probPath: number; rankFull: number; rankPath: number };
}

/** Chain search (CoLa, METHODS §8): see workers/engine/analyses/chain-search.ts. */
export type ChainRewardMode = 'logprob' | 'exact';

export interface ChainExample {
  /** Prompt ids (with BOS if the model wants one); at least 1 token. */
  prompt: number[];
  /** Target continuation ids; at least 1 token. */
  target: number[];
}

export interface ChainScore {
  chain: number[];
  /** chainNotation(chain, L). */
  notation: string;
  /** chain.length (layer applications). */
  length: number;
  /** The search objective (see the file comment). */
  reward: number;
  /** Mean target log-probability in nats, ≤ 0. */
  logprob: number;
  /** Share of examples answered exactly, 0..1. */
  exact: number;
}

export interface ChainSearchResult {
  /** Up to topK distinct chains, by reward descending (ties: shorter, then lexicographically smaller chain). */
  best: ChainScore[];
  /** The full model's chain 0..L−1, always evaluated first. */
  full: ChainScore;
  /** Distinct chains evaluated (forward passes = evaluations × examples). */
  evaluations: number;
  /** MCTS iterations (evaluations plus cache hits). */
  iterations: number;
  /** True when the whole tree was walked (every chain evaluated) before the budget ran out; a search that
   *  evaluated the last new chain as its budget ran out reports false — it cannot know nothing was left. */
  exhausted: boolean;
}


/** The user-visible chain search settings (plain data; the engine adds progress and cancel). */
export interface ChainSearchSettings {
  mode: ChainRewardMode;
  budget: number;
  exploration: number;
  lengthPenalty: number;
  seed: number;
  topK: number;
}

/** What the page shows about a loaded or trained lens (plain data). */
export interface TunedLensInfo {
  layers: number;
  dModel: number;
  /** Where it came from: the file name, or "trained in the page". */
  source: string;
  /** Layers whose file had no `{i}.bias` (taken as zero). */
  missingBias: number[];
}


export interface TunedTrainSettings {
  steps: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchTokens: number;
  seed: number;
}

/** One run summarised for side-by-side comparison (two paths, or two models by relative depth). */
export interface DepthProfile {
  path: number[];
  layers: number;
  residual: ResidualResult;
  /** [S+1] means over positions of the logit lens: KL(P_final ‖ P_row) (nats), entropy (nats), top-1 probability. */
  lensKl: number[];
  lensEntropy: number[];
  lensTop1: number[];
}
