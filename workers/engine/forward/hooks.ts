import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../../src/contracts/run';
import { fail } from '../errors';
import { linearDims } from '../models/common/ops';
import type { LoadedModel } from '../models/common/types';

/**
 * TransformerLens hook names, per step of the path. Shapes (T positions, H heads,
 * KV key/value heads, hd head dim, d width, ff MLP width):
 *   hook_embed, hook_pos_embed, blocks.{s}.hook_resid_pre / hook_attn_out /
 *   hook_resid_mid / hook_mlp_out / hook_resid_post, ln1/ln2.hook_normalized,
 *   ln_final.hook_normalized: [T, d]
 *   attn.hook_q, attn.hook_z: [T, H, hd]; attn.hook_k, attn.hook_v: [T, KV, hd]
 *   attn.hook_attn_scores, attn.hook_pattern: [H, T(query), T(key)]
 *   mlp.hook_post: [T, ff]
 * resid_pre + attn_out = resid_mid and resid_mid + mlp_out = resid_post hold for
 * every family; with a parallel residual (GPT-NeoX) the MLP reads resid_pre, not resid_mid.
 * hook_q/hook_k are taken after the per-head q/k norms and before RoPE.
 */
export const BLOCK_HOOKS = [
  'hook_resid_pre', 'ln1.hook_normalized', 'attn.hook_q', 'attn.hook_k', 'attn.hook_v',
  'attn.hook_attn_scores', 'attn.hook_pattern', 'attn.hook_z', 'hook_attn_out', 'hook_resid_mid',
  'ln2.hook_normalized', 'mlp.hook_post', 'hook_mlp_out', 'hook_resid_post',
] as const;
export const GLOBAL_HOOKS = ['hook_embed', 'hook_pos_embed', 'ln_final.hook_normalized'] as const;

/**
 * Width of a block hook's tensor with its head axes flattened, [T, width]: H·hd (hook_q, hook_z),
 * KV·hd (hook_k, hook_v), the MLP width of the layer step s runs (mlp.hook_post), else d.
 */
export function hookWidth(model: LoadedModel, hook: string, path: number[]): number {
  const a = model.arch;
  if (/attn\.hook_[qz]$/.test(hook)) return a.heads * a.headDim;
  if (/attn\.hook_[kv]$/.test(hook)) return a.kvHeads * a.headDim;
  if (hook.endsWith('mlp.hook_post')) {
    const step = Number(hook.split('.')[1]);
    const up = model.weights.blocks[path[step] as number]?.up;
    return up ? linearDims(up)[1] : 0;
  }
  return a.dModel;
}

/** Which axis of a hook's tensor is position and which is head (if any). */
function axesOf(hook: string): { pos: number; head?: number } {
  if (hook.endsWith('hook_pattern') || hook.endsWith('hook_attn_scores')) return { pos: 1, head: 0 };
  if (/attn\.hook_[qkvz]$/.test(hook)) return { pos: 0, head: 1 };
  return { pos: 0 };
}

/** Checks a hook name against the path length; returns it unchanged. `*` stands for any step. */
export function checkHookName(name: string, steps: number): string {
  if ((GLOBAL_HOOKS as readonly string[]).includes(name)) return name;
  const m = /^blocks\.(\d+|\*)\.(.+)$/.exec(name);
  if (!m || !(BLOCK_HOOKS as readonly string[]).includes(m[2] as string)) {
    fail(`unknown hook "${name}" (hooks: ${GLOBAL_HOOKS.join(', ')}, blocks.{step}.{${BLOCK_HOOKS.join(', ')}})`);
  }
  if (m[1] !== '*' && Number(m[1]) >= steps) fail(`hook "${name}" names step ${m[1]} but the path has ${steps} steps`);
  return name;
}

/** A predicate over concrete hook names from a list that may hold `blocks.*.x` patterns. */
export function hookMatcher(patterns: string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const wild = patterns.filter((p) => p.includes('*')).map((p) => p.replace('blocks.*.', ''));
  return (name) => exact.has(name) || wild.some((w) => name.startsWith('blocks.') && name.endsWith(`.${w}`) && name.split('.').length === w.split('.').length + 2);
}

