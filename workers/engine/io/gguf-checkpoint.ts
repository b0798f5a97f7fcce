import { fail } from '../errors';
import { KINDS } from '../models/common/config-schema';
import type { Checkpoint } from './checkpoint';
import { readGgufHeader, type GgufFile, type GgufTensorInfo } from './gguf';
import { Meta } from './gguf-meta';
import { ggufTokenizer } from './gguf-tokenizer';
import { dequantize, GGUF_READABLE } from './gguf-types';
import type { TensorEntry } from './safetensors';
import { toFloat32 } from './dtype';
import { bufferSource, type ByteSource } from './source';

/**
 * A GGUF file as a Checkpoint in Hugging Face terms: a config.json built from the `{arch}.*`
 * keys, HF tensor names (tensor_mapping.py), q/k rows of `llama` files permuted back to HF's
 * rotate-half layout, a tokenizer.json rebuilt from `tokenizer.ggml.*`. Each tensor is read
 * and decoded only when the loader asks for it: F32/F16/BF16 stay as stored (rows permuted),
 * quantized types are dequantized to F32.
 */

const ARCHS = ['llama', 'qwen2', 'gemma2'] as const;
type Arch = (typeof ARCHS)[number];

/** The shortest decimal that is the same f32 (GGUF stores 1e-5 as 9.99999974738e-06). */
function shortestF32(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** GGUF (blk.N.*) → HF (model.layers.N.*) per tensor_mapping.py; gemma2's ffn_norm is the pre-FF norm. */
function hfName(name: string, arch: Arch): string | undefined {
  const top: Record<string, string> = { 'token_embd.weight': 'model.embed_tokens.weight', 'output_norm.weight': 'model.norm.weight', 'output.weight': 'lm_head.weight' };
  if (top[name]) return top[name];
  const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(name);
  if (!m) return undefined;
  const [, n, part, kind] = m as unknown as [string, string, string, string];
  const gemma = arch === 'gemma2';
  const map: Record<string, string> = {
    attn_norm: 'input_layernorm',
    attn_q: 'self_attn.q_proj',
    attn_k: 'self_attn.k_proj',
    attn_v: 'self_attn.v_proj',
    attn_output: 'self_attn.o_proj',
    ffn_norm: gemma ? 'pre_feedforward_layernorm' : 'post_attention_layernorm',
    ffn_gate: 'mlp.gate_proj',
    ffn_up: 'mlp.up_proj',
    ffn_down: 'mlp.down_proj',
    ...(gemma ? { post_attention_norm: 'post_attention_layernorm', post_ffw_norm: 'post_feedforward_layernorm' } : {}),
  };
  const hf = map[part];
  return hf ? `model.layers.${n}.${hf}.${kind}` : undefined;
}

/**
 * The row order that undoes llama.cpp's q/k permutation: in head h of size hd, GGUF row
 * h·hd + 2i + a holds HF row h·hd + a·hd/2 + i (a ∈ {0, 1}, i < hd/2). Returns, for each HF
 * row, the GGUF row to take.
 */
export function unpermuteRows(heads: number, hd: number): Int32Array {
  const src = new Int32Array(heads * hd);
  for (let h = 0; h < heads; h++) for (let a = 0; a < 2; a++) for (let i = 0; i < hd / 2; i++) src[h * hd + a * (hd / 2) + i] = h * hd + 2 * i + a;
  return src;
}

function reorderRows(bytes: Uint8Array, rowBytes: number, order: Int32Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let r = 0; r < order.length; r++) {
    const s = (order[r] as number) * rowBytes;
    out.set(bytes.subarray(s, s + rowBytes), r * rowBytes);
  }
  return out;
}

