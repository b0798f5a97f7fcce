/**
 * The difference-of-means ("mass-mean") probe (Marks & Tegmark 2023): no fitting.
 *   binary     w = μ₁ − μ₀, b = −w·(μ₀ + μ₁)/2: score w·x + b > 0 ⇔ x is nearer class 1 along w
 *              (P(class 1) = σ(score));
 *   K classes  w_k = μ_k, b_k = −‖μ_k‖²/2: argmax_k ⇔ the nearest class mean (softmax of the scores).
 * Means over the training rows, in Float64.
 */
export function massMean(X: Float64Array, n: number, d: number, y: Int32Array, K: number): { weight: Float64Array; bias: Float64Array } {
  const mu = new Float64Array(K * d);
  const count = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const k = y[i] as number;
    count[k] = (count[k] as number) + 1;
    for (let j = 0; j < d; j++) mu[k * d + j] = (mu[k * d + j] as number) + (X[i * d + j] as number);
  }
  for (let k = 0; k < K; k++) {
    if (!count[k]) throw new RangeError(`class ${k} has no training rows`);
    for (let j = 0; j < d; j++) mu[k * d + j] = (mu[k * d + j] as number) / (count[k] as number);
  }
  if (K === 2) {
    const weight = new Float64Array(d);
    let b = 0;
    for (let j = 0; j < d; j++) {
      const m0 = mu[j] as number;
      const m1 = mu[d + j] as number;
      weight[j] = m1 - m0;
      b -= (m1 - m0) * (m0 + m1) / 2;
    }
    return { weight, bias: Float64Array.of(b) };
  }
  const bias = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (mu[k * d + j] as number) ** 2;
    bias[k] = -s / 2;
  }
  return { weight: mu, bias };
}

/** Scores of rows of X (Float32 or Float64, [n, d]) under weight [K', d] and bias [K']: binary P(class 1) [n], else softmax [n, K]. */
export function probabilities(X: ArrayLike<number>, n: number, d: number, weight: ArrayLike<number>, bias: ArrayLike<number>): Float64Array {
  const Kw = bias.length;
  if (Kw === 1) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let z = bias[0] as number;
      for (let j = 0; j < d; j++) z += (X[i * d + j] as number) * (weight[j] as number);
      out[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
    return out;
  }
  const out = new Float64Array(n * Kw);
  const z = new Float64Array(Kw);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < Kw; k++) {
      let s = bias[k] as number;
      for (let j = 0; j < d; j++) s += (X[i * d + j] as number) * (weight[k * d + j] as number);
      z[k] = s;
      mx = Math.max(mx, s);
    }
    let t = 0;
    for (let k = 0; k < Kw; k++) t += Math.exp((z[k] as number) - mx);
    for (let k = 0; k < Kw; k++) out[i * Kw + k] = Math.exp((z[k] as number) - mx) / t;
  }
  return out;
}

/** Predicted class per row from probabilities (binary: P(class 1) > 0.5, as predict; ties to the lower class). */
export function predictions(probs: Float64Array, n: number, K: number): Int32Array {
  const out = new Int32Array(n);
  if (K === 2) {
    for (let i = 0; i < n; i++) out[i] = (probs[i] as number) > 0.5 ? 1 : 0;
    return out;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if ((probs[i * K + k] as number) > (probs[i * K + best] as number)) best = k;
    out[i] = best;
  }
  return out;
}
