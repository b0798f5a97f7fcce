/** Small Float64 kernels for the probe solvers (row-major matrices). */

/** Σ_j a[ao + j] · b[bo + j] for j < n. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += (a[ao + j] as number) * (b[bo + j] as number);
  return s;
}

/** In place: the lower triangle of the SPD matrix A [P, P] becomes L with A = L Lᵀ; false when A is not numerically positive definite. */
export function cholesky(A: Float64Array, P: number): boolean {
  for (let j = 0; j < P; j++) {
    const rj = j * P;
    let s = A[rj + j] as number;
    for (let k = 0; k < j; k++) s -= (A[rj + k] as number) ** 2;
    if (!(s > 1e-13 * Math.max(1, Math.abs(A[rj + j] as number)))) return false;
    const ljj = Math.sqrt(s);
    A[rj + j] = ljj;
    for (let i = j + 1; i < P; i++) {
      const ri = i * P;
      let t = A[ri + j] as number;
      for (let k = 0; k < j; k++) t -= (A[ri + k] as number) * (A[rj + k] as number);
      A[ri + j] = t / ljj;
    }
  }
  return true;
}

/** x with L Lᵀ x = b (L from cholesky), in place of a copy of b. */
export function cholSolve(L: Float64Array, P: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < P; i++) {
    let t = x[i] as number;
    const ri = i * P;
    for (let k = 0; k < i; k++) t -= (L[ri + k] as number) * (x[k] as number);
    x[i] = t / (L[ri + i] as number);
  }
  for (let i = P - 1; i >= 0; i--) {
    let t = x[i] as number;
    for (let k = i + 1; k < P; k++) t -= (L[k * P + i] as number) * (x[k] as number);
    x[i] = t / (L[i * P + i] as number);
  }
  return x;
}

/** Solves A x = b for SPD A [P, P] (overwritten); null when A is not numerically positive definite. */
export function linearSolveSpd(A: Float64Array, P: number, b: Float64Array): Float64Array | null {
  return cholesky(A, P) ? cholSolve(A, P, b) : null;
}

/** [X 1]ᵀ diag(c) [X 1]: the (d+1)² weighted Gram matrix of the rows of X [n, d] with a ones column last. */
export function weightedGram(X: Float64Array, n: number, d: number, c: Float64Array): Float64Array {
  const P = d + 1;
  const G = new Float64Array(P * P);
  for (let i = 0; i < n; i++) {
    const ci = c[i] as number;
    if (ci === 0) continue;
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const xa = ci * (X[o + a] as number);
      const ra = a * P;
      for (let b = 0; b <= a; b++) G[ra + b] = (G[ra + b] as number) + xa * (X[o + b] as number);
      G[d * P + a] = (G[d * P + a] as number) + xa;
    }
    G[d * P + d] = (G[d * P + d] as number) + ci;
  }
  for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) G[b * P + a] = G[a * P + b] as number;
  return G;
}
