/**
 * L2-penalised logistic regression solved to the optimum, scikit-learn's model:
 *   binary      F(w, b) = ‖w‖²/(2C) + Σ_i [log(1 + e^{z_i}) − y_i z_i],  z = Xw + b
 *   K classes   F(W, b) = ‖W‖²/(2C) + Σ_i [logsumexp(z_i) − z_{i,y_i}],  z = XWᵀ + b (multinomial)
 * with the intercept unpenalised and no feature scaling (LogisticRegression(C)).
 * Newton's method on F with a backtracking line search. The Newton system is solved densely
 * (binary: the exact (d+1)² Hessian, Cholesky) or by conjugate gradients on Hessian-vector
 * products (O(n·d·K) each: d in the thousands, d > n), preconditioned by each class's own
 * (d+1)² Hessian block while d+1 ≤ BLOCK_LIMIT, else by its diagonal. Every solver stops when
 * max|∇F| ≤ tol · max|∇F(0)|, so the answer does not depend on the solver. X is [n, d]
 * row-major Float64; every sum is Float64.
 */
import { cholesky, cholSolve, dot, linearSolveSpd, weightedGram } from './linalg';

export interface FitOptions {
  C: number;
  maxIter: number;
  tol: number;
  solver: 'auto' | 'newton' | 'newton-cg';
  /** Awaited between Newton iterations and every few CG steps (cancel, responsiveness); may throw. */
  tick?: () => Promise<void>;
}

export interface LogisticFit {
  /** [K', d] row-major; K' = 1 for binary (the weight of class 1). */
  weight: Float64Array;
  /** [K']. */
  bias: Float64Array;
  iterations: number;
  cgIterations: number;
  converged: boolean;
  /** max|∇F| / max|∇F(0)| at the end. */
  gradNorm: number;
  solver: 'newton' | 'newton-cg';
}

/** Under `auto`: binary problems with d + 1 ≤ this are solved densely, the rest by Newton-CG. */
export const DENSE_LIMIT = 512;
/** Newton-CG preconditions with the classes' (d+1)² blocks while d + 1 ≤ this, else with the diagonal. */
export const BLOCK_LIMIT = 512;

/**
 * Parameters: class k's weights at [k·d, (k+1)·d), its intercept at Kw·d + k (Kw = 1 for
 * binary). `weights()` are the per-row curvature weights of each class's diagonal block at
 * the last evaluated θ (binary p(1−p); multinomial p_k(1−p_k)).
 */
interface Problem {
  P: number;
  Kw: number;
  evaluate(theta: Float64Array): { f: number; g: Float64Array };
  hessVec(v: Float64Array): Float64Array;
  weights(): Float64Array[];
  /** Unit vector spanning the Hessian's null space (the common shift of K intercepts). */
  nullVector?: Float64Array;
}

const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function binaryProblem(X: Float64Array, n: number, d: number, y: Int32Array, C: number): Problem {
  const D = new Float64Array(n);
  return {
    P: d + 1,
    Kw: 1,
    evaluate(th) {
      const g = new Float64Array(d + 1);
      const b = th[d] as number;
      let f = 0;
      for (let j = 0; j < d; j++) f += (th[j] as number) ** 2;
      f /= 2 * C;
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const z = dot(X, o, th, 0, d) + b;
        const t = y[i] as number;
        f += softplus(z) - t * z;
        const p = sigmoid(z);
        D[i] = p * (1 - p);
        const r = p - t;
        for (let j = 0; j < d; j++) g[j] = (g[j] as number) + r * (X[o + j] as number);
        gb += r;
      }
      for (let j = 0; j < d; j++) g[j] = (g[j] as number) + (th[j] as number) / C;
      g[d] = gb;
      return { f, g };
    },
    hessVec(v) {
      const out = new Float64Array(d + 1);
      const vb = v[d] as number;
      let ob = 0;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const ui = (D[i] as number) * (dot(X, o, v, 0, d) + vb);
        for (let j = 0; j < d; j++) out[j] = (out[j] as number) + ui * (X[o + j] as number);
        ob += ui;
      }
      for (let j = 0; j < d; j++) out[j] = (out[j] as number) + (v[j] as number) / C;
      out[d] = ob;
      return out;
    },
    weights: () => [D],
  };
}

