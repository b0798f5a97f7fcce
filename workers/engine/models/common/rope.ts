import { fail } from '../../errors';
import type { ConfigReader } from './config';

/**
 * Inverse frequencies for RoPE over `dims` rotary dimensions (HF rotate_half layout):
 * inv[i] = base^(−2i/dims), i < dims/2, then the config's `rope_scaling` applied.
 * Float64 on the host; angles are formed in f64 too and uploaded as f32 cos/sin.
 * `dims` and `base` come validated from ConfigReader (dims ≤ LIMITS.dim, base ≥ 1), the
 * scaling's values are validated here as they are read.
 */
export function ropeInvFreq(dims: number, base: number, scaling?: ConfigReader): Float64Array {
  if (!Number.isInteger(dims) || dims < 0 || dims % 2 !== 0) fail(`RoPE needs an even number of rotary dimensions, got ${dims}`);
  const inv = new Float64Array(dims / 2);
  for (let i = 0; i < dims / 2; i++) inv[i] = 1 / base ** ((2 * i) / dims);
  if (!scaling) return inv;
  const type = scaling.has('rope_type') ? scaling.str('rope_type', 'default') : scaling.str('type', 'default');
  if (type === 'default') return inv;
  if (type === 'linear') {
    const f = scaling.num('factor');
    return inv.map((x) => x / f);
  }
  // type is one of ROPE_TYPES (the reader refused anything else): llama3.
  const factor = scaling.num('factor');
  const low = scaling.num('low_freq_factor');
  const high = scaling.num('high_freq_factor');
  const orig = scaling.num('original_max_position_embeddings');
  if (!(high > low)) scaling.refuse(`${scaling.name('high_freq_factor')} (${high}) must be above ${scaling.name('low_freq_factor')} (${low}): llama3 scaling blends by (orig/wavelen − low)/(high − low)`);
  const lowWavelen = orig / low;
  const highWavelen = orig / high;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowWavelen) return f / factor;
    if (wavelen < highWavelen) return f;
    const s = (orig / wavelen - low) / (high - low);
    return (1 - s) * (f / factor) + s * f;
  });
}

/** cos and sin tables [T, dims/2] (f32) for positions 0..T−1. */
export function ropeTables(invFreq: Float64Array, positions: number): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * (invFreq[i] as number);
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  }
  return { cos, sin };
}