function maskFor(shape: number[], hook: string, iv: Intervention): tf.Tensor {
  const { pos, head } = axesOf(hook);
  const T = shape[pos] as number;
  if (iv.heads && head === undefined) fail(`intervention on ${hook}: this hook has no head axis, so "heads" cannot be given`);
  for (const p of iv.positions ?? []) if (!Number.isInteger(p) || p < 0 || p >= T) fail(`intervention on ${hook}: position ${p} is outside 0..${T - 1}`);
  const H = head === undefined ? 1 : (shape[head] as number);
  for (const h of iv.heads ?? []) if (!Number.isInteger(h) || h < 0 || h >= H) fail(`intervention on ${hook}: head ${h} is outside 0..${H - 1}`);
  // Broadcastable mask: full length on the position and head axes, 1 elsewhere.
  const mshape = shape.map((d, i) => (i === pos || i === head ? d : 1));
  const m = new Float32Array(mshape.reduce((a, b) => a * b, 1));
  const posSet = iv.positions ? new Set(iv.positions) : undefined;
  const headSet = iv.heads ? new Set(iv.heads) : undefined;
  for (let p = 0; p < T; p++) {
    if (posSet && !posSet.has(p)) continue;
    for (let h = 0; h < H; h++) {
      if (headSet && !headSet.has(h)) continue;
      // Only pos and head axes are longer than 1, so the flat index is their strided offset.
      const idx = head === undefined ? p : head < pos ? h * T + p : p * H + h;
      m[idx] = 1;
    }
  }
  return tf.tensor(m, mshape);
}

/**
 * The intervention's value as a tensor broadcastable to the hook: the full hook shape,
 * the hook shape without its position axis (one value for every position), or a vector
 * over the last axis.
 */
function valueFor(shape: number[], hook: string, iv: Intervention): tf.Tensor {
  const v = iv.value;
  if (!v) fail(`intervention "${iv.kind}" on ${hook} needs a value`);
  const { pos } = axesOf(hook);
  const last = shape[shape.length - 1];
  const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  const perPosition = shape.filter((_, i) => i !== pos);
  if (v.data.length !== v.shape.reduce((a, b) => a * b, 1)) fail(`intervention on ${hook}: value data length ${v.data.length} does not match its shape [${v.shape.join(', ')}]`);
  if (same(v.shape, shape) || (v.shape.length === 1 && v.shape[0] === last)) return tf.tensor(v.data, v.shape);
  if (same(v.shape, perPosition)) return tf.tensor(v.data, shape.map((d, i) => (i === pos ? 1 : d)));
  return fail(`intervention on ${hook}: value has shape [${v.shape.join(', ')}] but the hook is [${shape.join(', ')}] (give the full shape, [${perPosition.join(', ')}] for every position, or a vector of ${last})`);
}

/** Computes an SAE splice's replacement of a hook (artifacts/sae-splice.ts; the run's registry resolves the SAE). */
export type SaeSplicer = (x: tf.Tensor, hook: string, iv: Intervention) => tf.Tensor;

/** Applies this run's interventions at one hook, in the order given. */
export function intervene(x: tf.Tensor, hook: string, ivs: Intervention[], splice?: SaeSplicer): tf.Tensor {
  return tf.tidy(() => {
    let y = x;
    for (const iv of ivs) {
      const mask = maskFor(y.shape, hook, iv);
      if (iv.kind === 'sae') {
        if (!splice) fail(`intervention on ${hook}: an SAE splice needs a run of the engine's registry (this forward has no SAEs)`);
        y = tf.add(tf.mul(y, tf.sub(1, mask)), tf.mul(splice(y, hook, iv), mask));
        continue;
      }
      if (iv.kind === 'add') {
        y = tf.add(y, tf.mul(valueFor(y.shape, hook, iv), mask));
        continue;
      }
      const repl = iv.kind === 'zero' ? tf.zerosLike(y) : iv.kind === 'mean' && !iv.value ? tf.mean(y, axesOf(hook).pos, true) : valueFor(y.shape, hook, iv);
      y = tf.add(tf.mul(y, tf.sub(1, mask)), tf.mul(repl, mask));
    }
    return y;
  });
}
