import { parseActivation } from '../common/activation';
import { ConfigReader } from '../common/config';
import type { LoadContext } from '../common/load-context';
import { ropeInvFreq } from '../common/rope';
import { want, type TensorExpectation, type TensorPlan } from '../common/tensor-check';
import type { ArchConfig, BlockWeights, Linear, ModelWeights } from '../common/types';
import type { Family } from '../registry-types';

/**
 * Llama and its close relatives: Mistral (sliding window), Qwen2 (q/k/v biases),
 * Qwen3 (per-head q/k RMSNorm). nn.Linear layout, RMSNorm, RoPE rotate_half, SwiGLU, GQA.
 */
export function parseLlamaConfig(c: ConfigReader): ArchConfig {
  const { heads, kvHeads, headDim, d } = attentionShape(c);
  const params = c.obj('rope_parameters');
  const scaling = c.obj('rope_scaling') ?? params;
  const theta = c.has('rope_theta') ? c.num('rope_theta') : (params?.num('rope_theta', 10000) ?? 10000);
  return {
    arch: c.arch,
    layers: c.num('num_hidden_layers'),
    dModel: d,
    heads,
    kvHeads,
    headDim,
    vocab: c.num('vocab_size'),
    activation: parseActivation(c.str('hidden_act', 'silu'), c.arch),
    rotaryDims: headDim,
    invFreq: ropeInvFreq(headDim, theta, scaling),
    attnScale: 1 / Math.sqrt(headDim),
    embedScale: 1,
    parallelResidual: false,
    maxPositions: 0,
    tiedEmbeddings: c.bool('tie_word_embeddings', false),
  };
}

/**
 * Heads, key/value heads and head_dim of an HF decoder (Llama, Gemma), consistency checked:
 * GQA groups divide evenly, head_dim defaults to hidden_size / heads only when that is an
 * integer, and RoPE needs an even head_dim.
 */
export function attentionShape(c: ConfigReader): { d: number; heads: number; kvHeads: number; headDim: number } {
  const d = c.num('hidden_size');
  const heads = c.num('num_attention_heads');
  const kvHeads = c.num('num_key_value_heads', heads);
  c.checkDivides(heads, 'num_attention_heads', kvHeads, 'num_key_value_heads', 'each key/value head serves a whole group of query heads');
  if (!c.has('head_dim')) c.checkDivides(d, 'hidden_size', heads, 'num_attention_heads', 'without head_dim, head_dim = hidden_size / num_attention_heads');
  const headDim = c.num('head_dim', d / heads);
  if (headDim % 2 !== 0) c.refuse(`head_dim ${headDim} is odd; RoPE rotates pairs of dimensions, so it must be even`);
  return { d, heads, kvHeads, headDim };
}

/** The config values `load` reads besides ArchConfig (validated when read, before any tensor). */
function settings(c: ConfigReader): { eps: number; ff: number; window: number | undefined } {
  return { eps: c.num('rms_norm_eps', 1e-6), ff: c.num('intermediate_size'), window: slidingWindow(c) };
}

/** Mistral applies its window on every layer; Qwen2 only when use_sliding_window. 0 or null: none. */
function slidingWindow(c: ConfigReader): number | undefined {
  const w = c.num('sliding_window', 0);
  if (w === 0) return undefined;
  if (c.arch === 'qwen2' || c.arch === 'qwen3') return c.bool('use_sliding_window', false) ? w : undefined;
  return w;
}

/** q/k/v/o of `model.layers.N.self_attn` as the config implies them (shared with Gemma). */
export function hfAttentionTensors(p: string, a: ArchConfig, has: (n: string) => boolean): TensorExpectation[] {
  const { dModel: d, heads: H, kvHeads: KV, headDim: hd } = a;
  const D: [number, string] = [d, 'hidden_size'];
  const q: [number, string] = [H * hd, 'num_attention_heads × head_dim'];
  const kv: [number, string] = [KV * hd, 'num_key_value_heads × head_dim'];
  const proj = (n: string, out: [number, string], inp: [number, string]): TensorExpectation[] => [
    want(`${p}.self_attn.${n}.weight`, [out, inp]),
    ...(has(`${p}.self_attn.${n}.bias`) ? [want(`${p}.self_attn.${n}.bias`, [out])] : []),
  ];
  return [...proj('q_proj', q, D), ...proj('k_proj', kv, D), ...proj('v_proj', kv, D), ...proj('o_proj', D, q)];
}

export function hfMlpTensors(p: string, d: number, ff: number): TensorExpectation[] {
  const D: [number, string] = [d, 'hidden_size'];
  const F: [number, string] = [ff, 'intermediate_size'];
  return [want(`${p}.mlp.gate_proj.weight`, [F, D]), want(`${p}.mlp.up_proj.weight`, [F, D]), want(`${p}.mlp.down_proj.weight`, [D, F])];
}