/** A tensor as a virtual file holding its decoded bytes (built on each read; the loader reads each once). */
export function ggufEntry(g: GgufFile, t: GgufTensorInfo, name: string, order: Int32Array | undefined, addOne: boolean): TensorEntry {
  const shape = [...t.ne].reverse();
  const elems = t.ne.reduce((a, b) => a * b, 1);
  const plain = t.type.name === 'F32' || t.type.name === 'F16' || t.type.name === 'BF16';
  const dtype = plain && !addOne ? t.type.name : 'F32';
  const size = elems * (dtype === 'F32' ? 4 : 2);
  const decode = async (): Promise<Uint8Array> => {
    if (!(GGUF_READABLE as readonly string[]).includes(t.type.name)) {
      fail(`${g.source.name}: tensor ${t.name} is ${t.type.name}, which Strata cannot dequantize (supported: ${GGUF_READABLE.join(', ')})`);
    }
    let raw = await g.source.read(t.begin, t.end);
    if (order) raw = reorderRows(raw, (t.end - t.begin) / order.length, order);
    if (!addOne && dtype === t.type.name) return raw; // F32, F16, BF16 as stored
    const f = t.type.name === 'F32' ? new Float32Array(raw.buffer, raw.byteOffset, elems) : plain ? toFloat32(raw, t.type.name as 'F16' | 'BF16') : dequantize(raw, t.type, elems);
    // Gemma GGUF norms hold 1 + w (conversion adds 1); HF holds w and the model adds 1.
    if (addOne) for (let i = 0; i < f.length; i++) f[i] = (f[i] as number) - 1;
    return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  };
  const file: ByteSource = {
    name: g.source.name,
    size,
    async read(begin, end) {
      const all = await decode();
      return begin === 0 && end === all.byteLength && all.byteOffset === 0 ? all : all.slice(begin, end);
    },
  };
  return { name, dtype, shape, begin: 0, end: size, file };
}

/** Llama 3 RoPE scaling as llama.cpp stores it: one divisor per rotary frequency, F32 [hd/2], finite and positive. */
async function readRopeFreqs(g: GgufFile, t: GgufTensorInfo, hd: number): Promise<Float64Array> {
  const f = g.source.name;
  if (t.type.name !== 'F32' || t.ne.length !== 1 || t.ne[0] !== hd / 2) fail(`${f}: rope_freqs.weight should be F32 [${hd / 2}] but is ${t.type.name} [${t.ne.join(', ')}]`);
  const raw = await g.source.read(t.begin, t.end);
  const v = Float64Array.from(new Float32Array(raw.buffer, raw.byteOffset, hd / 2));
  if (!v.every((x) => Number.isFinite(x) && x > 0)) fail(`${f}: rope_freqs.weight holds a value that is not a positive finite number`);
  return v;
}

/** Hyper-parameters from `{arch}.*` keys as the config.json an HF checkpoint of that family has. */
function configFor(m: Meta, arch: Arch, vocab: number, tied: boolean, bos: number | undefined, eos: number | undefined): Record<string, unknown> {
  const k = (s: string): string => `${arch}.${s}`;
  const d = m.num(k('embedding_length'));
  const heads = m.num(k('attention.head_count'));
  const cfg: Record<string, unknown> = {
    model_type: arch,
    hidden_size: d,
    intermediate_size: m.num(k('feed_forward_length')),
    num_hidden_layers: m.num(k('block_count')),
    num_attention_heads: heads,
    num_key_value_heads: m.num(k('attention.head_count_kv'), heads),
    vocab_size: vocab,
    rms_norm_eps: shortestF32(m.num(k('attention.layer_norm_rms_epsilon'))),
    rope_theta: shortestF32(m.num(k('rope.freq_base'), 10000)),
    tie_word_embeddings: tied,
  };
  if (m.has(k('context_length'))) cfg['max_position_embeddings'] = m.num(k('context_length'));
  if (m.has(k('attention.key_length'))) cfg['head_dim'] = m.num(k('attention.key_length'));
  if (bos !== undefined) cfg['bos_token_id'] = bos;
  if (eos !== undefined) cfg['eos_token_id'] = eos;
  const scaling = m.str(k('rope.scaling.type'));
  if (scaling === 'linear') cfg['rope_scaling'] = { rope_type: 'linear', factor: m.num(k('rope.scaling.factor')) };
  else if (scaling !== undefined && scaling !== 'none') fail(`${m.g.source.name}: rope scaling ${JSON.stringify(scaling)} in GGUF files is not supported yet`);
  if (arch === 'gemma2') {
    cfg['hidden_activation'] = 'gelu_pytorch_tanh';
    if (m.has(k('attn_logit_softcapping'))) cfg['attn_logit_softcapping'] = shortestF32(m.num(k('attn_logit_softcapping')));
    if (m.has(k('final_logit_softcapping'))) cfg['final_logit_softcapping'] = shortestF32(m.num(k('final_logit_softcapping')));
    if (m.has(k('attention.sliding_window'))) cfg['sliding_window'] = m.num(k('attention.sliding_window'));
    // llama.cpp: query_pre_attn_scalar is head_dim, except Gemma 2 27B (n_embd / n_head).
    const hd = m.num(k('attention.key_length'), d / heads);
    cfg['query_pre_attn_scalar'] = m.num(k('block_count')) === 46 ? d / heads : hd;
  } else cfg['hidden_act'] = 'silu';
  return cfg;
}

