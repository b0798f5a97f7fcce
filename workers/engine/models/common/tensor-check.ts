import { fail } from '../../errors';
import type { Checkpoint } from '../../io/checkpoint';
import { printable } from '../../io/source';
import { LIMITS } from './config-schema';

/** One tensor a family will read, with the shape the config implies and where it comes from. */
export interface TensorExpectation {
  name: string;
  /** A dimension of -1 is whatever the file holds (a learned position table without n_positions). */
  shape: number[];
  /** The config keys behind each dimension, e.g. ['vocab_size', 'hidden_size']. */
  from: string[];
  /** Read only when present (optional biases, a tied model's lm_head). */
  optional?: boolean;
}

/** Helper for family tables: `want(name, [[V, 'vocab_size'], [d, 'hidden_size']])`. */
export function want(name: string, dims: [number, string][], optional = false): TensorExpectation {
  return { name, shape: dims.map(([n]) => n), from: dims.map(([, k]) => k), ...(optional ? { optional } : {}) };
}

/** What a family will read: its tensors and how to spot a layer's tensors by name. */
export interface TensorPlan {
  expected: TensorExpectation[];
  layers: number;
  /** The config key that gave `layers` (num_hidden_layers, n_layer). */
  layersKey: string;
  /** Captures the layer index of a per-layer tensor name. */
  layerPattern: RegExp;
}

/** One implied dimension as written in messages: a negative size is unconstrained, shown as *. */
const dim = (n: number): string => (n < 0 ? '*' : String(n));
const dims = (e: TensorExpectation): string => e.shape.map((n, i) => `${e.from[i]} ${dim(n)}`).join(' × ');

/**
 * Everything the config implies about the tensors, checked before a single one is read:
 * (1) sizes: each tensor under LIMITS.tensorElements and the whole model under
 * LIMITS.modelBytes as f32 — from the config's numbers alone, so an absurd config is
 * refused even when the file would also disagree; (2) presence and exact shape against
 * the headers; (3) no tensor of a layer beyond `layers` (a config that drops layers would
 * otherwise run a different model without a word).
 */
export function checkTensors(ckpt: Checkpoint, arch: string, plan: TensorPlan): void {
  const { expected, layers, layersKey, layerPattern } = plan;
  const cfg = ckpt.configName ?? 'config.json';
  let total = 0;
  for (const e of expected) {
    const n = e.shape.reduce((a, b) => a * Math.max(1, b), 1);
    if (n > LIMITS.tensorElements) {
      fail(`${cfg} (${arch}) in ${ckpt.label}: tensor ${e.name} would be ${dims(e)} = ${n} elements; at most ${LIMITS.tensorElements} fit one tensor`);
    }
    if (!e.optional) total += n * 4;
  }
  if (total > LIMITS.modelBytes) {
    fail(`${cfg} (${arch}) in ${ckpt.label}: the model it describes needs ${total} bytes as f32; Strata refuses more than ${LIMITS.modelBytes} bytes (${LIMITS.modelBytes / 2 ** 30} GiB)`);
  }
  for (const e of expected) {
    const t = ckpt.tensors.get(e.name);
    if (!t) {
      if (e.optional) continue;
      fail(`tensor ${e.name} required by ${arch} is missing from ${ckpt.label}`);
    }
    if (t.shape.length !== e.shape.length || t.shape.some((n, i) => n !== e.shape[i] && e.shape[i] !== -1)) {
      fail(`${t.file.name}: tensor ${e.name} has shape [${t.shape.join(', ')}] but ${cfg} implies [${e.shape.map(dim).join(', ')}] (${dims(e)})`);
    }
  }
  for (const name of ckpt.tensors.keys()) {
    const m = layerPattern.exec(name);
    if (m && Number(m[1]) >= layers) {
      fail(`${ckpt.tensors.get(name)?.file.name ?? ckpt.label}: tensor ${printable(name)} belongs to layer ${m[1]} but ${cfg} ${layersKey} is ${layers} (layers 0..${layers - 1})`);
    }
  }
}