/** Embedding, final norm and (untied) lm_head of HF decoders. */
export function hfEndTensors(a: ArchConfig): TensorExpectation[] {
  const VD: [number, string][] = [[a.vocab, 'vocab_size'], [a.dModel, 'hidden_size']];
  return [
    want('model.embed_tokens.weight', VD),
    want('model.norm.weight', [[a.dModel, 'hidden_size']]),
    ...(a.tiedEmbeddings ? [] : [want('lm_head.weight', VD)]),
  ];
}

export const HF_LAYER = /^model\.layers\.(\d+)\./;

function tensors(a: ArchConfig, c: ConfigReader, has: (n: string) => boolean): TensorPlan {
  const { ff } = settings(c);
  const out: TensorExpectation[] = hfEndTensors(a);
  const D: [number, string] = [a.dModel, 'hidden_size'];
  const hd: [number, string] = [a.headDim, 'head_dim'];
  for (let i = 0; i < a.layers; i++) {
    const p = `model.layers.${i}`;
    out.push(want(`${p}.input_layernorm.weight`, [D]), want(`${p}.post_attention_layernorm.weight`, [D]), ...hfAttentionTensors(p, a, has), ...hfMlpTensors(p, a.dModel, ff));
    if (a.arch === 'qwen3' || has(`${p}.self_attn.q_norm.weight`)) out.push(want(`${p}.self_attn.q_norm.weight`, [hd]), want(`${p}.self_attn.k_norm.weight`, [hd]));
  }
  return { expected: out, layers: a.layers, layersKey: 'num_hidden_layers', layerPattern: HF_LAYER };
}

/** The HF `model.layers.N.self_attn.*` projections shared by Llama and Gemma. */
export async function loadHfAttention(ctx: LoadContext, p: string, a: ArchConfig): Promise<Pick<BlockWeights, 'q' | 'k' | 'v' | 'o'>> {
  const { dModel: d, heads, kvHeads, headDim: hd } = a;
  return {
    q: await ctx.linear(`${p}.self_attn.q_proj`, d, heads * hd, 'if-present'),
    k: await ctx.linear(`${p}.self_attn.k_proj`, d, kvHeads * hd, 'if-present'),
    v: await ctx.linear(`${p}.self_attn.v_proj`, d, kvHeads * hd, 'if-present'),
    o: await ctx.linear(`${p}.self_attn.o_proj`, heads * hd, d, 'if-present'),
  };
}

export async function loadHfGatedMlp(ctx: LoadContext, p: string, d: number, ff: number): Promise<{ gate: Linear; up: Linear; down: Linear }> {
  return {
    gate: await ctx.linear(`${p}.mlp.gate_proj`, d, ff, 'no'),
    up: await ctx.linear(`${p}.mlp.up_proj`, d, ff, 'no'),
    down: await ctx.linear(`${p}.mlp.down_proj`, ff, d, 'no'),
  };
}

/** Embedding, final norm and (tied or untied) unembedding of HF decoder-only models. */
export async function loadHfEnds(ctx: LoadContext, a: ArchConfig, eps: number, normOffset: number): Promise<Pick<ModelWeights, 'embed' | 'lnFinal' | 'unembed'>> {
  const E = 'model.embed_tokens.weight';
  const embedBlocks = await ctx.vocabMatrix(E, a.vocab, a.dModel);
  const lnFinal = await ctx.rmsNorm('model.norm.weight', a.dModel, eps, normOffset);
  // Some tied checkpoints still carry lm_head.weight; it is read only when untied.
  if (a.tiedEmbeddings) return { lnFinal, unembed: embedBlocks };
  const unembed = await ctx.vocabMatrix(ctx.pick('lm_head.weight'), a.vocab, a.dModel);
  return { embed: embedBlocks, lnFinal, unembed };
}

async function load(ctx: LoadContext, a: ArchConfig): Promise<ModelWeights> {
  const { eps, ff, window } = settings(new ConfigReader(ctx.ckpt.config, a.arch, ctx.ckpt.configName ?? 'config.json', ctx.ckpt.label));
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < a.layers; i++) {
    const p = `model.layers.${i}`;
    const b: BlockWeights = {
      ln1: await ctx.rmsNorm(`${p}.input_layernorm.weight`, a.dModel, eps),
      ...(await loadHfAttention(ctx, p, a)),
      ln2: await ctx.rmsNorm(`${p}.post_attention_layernorm.weight`, a.dModel, eps),
      ...(await loadHfGatedMlp(ctx, p, a.dModel, ff)),
    };
    if (a.arch === 'qwen3' || ctx.has(`${p}.self_attn.q_norm.weight`)) {
      b.qNorm = await ctx.rmsNorm(`${p}.self_attn.q_norm.weight`, a.headDim, eps);
      b.kNorm = await ctx.rmsNorm(`${p}.self_attn.k_norm.weight`, a.headDim, eps);
    }
    if (window !== undefined) b.slidingWindow = window;
    blocks.push(b);
  }
  return { ...(await loadHfEnds(ctx, a, eps, 0)), blocks };
}

export const llama: Family = {
  modelTypes: ['llama', 'mistral', 'qwen2', 'qwen3'],
  blockedTensors: ['model.embed_tokens.weight', 'lm_head.weight'],
  parseConfig: parseLlamaConfig,
  tensors,
  load,
};
