import type * as tf from '@tensorflow/tfjs-core';
import { parseActivation } from '../common/activation';
import { ConfigReader } from '../common/config';
import { gatherRows, transposeRows } from '../common/host-slice';
import type { LoadContext } from '../common/load-context';
import { ropeInvFreq } from '../common/rope';
import { want, type TensorExpectation, type TensorPlan } from '../common/tensor-check';
import type { ArchConfig, BlockWeights, Linear, ModelWeights } from '../common/types';
import type { Family } from '../registry-types';

/**
 * GPT-NeoX / Pythia: LayerNorm, fused query_key_value laid out per head
 * ([H, 3, hd] rows: q|k|v inside each head), rotary on the first rotary_pct·hd dims,
 * parallel residual x + attn(ln1(x)) + mlp(ln2(x)), untied embed_out.
 */
function parseConfig(c: ConfigReader): ArchConfig {
  const d = c.num('hidden_size');
  const heads = c.num('num_attention_heads');
  c.checkDivides(d, 'hidden_size', heads, 'num_attention_heads', 'head_dim = hidden_size / num_attention_heads');
  const hd = d / heads;
  const pct = c.num('rotary_pct', 1);
  // HF: rotary_ndims = int(head_size * rotary_pct).
  const rot = Math.floor(hd * pct);
  if (rot % 2 !== 0) c.refuse(`rotary dims ${rot} (head_dim ${hd} × rotary_pct ${pct}) must be even: RoPE rotates pairs of dimensions`);
  return {
    arch: c.arch,
    layers: c.num('num_hidden_layers'),
    dModel: d,
    heads,
    kvHeads: heads,
    headDim: hd,
    vocab: c.num('vocab_size'),
    activation: parseActivation(c.str('hidden_act', 'gelu'), c.arch),
    rotaryDims: rot,
    invFreq: ropeInvFreq(rot, c.num('rotary_emb_base', 10000), c.obj('rope_scaling')),
    attnScale: 1 / Math.sqrt(hd),
    embedScale: 1,
    parallelResidual: c.bool('use_parallel_residual', true),
    maxPositions: 0,
    tiedEmbeddings: c.bool('tie_word_embeddings', false),
  };
}

/** The config values `load` reads besides ArchConfig (validated when read, before any tensor). */
function settings(c: ConfigReader, d: number): { eps: number; ff: number } {
  return { eps: c.num('layer_norm_eps', 1e-5), ff: c.num('intermediate_size', 4 * d) };
}

function tensors(a: ArchConfig, c: ConfigReader): TensorPlan {
  const d = a.dModel;
  const { ff } = settings(c, d);
  const D: [number, string] = [d, 'hidden_size'];
  const D3: [number, string] = [3 * d, '3 × hidden_size'];
  const F: [number, string] = [ff, c.has('intermediate_size') ? 'intermediate_size' : '4 × hidden_size'];
  const VD: [number, string][] = [[a.vocab, 'vocab_size'], D];
  const ln = (p: string): TensorExpectation[] => [want(`${p}.weight`, [D]), want(`${p}.bias`, [D])];
  const out: TensorExpectation[] = [want('gpt_neox.embed_in.weight', VD), ...ln('gpt_neox.final_layer_norm'), ...(a.tiedEmbeddings ? [] : [want('embed_out.weight', VD)])];
  for (let i = 0; i < a.layers; i++) {
    const p = `gpt_neox.layers.${i}`;
    out.push(
      ...ln(`${p}.input_layernorm`), ...ln(`${p}.post_attention_layernorm`),
      want(`${p}.attention.query_key_value.weight`, [D3, D]), want(`${p}.attention.query_key_value.bias`, [D3]),
      want(`${p}.attention.dense.weight`, [D, D]), want(`${p}.attention.dense.bias`, [D]),
      want(`${p}.mlp.dense_h_to_4h.weight`, [F, D]), want(`${p}.mlp.dense_h_to_4h.bias`, [F]),
      want(`${p}.mlp.dense_4h_to_h.weight`, [D, F]), want(`${p}.mlp.dense_4h_to_h.bias`, [D]),
    );
  }
  return { expected: out, layers: a.layers, layersKey: 'num_hidden_layers', layerPattern: /^gpt_neox\.layers\.(\d+)\./ };
}

async function load(ctx: LoadContext, a: ArchConfig): Promise<ModelWeights> {
  const { dModel: d, heads: H, headDim: hd } = a;
  const { eps, ff } = settings(new ConfigReader(ctx.ckpt.config, a.arch, ctx.ckpt.configName ?? 'config.json', ctx.ckpt.label), d);
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < a.layers; i++) {
    const p = `gpt_neox.layers.${i}`;
    // Output row of (head h, part j, dim e) is h·3·hd + j·hd + e.
    const rowsOf = (j: number): number[] => Array.from({ length: H * hd }, (_, r) => Math.floor(r / hd) * 3 * hd + j * hd + (r % hd));
    const qkv = await ctx.linearPartsPacked(`${p}.attention.query_key_value`, 'rows', 3 * d, d, [rowsOf(0), rowsOf(1), rowsOf(2)]);
    if (qkv) {
      const [q, k, v] = qkv as [Linear, Linear, Linear];
      blocks.push({
        ln1: await ctx.layerNorm(`${p}.input_layernorm`, d, eps), q, k, v,
        o: await ctx.linear(`${p}.attention.dense`, d, d, 'yes'),
        ln2: await ctx.layerNorm(`${p}.post_attention_layernorm`, d, eps),
        up: await ctx.linear(`${p}.mlp.dense_h_to_4h`, d, ff, 'yes'),
        down: await ctx.linear(`${p}.mlp.dense_4h_to_h`, ff, d, 'yes'),
      });
      continue;
    }
    const w = await ctx.host(`${p}.attention.query_key_value.weight`, [3 * d, d]);
    const bias = await ctx.host(`${p}.attention.query_key_value.bias`, [3 * d]);
    const part = (j: number, what: string): Linear => ({
      w: ctx.upload<tf.Rank.R2>(transposeRows(gatherRows(w, d, rowsOf(j)), d), [d, d], `${p}.attention.query_key_value.weight[${what}]`),
      b: ctx.upload<tf.Rank.R1>(gatherRows(bias, 1, rowsOf(j)), [d], `${p}.attention.query_key_value.bias[${what}]`),
    });
    blocks.push({
      ln1: await ctx.layerNorm(`${p}.input_layernorm`, d, eps),
      q: part(0, 'q'),
      k: part(1, 'k'),
      v: part(2, 'v'),
      o: await ctx.linear(`${p}.attention.dense`, d, d, 'yes'),
      ln2: await ctx.layerNorm(`${p}.post_attention_layernorm`, d, eps),
      up: await ctx.linear(`${p}.mlp.dense_h_to_4h`, d, ff, 'yes'),
      down: await ctx.linear(`${p}.mlp.dense_4h_to_h`, ff, d, 'yes'),
    });
  }
  const lnFinal = await ctx.layerNorm('gpt_neox.final_layer_norm', d, eps);
  const E = 'gpt_neox.embed_in.weight';
  if (a.tiedEmbeddings) return { blocks, lnFinal, unembed: await ctx.vocabMatrix(E, a.vocab, d) };
  const embed = await ctx.vocabMatrix(E, a.vocab, d);
  return { embed, blocks, lnFinal, unembed: await ctx.vocabMatrix('embed_out.weight', a.vocab, d) };
}

export const neox: Family = { modelTypes: ['gpt_neox'], blockedTensors: ['gpt_neox.embed_in.weight', 'embed_out.weight'], parseConfig, tensors, load };