function multinomialProblem(X: Float64Array, n: number, d: number, y: Int32Array, K: number, C: number): Problem {
  const W = K * d;
  const Pr = new Float64Array(n * K);
  const z = new Float64Array(K);
  const u = new Float64Array(K);
  const nullVector = new Float64Array(W + K);
  for (let k = 0; k < K; k++) nullVector[W + k] = 1 / Math.sqrt(K);
  return {
    P: W + K,
    Kw: K,
    nullVector,
    evaluate(th) {
      const g = new Float64Array(W + K);
      let f = 0;
      for (let j = 0; j < W; j++) f += (th[j] as number) ** 2;
      f /= 2 * C;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        let mx = -Infinity;
        for (let k = 0; k < K; k++) {
          z[k] = dot(X, o, th, k * d, d) + (th[W + k] as number);
          mx = Math.max(mx, z[k] as number);
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.exp((z[k] as number) - mx);
        const lse = mx + Math.log(s);
        const t = y[i] as number;
        f += lse - (z[t] as number);
        for (let k = 0; k < K; k++) {
          const p = Math.exp((z[k] as number) - lse);
          Pr[i * K + k] = p;
          const r = p - (k === t ? 1 : 0);
          const gk = k * d;
          for (let j = 0; j < d; j++) g[gk + j] = (g[gk + j] as number) + r * (X[o + j] as number);
          g[W + k] = (g[W + k] as number) + r;
        }
      }
      for (let j = 0; j < W; j++) g[j] = (g[j] as number) + (th[j] as number) / C;
      return { f, g };
    },
    hessVec(v) {
      const out = new Float64Array(W + K);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        let pu = 0;
        for (let k = 0; k < K; k++) {
          u[k] = dot(X, o, v, k * d, d) + (v[W + k] as number);
          pu += (Pr[i * K + k] as number) * (u[k] as number);
        }
        for (let k = 0; k < K; k++) {
          const r = (Pr[i * K + k] as number) * ((u[k] as number) - pu);
          const gk = k * d;
          for (let j = 0; j < d; j++) out[gk + j] = (out[gk + j] as number) + r * (X[o + j] as number);
          out[W + k] = (out[W + k] as number) + r;
        }
      }
      for (let j = 0; j < W; j++) out[j] = (out[j] as number) + (v[j] as number) / C;
      return out;
    },
    weights: () => Array.from({ length: K }, (_, k) => Float64Array.from({ length: n }, (_, i) => (Pr[i * K + k] as number) * (1 - (Pr[i * K + k] as number)))),
  };
}

