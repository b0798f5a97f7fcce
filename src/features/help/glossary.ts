/**
 * One-line definitions of every metric and setting the page shows, each pointing at its
 * section of the method notes (docs/methods.md, heading ids `{#anchor}`). tests/glossary
 * checks that every anchor exists in the notes and that every <Term id> in the views is
 * defined here. Units follow src/features/format.ts: information in nats, probabilities
 * in percent.
 */
export interface GlossaryEntry {
  /** The term as a reader would name it. */
  label: string;
  /** One line: what it is, its formula or direction, unit and range. */
  definition: string;
  /** Heading id in docs/methods.md. */
  anchor: string;
}

export const GLOSSARY = {
  // Logit lens
  'lens-rows': { label: 'lens rows', definition: 'Row 0 decodes the embeddings, row s+1 the output of step s, the last row is the model output; column t predicts token t+1.', anchor: 'lens-rows' },
  'top1-prob': { label: 'top-1 probability', definition: 'Probability of the row\'s most likely token at that position, 0–100%.', anchor: 'top1-prob' },
  'next-token-hit': { label: 'red outline', definition: 'Red outline on a cell: its row\'s top-1 token equals the actual next token of the prompt.', anchor: 'next-token-hit' },
  'lens-target': { label: 'target', definition: 'The token the lens follows: by default the final top-1 at each position; click a top-k token to follow it everywhere.', anchor: 'lens-target' },
  'target-prob': { label: 'target probability', definition: 'p(target) under the row\'s distribution, 0–100%.', anchor: 'target-prob' },
  'target-rank': { label: 'target rank', definition: 'Count of tokens whose logit is ≥ the target\'s: 1 = top-1, ties count against it, up to V.', anchor: 'target-rank' },
  entropy: { label: 'entropy', definition: '−Σ p·ln p over the vocabulary, in nats: 0 = one token certain, ln V = uniform.', anchor: 'entropy' },
  kl: { label: 'KL to final', definition: 'KL divergence between the row\'s and the final distribution, nats, ≥ 0 (0 on the last row); direction is a setting.', anchor: 'kl' },
  'kl-direction': { label: 'KL direction', definition: 'KL(P_final ‖ P_layer) (tuned-lens, default), KL(P_layer ‖ P_final) (Csordás et al.), or the first with both clipped at 1/(10V) (nostalgebraist).', anchor: 'kl-direction' },
  'topk-list': { label: 'top-k', definition: 'The row\'s k most likely tokens at that position with their probabilities (k = the top-k setting); click one to make it the target.', anchor: 'topk-list' },
  'lens-kind': { label: 'decode with', definition: 'Logit lens = decode each residual as it is; tuned lens = through the loaded or trained per-layer translators first.', anchor: 'lens-kind' },
  // Tuned lens
  'tuned-translators': { label: 'tuned-lens translators', definition: 'Row i decoded as W_U·N(h + h·A_iᵀ + b_i); a zero translator is the logit lens.', anchor: 'tuned-translators' },
  'tuned-training': { label: 'training texts', definition: 'Texts the translators learn on (one per line; empty = the built-in texts, documents of the demo model\'s training text): per layer, minimise KL(P_final ‖ P_lens) with the model frozen.', anchor: 'tuned-training' },
  'tuned-steps': { label: 'steps', definition: 'Optimiser steps (SGD, Nesterov momentum 0.9, weight decay 1e-3, gradient norm clipped at 1).', anchor: 'tuned-steps' },
  'tuned-lr': { label: 'learning rate', definition: 'Peak SGD learning rate, decayed linearly to 0 by the last step (default 0.3; training stops if the loss rises).', anchor: 'tuned-lr' },
  'tuned-batch-tokens': { label: 'tokens per step', definition: 'Tokens of the training texts in each step\'s batch (tuned-lens uses 2^18).', anchor: 'tuned-batch-tokens' },
  'tuned-loss': { label: 'training loss', definition: 'Mean over layers of the batch\'s KL(P_final ‖ P_lens), nats, before each update; step 0 = the logit lens.', anchor: 'tuned-loss' },
  'tuned-compare': { label: 'logit vs tuned lens', definition: 'Per layer input, the mean KL(P_final ‖ P_row) over all positions of the texts, nats; lower = closer to the output.', anchor: 'tuned-compare' },
  // Attention
  'attention-weight': { label: 'attention weight', definition: 'Softmax weight a query (row) gives a key (column), 0–1; each row sums to 1 over earlier keys.', anchor: 'attention-weight' },
  'attention-entropy': { label: 'head entropy', definition: 'Mean over queries of −Σ_j A·ln A, nats: 0 = one key, ln(i+1) = uniform over query i\'s keys.', anchor: 'attention-entropy' },
  'attention-sink': { label: 'on position 0', definition: 'Attention-sink share: mean over queries i ≥ 1 of the weight on position 0, 0–100% (query 0, which sees only itself, left out).', anchor: 'attention-sink' },
  'prev-token': { label: 'previous token', definition: 'Previous-token score: mean over queries i ≥ 1 of the weight on key i−1, 0–100%.', anchor: 'prev-token' },
  // Layer path
  path: { label: 'layer path', definition: 'The layer indices the forward pass runs, in order: omit to skip, repeat to loop, any order.', anchor: 'path' },
  'cola-notation': { label: 'CoLa notation', definition: 'The path as segments: a-b once, skip a-b omitted, a-b ×t repeated, joined by ·; a reorder is shown as the list.', anchor: 'cola-notation' },
  'path-kl': { label: 'KL(full ‖ path)', definition: 'Σ p_full·(ln p_full − ln p_path) of the next-token distributions at the last position, nats, ≥ 0.', anchor: 'path-kl' },
  'path-l2': { label: 'L2 of probabilities', definition: '‖p_path − p_full‖₂ at the last position, 0–√2.', anchor: 'path-l2' },
  'path-rank': { label: 'target and rank', definition: 'The full model\'s top-1 token: its probability and rank (1 = top) in the full model → under the path.', anchor: 'path-rank' },
  // Residual stream
  'relative-contribution': { label: 'relative contribution', definition: '‖a‖/‖h‖, ‖m‖/‖h+a‖ and ‖h_out − h‖/‖h‖ per step: mean over positions (line), max (band).', anchor: 'relative-contribution' },
  cosines: { label: 'cosines', definition: 'Mean over positions of cos(a, h), cos(m, h+a), cos(h_out, h), −1..1.', anchor: 'cosines' },
  lim: { label: 'LIM', definition: 'Layer importance: mean over positions of −cos(h, h_out), −1..1; higher = the step turns the residual more.', anchor: 'lim' },
  'residual-norm': { label: 'residual norm', definition: '‖h‖ entering each step (last point: the final residual), mean over positions, band to the max.', anchor: 'residual-norm' },
  voids: { label: 'voids', definition: 'L2 adaptive computation: step l is a void for a token when its norm change Δ_l < α·(max − min of the earlier Δ).', anchor: 'voids' },
  'layers-used': { label: 'layers used', definition: 'From the void map: per step, the share of tokens for which it is not a void; per token, the share of steps that are not voids.', anchor: 'layers-used' },
  alpha: { label: 'void threshold α', definition: 'α in the void threshold τ_l = α·(max_{j<l} Δ_j − min_{j<l} Δ_j), 0..1 (default 0.8); larger = more voids.', anchor: 'alpha' },
  massive: { label: 'largest activations', definition: 'The entries of h_out with the largest |value| per step: value, token position and dimension.', anchor: 'massive' },
  // Skip sweep
  'skip-modes': { label: 'skip modes', definition: 'Skip at positions ≥ 1: whole layer (h_out = h), attention only (a = 0) or MLP only (m = 0).', anchor: 'skip-modes' },
  'skip-output': { label: 'effect on the output', definition: 'max over positions ≥ 1 and prompts of ‖softmax(z′) − softmax(z)‖₂ with the step skipped, 0–√2 (an L2 distance, not KL).', anchor: 'skip-output' },
  'skip-effect': { label: 'relative change of Δ_l', definition: 'max ‖Δ_l − Δ′_l‖/‖Δ_l‖ over positions ≥ 1: how much skipping step s (row) changes what step l (column) adds; above 1 drawn hatched.', anchor: 'skip-effect' },
  'depth-score': { label: 'depth score', definition: 'Σ s·e_s / Σ e_s with e_s the output effect of skipping step s: the output-weighted mean step, 0..S−1.', anchor: 'depth-score' },
  'sweep-prompts': { label: 'prompt set', definition: 'One prompt per line (empty = the current prompt); every effect is the maximum over the prompts.', anchor: 'sweep-prompts' },
  // Chain search
  'chain-mcts': { label: 'chain search', definition: 'Monte Carlo tree search over keep / skip / repeat ×2 of 1–4-layer segments; each distinct chain is run once.', anchor: 'chain-mcts' },
  'chain-target': { label: 'target continuation', definition: 'The answer chains are scored on: the typed continuation as it tokenizes after the prompt, else the full model\'s next token.', anchor: 'chain-target' },
  'chain-reward': { label: 'reward', definition: '(mean log p(target) or exact-match share) − length penalty × chain length / L; higher is better.', anchor: 'chain-reward' },
  'chain-logprob': { label: 'log p', definition: 'Mean over target tokens of ln p(token | prompt, earlier target tokens), nats, ≤ 0.', anchor: 'chain-logprob' },
  'chain-exact': { label: 'exact', definition: 'Share of examples whose every target token is the argmax (the greedy answer equals the target).', anchor: 'chain-exact' },
  'chain-budget': { label: 'budget', definition: 'Number of distinct chains evaluated, the full chain included; one forward pass each.', anchor: 'chain-budget' },
  'chain-exploration': { label: 'exploration c', definition: 'UCT constant on the min–max normalised reward: score = Q̂ + c·√(ln N_parent / N_child); default √2, 0 = greedy.', anchor: 'chain-exploration' },
  'chain-length-penalty': { label: 'length penalty', definition: 'Reward units subtracted per (chain length / L): the full model pays all of it; 0 = none.', anchor: 'chain-length-penalty' },
  'chain-seed': { label: 'seed', definition: 'Seed of the search\'s random choices: the same seed and settings give the same search.', anchor: 'chain-seed' },
  'chain-topk': { label: 'chains kept (topK)', definition: 'How many distinct chains the result lists, best first; the full model is always shown first.', anchor: 'chain-topk' },
  // Compare
  'relative-depth': { label: 'relative depth', definition: 'Position in 0..1: step s of S at (s+1)/S, lens row r at r/S (0 = embeddings, 1 = output).', anchor: 'relative-depth' },
  'compare-series': { label: 'compared series', definition: 'A (solid) vs B (dashed) over relative depth: lens KL and top-1 (means over positions), layer, attention and MLP relative contributions.', anchor: 'compare-series' },
  // Datasets and extraction
  'column-mapping': { label: 'column mapping', definition: 'Which column is each row\'s input (text or token ids "1,2,3") and which its label (optional).', anchor: 'column-mapping' },
  'extract-hooks': { label: 'hooks', definition: 'TransformerLens hook names, blocks.*.x for every step of the path (indexed by step, not layer).', anchor: 'extract-hooks' },
  'extract-position': { label: 'position', definition: 'Which token each row keeps: last, mean (without a leading BOS), all tokens, or an index (−1 = last).', anchor: 'extract-position' },
  'extract-rows': { label: 'rows', definition: 'Use only the first N rows; 0 = all.', anchor: 'extract-rows' },
  'extract-batch-tokens': { label: 'tokens per batch', definition: 'Rows of similar length run side by side, right-padded, up to this many tokens (exact under the causal mask); 0 = one row at a time.', anchor: 'extract-batch-tokens' },
  'extract-memory': { label: 'memory estimate', definition: 'rows × hooks × d × 4 bytes (per token for "all"); above the limit the engine refuses before starting.', anchor: 'extract-memory' },
  // CKA
  cka: { label: 'CKA', definition: 'Centred kernel alignment of two representations of the same rows: ‖YᵀX‖² / (‖XᵀX‖‖YᵀY‖) with centred columns, 0..1; 1 = the same up to rotation and scale.', anchor: 'cka' },
  'cka-kind': { label: 'estimator', definition: 'Linear CKA (biased: about d/(n+d) for unrelated inputs) or debiased (unbiased HSIC: near 0 for unrelated inputs, can be < 0; n ≥ 4).', anchor: 'cka-kind' },
  'cka-minibatch': { label: 'minibatch', definition: 'Nguyen et al.: sums of centred batch-Gram products over seeded shuffled batches of this size; 0 = the full estimator.', anchor: 'cka-minibatch' },
  'cka-position': { label: 'position', definition: 'Last token, mean over tokens, or all tokens pooled (refused for two tokenizers: token t of one is not token t of the other).', anchor: 'cka-position' },
  'cka-best': { label: 'best match', definition: 'For each hook of A, the hook of B with the largest CKA, with both relative depths.', anchor: 'cka-best' },
  'cka-linear-map': { label: 'linear maps', definition: 'Ridge least-squares map with bias from each hook of A to each of B, measured on held-out rows: mean ‖ŷ − y‖/‖y‖, or unexplained variance.', anchor: 'cka-linear-map' },
  latent: { label: 'latent language', definition: 'Per layer, the probability of the answer\'s tokens in the target language and of the same word\'s tokens in a latent language (e.g. English), at the last position.', anchor: 'latent' },
  'latent-sets': { label: 'token set', definition: 'Every prefix of the word in the vocabulary, with and without the word-start marker; zh/ru also the first byte\'s token. P = Σ p over the set.', anchor: 'latent-sets' },
  'latent-filters': { label: 'dropped', definition: 'An empty set, a target set sharing tokens with a latent set, or (translation) the English word inside the target word.', anchor: 'latent-filters' },
  'latent-bands': { label: '95% band', definition: 'mean ± 1.96·sd/√n over samples (sd over n − 1); the entropy strip is −Σ p·log₂ p as in the paper (1 bit = ln 2 nats), plasma from 0 to 14.', anchor: 'latent-bands' },
  units: { label: 'units', definition: 'Entropy, KL and log-probabilities in nats (1 bit = ln 2 nats); probabilities in percent, 3 significant digits.', anchor: 'units' },
} as const satisfies Record<string, GlossaryEntry>;

export type TermId = keyof typeof GLOSSARY;

/** The entry for `id`; the type makes an unknown id a compile error, the tests make it a test failure. */
export function glossaryEntry(id: TermId): GlossaryEntry {
  return GLOSSARY[id];
}
