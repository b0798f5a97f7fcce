/**
 * `npx tsx scripts/make-large-bf16.ts [qwen2.5-0.5b|llama-3.2-1b ...]`: random BF16 checkpoints
 * shaped like Qwen2.5-0.5B (vocab 151 936, 24 layers, d 896, 14 heads / 2 kv, inter 4864, tied,
 * q/k/v biases) and Llama-3.2-1B (vocab 128 256, 16 layers, d 2048, 32 heads / 8 kv, inter
 * 8192, tied, llama3 rope_scaling), into .bench/<name>/ (config.json + model.safetensors; not
 * committed). The file is written tensor by tensor in 16 MiB chunks, never whole in memory.
 * Values: matrices and biases ±2^e·(1 + m/128), e ∈ [−8, −5], m and the sign uniform (a
 * seeded xorshift), norms exactly 1. Only the shapes matter: the bench times load and forward.
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

interface Shape { name: string; vocab: number; layers: number; d: number; heads: number; kv: number; headDim: number; inter: number; bias: boolean; config: Record<string, unknown> }

export const LARGE: Record<string, Shape> = {
  'qwen2.5-0.5b': {
    name: 'qwen2.5-0.5b', vocab: 151936, layers: 24, d: 896, heads: 14, kv: 2, headDim: 64, inter: 4864, bias: true,
    config: { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', rope_theta: 1000000.0, rms_norm_eps: 1e-6, max_position_embeddings: 32768, hidden_act: 'silu', tie_word_embeddings: true, torch_dtype: 'bfloat16', bos_token_id: 151643, eos_token_id: 151643 },
  },
  'llama-3.2-1b': {
    name: 'llama-3.2-1b', vocab: 128256, layers: 16, d: 2048, heads: 32, kv: 8, headDim: 64, inter: 8192, bias: false,
    config: {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', rope_theta: 500000.0, rms_norm_eps: 1e-5, max_position_embeddings: 131072, hidden_act: 'silu', tie_word_embeddings: true, torch_dtype: 'bfloat16',
      attention_bias: false, mlp_bias: false, bos_token_id: 128000, eos_token_id: 128001,
      rope_scaling: { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 },
    },
  },
};

function tensors(s: Shape): { name: string; shape: number[]; kind: 'rand' | 'one' }[] {
  const out: { name: string; shape: number[]; kind: 'rand' | 'one' }[] = [{ name: 'model.embed_tokens.weight', shape: [s.vocab, s.d], kind: 'rand' }];
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}`;
    out.push({ name: `${p}.input_layernorm.weight`, shape: [s.d], kind: 'one' });
    for (const [n, rows] of [['q', s.heads * s.headDim], ['k', s.kv * s.headDim], ['v', s.kv * s.headDim]] as const) {
      out.push({ name: `${p}.self_attn.${n}_proj.weight`, shape: [rows, s.d], kind: 'rand' });
      if (s.bias) out.push({ name: `${p}.self_attn.${n}_proj.bias`, shape: [rows], kind: 'rand' });
    }
    out.push({ name: `${p}.self_attn.o_proj.weight`, shape: [s.d, s.heads * s.headDim], kind: 'rand' });
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [s.d], kind: 'one' });
    out.push({ name: `${p}.mlp.gate_proj.weight`, shape: [s.inter, s.d], kind: 'rand' });
    out.push({ name: `${p}.mlp.up_proj.weight`, shape: [s.inter, s.d], kind: 'rand' });
    out.push({ name: `${p}.mlp.down_proj.weight`, shape: [s.d, s.inter], kind: 'rand' });
  }
  out.push({ name: 'model.norm.weight', shape: [s.d], kind: 'one' });
  return out;
}

const CHUNK = 8 << 20; // values per write (16 MiB)

/** Writes .bench/<name>/ unless a complete model.safetensors is already there; returns the folder. */
export function makeLarge(key: string, root = '.bench'): string {
  const s = LARGE[key];
  if (!s) throw new Error(`unknown shape ${key}; expected one of ${Object.keys(LARGE).join(', ')}`);
  const dir = join(root, s.name);
  mkdirSync(dir, { recursive: true });
  const list = tensors(s);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'random weights, shapes only (scripts/make-large-bf16.ts)' } };
  let off = 0;
  for (const t of list) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const total = 8 + json.length + off;
  const file = join(dir, 'model.safetensors');
  const config = { ...s.config, vocab_size: s.vocab, hidden_size: s.d, intermediate_size: s.inter, num_hidden_layers: s.layers, num_attention_heads: s.heads, num_key_value_heads: s.kv, head_dim: s.headDim };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  if (existsSync(file) && statSync(file).size === total) return dir;
  const fd = openSync(file, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json, 'ascii'));
    const buf = new Uint16Array(CHUNK);
    let x = 0x9e3779b9;
    for (const t of list) {
      let left = t.shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(left, CHUNK);
        if (t.kind === 'one') buf.fill(0x3f80, 0, n);
        else {
          for (let i = 0; i < n; i++) {
            x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
            // sign | exponent 119..122 (2^-8..2^-5) | 7 mantissa bits
            buf[i] = ((x >>> 31) << 15) | ((119 + ((x >>> 7) & 3)) << 7) | (x & 0x7f);
          }
        }
        writeSync(fd, new Uint8Array(buf.buffer, 0, n * 2));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  return dir;
}

if (process.argv[1]?.endsWith('make-large-bf16.ts')) {
  const keys = process.argv.slice(2);
  for (const k of keys.length ? keys : Object.keys(LARGE)) {
    const t0 = performance.now();
    const dir = makeLarge(k);
    console.log(`${dir}: ${(statSync(join(dir, 'model.safetensors')).size / 2 ** 30).toFixed(2)} GiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}