const maxAbs = (v: Float64Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function removeNull(v: Float64Array, u: Float64Array | undefined): void {
  if (!u) return;
  const c = dot(v, 0, u, 0, v.length);
  for (let j = 0; j < v.length; j++) v[j] = (v[j] as number) - c * (u[j] as number);
}

/** Class k's (d+1)² Hessian block at the last evaluated θ: [X 1]ᵀ diag(c_k) [X 1] + I/C on the weights. */
function block(X: Float64Array, n: number, d: number, c: Float64Array, C: number): Float64Array {
  const G = weightedGram(X, n, d, c);
  for (let j = 0; j < d; j++) G[j * (d + 1) + j] = (G[j * (d + 1) + j] as number) + 1 / C;
  return G;
}

/** r ↦ M⁻¹r for CG: each class's own block inverted (d+1 ≤ BLOCK_LIMIT), else the diagonal. */
function preconditioner(pb: Problem, X: Float64Array, n: number, d: number, C: number): (r: Float64Array) => Float64Array {
  const ws = pb.weights();
  const W = pb.Kw * d;
  const idx = (k: number, j: number): number => (j < d ? k * d + j : W + k);
  if (d + 1 <= BLOCK_LIMIT) {
    const Ls = ws.map((c) => {
      const G = block(X, n, d, c, C);
      // A block can be singular (a class whose rows are all saturated): add a tiny ridge on its intercept.
      if (!cholesky(G, d + 1)) {
        const H = block(X, n, d, c, C);
        H[d * (d + 1) + d] = (H[d * (d + 1) + d] as number) + 1e-8 * (1 + Math.abs(H[d * (d + 1) + d] as number));
        return cholesky(H, d + 1) ? H : null;
      }
      return G;
    });
    if (Ls.every((L) => L !== null)) {
      return (r) => {
        const out = new Float64Array(r.length);
        Ls.forEach((L, k) => {
          const part = cholSolve(L as Float64Array, d + 1, Float64Array.from({ length: d + 1 }, (_, j) => r[idx(k, j)] as number));
          for (let j = 0; j <= d; j++) out[idx(k, j)] = part[j] as number;
        });
        return out;
      };
    }
  }
  const M = new Float64Array(pb.P);
  ws.forEach((c, k) => {
    for (let i = 0; i < n; i++) {
      const ci = c[i] as number;
      for (let j = 0; j < d; j++) M[k * d + j] = (M[k * d + j] as number) + ci * (X[i * d + j] as number) ** 2;
      M[W + k] = (M[W + k] as number) + ci;
    }
    for (let j = 0; j < d; j++) M[k * d + j] = (M[k * d + j] as number) + 1 / C;
  });
  return (r) => Float64Array.from(r, (v, j) => v / Math.max(M[j] as number, 1e-300));
}

/** Preconditioned CG for H p = −g to ‖r‖ ≤ rtol·‖g‖ (at most maxIt steps); stops at non-positive curvature. */
async function cgStep(pb: Problem, g: Float64Array, Minv: (r: Float64Array) => Float64Array, rtol: number, maxIt: number, tick?: () => Promise<void>): Promise<{ p: Float64Array; its: number }> {
  const P = pb.P;
  const x = new Float64Array(P);
  const r = Float64Array.from(g, (v) => -v);
  let z = Minv(r);
  const p = Float64Array.from(z);
  let rz = dot(r, 0, z, 0, P);
  const gn = Math.sqrt(dot(g, 0, g, 0, P));
  let its = 0;
  while (its < maxIt) {
    if (tick && its % 16 === 15) await tick();
    const Hp = pb.hessVec(p);
    const pHp = dot(p, 0, Hp, 0, P);
    if (!(pHp > 0)) break;
    const a = rz / pHp;
    for (let j = 0; j < P; j++) {
      x[j] = (x[j] as number) + a * (p[j] as number);
      r[j] = (r[j] as number) - a * (Hp[j] as number);
    }
    its++;
    if (Math.sqrt(dot(r, 0, r, 0, P)) <= rtol * gn) break;
    z = Minv(r);
    const rz2 = dot(r, 0, z, 0, P);
    const beta = rz2 / rz;
    rz = rz2;
    for (let j = 0; j < P; j++) p[j] = (z[j] as number) + beta * (p[j] as number);
  }
  return { p: its === 0 ? Float64Array.from(z) : x, its };
}

/** The dense Newton step: the binary Hessian formed directly; K classes from P Hessian-vector products (+ uuᵀ for the null vector u). */
function denseStep(pb: Problem, g: Float64Array, X: Float64Array, n: number, d: number, C: number): Float64Array | null {
  const P = pb.P;
  const rhs = Float64Array.from(g, (x) => -x);
  if (pb.Kw === 1) return linearSolveSpd(block(X, n, d, pb.weights()[0] as Float64Array, C), P, rhs);
  const H = new Float64Array(P * P);
  const e = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    e[j] = 1;
    const col = pb.hessVec(e);
    e[j] = 0;
    for (let i = 0; i < P; i++) H[i * P + j] = col[i] as number;
  }
  const u = pb.nullVector;
  if (u) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) H[i * P + j] = (H[i * P + j] as number) + (u[i] as number) * (u[j] as number);
  return linearSolveSpd(H, P, rhs);
}

