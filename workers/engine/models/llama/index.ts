import { ConfigReader } from '../common/config';
import type { LoadContext } from '../common/load-context';
import { ropeInvFreq } from '../common/rope';
import type { ArchConfig, BlockWeights, Linear, ModelWeights } from '../common/types';
import type { Family } from '../registry-types';

/**
 * Llama and its close relatives: Mistral (sliding window), Qwen2 (q/k/v biases),
 * Qwen3 (per-head q/k RMSNorm). nn.Linear layout, RMSNorm, RoPE rotate_half, SwiGLU, GQA.
 */
export function parseLlamaConfig(cfg: Record<string, unknown>, arch: string): ArchConfig {
  const c = new ConfigReader(cfg, arch);
  const d = c.int('hidden_size');
  const heads = c.int('num_attention_heads');
  const kvHeads = c.int('num_key_value_heads', heads);
  c.checkDivides(heads, 'num_attention_heads', kvHeads, 'num_key_value_heads');
  if (!c.has('head_dim')) c.checkDivides(d, 'hidden_size', heads, 'num_attention_heads');
  const headDim = c.has('head_dim') ? c.int('head_dim') : d / heads;
  const params = c.obj('rope_parameters');
  const scaling = c.obj('rope_scaling') ?? params;
  const theta = c.has('rope_theta') ? c.num('rope_theta') : typeof params?.['rope_theta'] === 'number' ? params['rope_theta'] : 10000;
  return {
    arch,
    layers: c.int('num_hidden_layers'),
    dModel: d,
    heads,
    kvHeads,
    headDim,
    vocab: c.int('vocab_size'),
    activation: 'silu',
    rotaryDims: headDim,
    invFreq: ropeInvFreq(headDim, theta, scaling),
    attnScale: 1 / Math.sqrt(headDim),
    embedScale: 1,
    parallelResidual: false,
    maxPositions: 0,
    tiedEmbeddings: c.bool('tie_word_embeddings', false),
  };
}

/** Mistral applies its window on every layer; Qwen2 only when use_sliding_window. */
function slidingWindow(cfg: Record<string, unknown>, arch: string): number | undefined {
  const w = cfg['sliding_window'];
  if (typeof w !== 'number' || w <= 0) return undefined;
  if (arch === 'qwen2' || arch === 'qwen3') return cfg['use_sliding_window'] === true ? w : undefined;
  return w;
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
  const embedHost = await ctx.host(E, [a.vocab, a.dModel]);
  const lnFinal = await ctx.rmsNorm('model.norm.weight', a.dModel, eps, normOffset);
  // Some tied checkpoints still carry lm_head.weight; it is read only when untied.
  if (a.tiedEmbeddings) return { lnFinal, unembed: ctx.unembedBlocks(embedHost, a.vocab, a.dModel, E) };
  const embed = ctx.unembedBlocks(embedHost, a.vocab, a.dModel, E);
  const unembed = ctx.unembedBlocks(await ctx.host(ctx.pick('lm_head.weight'), [a.vocab, a.dModel]), a.vocab, a.dModel, 'lm_head.weight');
  return { embed, lnFinal, unembed };
}

async function load(ctx: LoadContext, a: ArchConfig): Promise<ModelWeights> {
  const cfg = ctx.ckpt.config;
  const c = new ConfigReader(cfg, a.arch);
  const eps = c.num('rms_norm_eps', 1e-6);
  const ff = c.int('intermediate_size');
  const window = slidingWindow(cfg, a.arch);
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
  load,
};