/** Opens a .gguf file as a checkpoint (headers only; tensors decode on read). */
export async function openGgufCheckpoint(src: ByteSource): Promise<Checkpoint> {
  const g = await readGgufHeader(src);
  const archName = g.metadata.get('general.architecture');
  if (typeof archName !== 'string') fail(`${src.name}: general.architecture is missing or not a string`);
  if (!(ARCHS as readonly string[]).includes(archName)) fail(`${src.name}: architecture ${JSON.stringify(archName)} is not supported for GGUF (supported: ${ARCHS.join(', ')})`);
  const arch = archName as Arch;
  const m = new Meta(g, arch);
  const byName = new Map(g.tensors.map((t) => [t.name, t] as const));
  const emb = byName.get('token_embd.weight');
  if (!emb) fail(`${src.name}: tensor token_embd.weight is missing`);
  const vocab = m.has(`${arch}.vocab_size`) ? m.num(`${arch}.vocab_size`) : (emb.ne[1] ?? 0);
  const heads = m.num(`${arch}.attention.head_count`);
  const kvHeads = m.num(`${arch}.attention.head_count_kv`, heads);
  const d = m.num(`${arch}.embedding_length`);
  const hd = m.num(`${arch}.attention.key_length`, d / heads);
  if (!Number.isInteger(hd) || hd <= 0 || hd % 2 !== 0) fail(`${src.name}: head size ${hd} (embedding_length / head_count) is not a positive even integer`);
  // The row permutations below are sized from these: the config schema's bounds first (fuzz: a flipped head_count sized a 13e9-entry array).
  for (const [k, v] of [['attention.head_count', heads], ['attention.head_count_kv', kvHeads], ['embedding_length', d], ['attention.key_length', hd]] as const) {
    if (!KINDS.dim.ok(v)) fail(`${src.name}: ${arch}.${k} is ${v}; expected ${KINDS.dim.expected} (${KINDS.dim.why})`);
  }
  const permQ = arch === 'llama' ? unpermuteRows(heads, hd) : undefined;
  const permK = arch === 'llama' ? unpermuteRows(kvHeads, hd) : undefined;

  const tensors = new Map<string, TensorEntry>();
  let ropeDivisors: Float64Array | undefined;
  for (const t of g.tensors) {
    if (t.name === 'rope_freqs.weight') {
      ropeDivisors = await readRopeFreqs(g, t, hd);
      continue;
    }
    const name = hfName(t.name, arch);
    if (!name) fail(`${src.name}: tensor ${t.name} has no Hugging Face name for ${arch} (not a llama.cpp ${arch} tensor)`);
    const isQ = /\.attn_q\.(weight|bias)$/.test(t.name);
    const isK = /\.attn_k\.(weight|bias)$/.test(t.name);
    const order = isQ ? permQ : isK ? permK : undefined;
    if (order) {
      const rows = t.ne.length === 1 ? (t.ne[0] as number) : (t.ne[1] as number);
      if (rows !== order.length) fail(`${src.name}: tensor ${t.name} has ${rows} rows but ${isQ ? 'head_count' : 'head_count_kv'} × head size is ${order.length}`);
      // A bias permutes as a column of one-element rows; whole rows keep quantized blocks intact.
      if (t.ne.length === 1 && t.type.block !== 1) fail(`${src.name}: tensor ${t.name} is a ${t.type.name} vector; q/k biases must be F32, F16 or BF16`);
    }
    const addOne = arch === 'gemma2' && /_norm\.weight$/.test(t.name);
    tensors.set(name, ggufEntry(g, t, name, order, addOne));
  }
  const tied = !byName.has('output.weight');
  const tok = ggufTokenizer(m);
  const cfg = configFor(m, arch, vocab, tied, tok?.bos, tok?.eos);
  const out: Checkpoint = { label: src.name, config: cfg, tensors, files: [src], ...(ropeDivisors ? { ropeDivisors } : {}) };
  if (tok) {
    out.tokenizerJson = bufferSource(new TextEncoder().encode(JSON.stringify(tok.json)), 'tokenizer.json');
    out.tokenizerConfig = bufferSource(new TextEncoder().encode(JSON.stringify(tok.config)), 'tokenizer_config.json');
  }
  return out;
}