/** Fits the probe; y holds class indices 0..K−1 (K ≥ 2; K = 2 is the binary model). */
export async function fitLogistic(X: Float64Array, n: number, d: number, y: Int32Array, K: number, o: FitOptions): Promise<LogisticFit> {
  if (!(o.C > 0 && Number.isFinite(o.C))) throw new RangeError(`C must be a positive number, got ${o.C}`);
  // Solved on centred features: with the intercept unpenalised, x → x − μ is an exact
  // reparametrisation (same W, b = b′ − W·μ) that decouples the intercepts from W, so the
  // Newton systems are far better conditioned (CG steps on the demo's 7-class set: 2528 → 984).
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] = (mu[j] as number) + (X[i * d + j] as number) / n;
  const Xc = Float64Array.from(X, (v, i) => v - (mu[i % d] as number));
  const pb = K === 2 ? binaryProblem(Xc, n, d, y, o.C) : multinomialProblem(Xc, n, d, y, K, o.C);
  const P = pb.P;
  const solver = o.solver === 'auto' ? (K === 2 && P <= DENSE_LIMIT ? 'newton' : 'newton-cg') : o.solver;
  let theta = new Float64Array(P);
  let { f, g } = pb.evaluate(theta);
  const g0 = Math.max(maxAbs(g), Number.MIN_VALUE);
  let rel = maxAbs(g) / g0;
  let it = 0;
  let cgIts = 0;
  while (rel > o.tol && it < o.maxIter) {
    await o.tick?.();
    let step: Float64Array | null = solver === 'newton' ? denseStep(pb, g, Xc, n, d, o.C) : null;
    if (!step) {
      // CG (asked for, or the dense Hessian was numerically singular), tighter as the gradient shrinks.
      const r = await cgStep(pb, g, preconditioner(pb, Xc, n, d, o.C), Math.min(0.5, Math.sqrt(rel)), Math.min(P, 1000), o.tick);
      step = r.p;
      cgIts += r.its;
    }
    removeNull(step, pb.nullVector);
    const slope = dot(g, 0, step, 0, P);
    const gMax = maxAbs(g);
    let t = 1;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      const trial = Float64Array.from(theta, (v, j) => v + t * (step[j] as number));
      const e = pb.evaluate(trial);
      // Armijo; near the optimum f no longer resolves the decrease, so a full step that lowers the gradient also counts.
      if (e.f <= f + 1e-4 * t * slope || (t === 1 && maxAbs(e.g) < gMax)) {
        theta = trial;
        f = e.f;
        g = e.g;
        accepted = true;
        break;
      }
      t /= 2;
    }
    it++;
    if (!accepted) {
      pb.evaluate(theta);
      break;
    }
    rel = maxAbs(g) / g0;
  }
  const Kw = pb.Kw;
  const weight = theta.slice(0, Kw * d);
  const bias = theta.slice(Kw * d);
  for (let k = 0; k < Kw; k++) bias[k] = (bias[k] as number) - dot(weight, k * d, mu, 0, d);
  if (K > 2) {
    // The K intercepts are defined up to a common shift: centre them (lbfgs from zero keeps Σb = 0 too).
    const m = bias.reduce((s, v) => s + v, 0) / K;
    for (let k = 0; k < K; k++) bias[k] = (bias[k] as number) - m;
  }
  return { weight, bias, iterations: it, cgIterations: cgIts, converged: rel <= o.tol, gradNorm: rel, solver };
}
