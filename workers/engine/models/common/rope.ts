import { fail } from '../../errors';

/**
 * Inverse frequencies for RoPE over `dims` rotary dimensions (HF rotate_half layout):
 * inv[i] = base^(−2i/dims), i < dims/2, then the config's `rope_scaling` applied.
 * Float64 on the host; angles are formed in f64 too and uploaded as f32 cos/sin.
 */
export function ropeInvFreq(dims: number, base: number, scaling?: Record<string, unknown>): Float64Array {
  const inv = new Float64Array(dims / 2);
  for (let i = 0; i < dims / 2; i++) inv[i] = 1 / base ** ((2 * i) / dims);
  if (!scaling) return inv;
  const type = String(scaling['rope_type'] ?? scaling['type'] ?? 'default');
  const num = (k: string): number => {
    const v = scaling[k];
    if (typeof v !== 'number') fail(`config.json: rope_scaling (${type}) needs a numeric ${k}`);
    return v;
  };
  if (type === 'default') return inv;
  if (type === 'linear') {
    const f = num('factor');
    return inv.map((x) => x / f);
  }
  if (type === 'llama3') {
    const factor = num('factor');
    const low = num('low_freq_factor');
    const high = num('high_freq_factor');
    const orig = num('original_max_position_embeddings');
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
  return fail(`config.json: rope_scaling type "${type}" is not supported (supported: default, linear, llama3)`);
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
