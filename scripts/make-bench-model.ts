/**
 * Writes a GPT-2-small-shaped checkpoint (12 layers, d 768, 12 heads, vocab 50257,
 * 1024 positions) with seeded random weights to `.bench/gpt2-small/` for `npm run bench`.
 * ~498 MB; written one tensor at a time, never held whole.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const L = 12, D = 768, H = 12, V = 50257, P = 1024;

/** xorshift32 → roughly normal via the sum of 4 uniforms (CLT); std ≈ scale. */
function filler(seed: number): (n: number, scale: number, mean?: number) => Float32Array {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  return (n, scale, mean = 0) => {
    const out = new Float32Array(n);
    const k = scale * Math.sqrt(3); // sum of 4 U(0,1) has variance 1/3
    for (let i = 0; i < n; i++) out[i] = mean + (u() + u() + u() + u() - 2) * k;
    return out;
  };
}

export function benchModelDir(): string {
  return join('.bench', 'gpt2-small');
}

export function makeBenchModel(dir = benchModelDir()): string {
  const file = join(dir, 'model.safetensors');
  if (existsSync(file) && existsSync(join(dir, 'config.json'))) return dir;
  mkdirSync(dir, { recursive: true });
  const specs: [string, number[], number, number][] = [['wte.weight', [V, D], 0.02, 0], ['wpe.weight', [P, D], 0.01, 0]];
  for (let i = 0; i < L; i++) {
    const p = `h.${i}`;
    specs.push(
      [`${p}.ln_1.weight`, [D], 0.05, 1], [`${p}.ln_1.bias`, [D], 0.02, 0],
      [`${p}.attn.c_attn.weight`, [D, 3 * D], 0.02, 0], [`${p}.attn.c_attn.bias`, [3 * D], 0.02, 0],
      [`${p}.attn.c_proj.weight`, [D, D], 0.02 / Math.sqrt(2 * L), 0], [`${p}.attn.c_proj.bias`, [D], 0.02, 0],
      [`${p}.ln_2.weight`, [D], 0.05, 1], [`${p}.ln_2.bias`, [D], 0.02, 0],
      [`${p}.mlp.c_fc.weight`, [D, 4 * D], 0.02, 0], [`${p}.mlp.c_fc.bias`, [4 * D], 0.02, 0],
      [`${p}.mlp.c_proj.weight`, [4 * D, D], 0.02 / Math.sqrt(2 * L), 0], [`${p}.mlp.c_proj.bias`, [D], 0.02, 0],
    );
  }
  specs.push(['ln_f.weight', [D], 0.05, 1], ['ln_f.bias', [D], 0.02, 0]);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'strata bench: random weights' } };
  let off = 0;
  for (const [name, shape] of specs) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let h = JSON.stringify(header);
  h += ' '.repeat((8 - (h.length % 8)) % 8);
  const fd = openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeSync(fd, len);
  writeSync(fd, Buffer.from(h));
  const fill = filler(1234);
  for (const [, shape, scale, mean] of specs) {
    const a = fill(shape.reduce((x, y) => x * y, 1), scale, mean);
    writeSync(fd, new Uint8Array(a.buffer));
  }
  closeSync(fd);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_embd: D, n_layer: L, n_head: H, n_positions: P, vocab_size: V, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' }, null, 1));
  return dir;
}

if (process.argv[1]?.endsWith('make-bench-model.ts')) console.log(makeBenchModel());
