import type * as tf from '@tensorflow/tfjs-core';
import { parseActivation } from '../common/activation';
import { ConfigReader } from '../common/config';
import type { LoadContext } from '../common/load-context';
import { sliceColumns } from '../common/host-slice';
import type { ArchConfig, BlockWeights, Linear, ModelWeights } from '../common/types';
import type { Family } from '../registry-types';

/**
 * GPT-2: learned positions, LayerNorm, Conv1D weights stored [in, out] (no transpose),
 * fused c_attn with columns [q | k | v], tanh GELU, unembedding tied to wte.
 * Names may carry a `transformer.` prefix (distilgpt2 and some exports): both accepted.
 */
function parseConfig(cfg: Record<string, unknown>, arch: string): ArchConfig {
  const c = new ConfigReader(cfg, arch);
  const d = c.intOf(['n_embd', 'hidden_size']);
  const heads = c.intOf(['n_head', 'num_attention_heads']);
  c.checkDivides(d, 'n_embd', heads, 'n_head');
  return {
    arch,
    layers: c.intOf(['n_layer', 'num_hidden_layers']),
    dModel: d,
    heads,
    kvHeads: heads,
    headDim: d / heads,
    vocab: c.int('vocab_size'),
    activation: parseActivation(c.str('activation_function', 'gelu_new'), arch),
    rotaryDims: 0,
    invFreq: new Float64Array(0),
    attnScale: 1 / Math.sqrt(d / heads),
    embedScale: 1,
    parallelResidual: false,
    maxPositions: c.intOf(['n_positions', 'max_position_embeddings'], 1024),
    tiedEmbeddings: true,
  };
}

async function load(ctx: LoadContext, a: ArchConfig): Promise<ModelWeights> {
  const c = new ConfigReader(ctx.ckpt.config, a.arch);
  const eps = c.num('layer_norm_epsilon', 1e-5);
  const d = a.dModel;
  const ff = c.has('n_inner') ? c.int('n_inner') : 4 * d;
  const pre = ctx.has('wte.weight') ? '' : 'transformer.';
  const n = (s: string): string => `${pre}${s}`;

  /** Conv1D: weight already [in, out]. */
  const conv = async (p: string, inDim: number, outDim: number): Promise<Linear> => ({
    w: await ctx.tensor2d(n(`${p}.weight`), inDim, outDim),
    b: await ctx.tensor1d(n(`${p}.bias`), outDim),
  });

  const blocks: BlockWeights[] = [];
  for (let i = 0; i < a.layers; i++) {
    const p = `h.${i}`;
    const w = await ctx.host(n(`${p}.attn.c_attn.weight`), [d, 3 * d]);
    const bias = await ctx.host(n(`${p}.attn.c_attn.bias`), [3 * d]);
    const part = (j: number, what: string): Linear => ({
      w: ctx.upload<tf.Rank.R2>(sliceColumns(w, d, 3 * d, j * d, (j + 1) * d), [d, d], n(`${p}.attn.c_attn.weight[${what}]`)),
        b: ctx.upload<tf.Rank.R1>(bias.slice(j * d, (j + 1) * d), [d], n(`${p}.attn.c_attn.bias[${what}]`)),
    });
    blocks.push({
      ln1: await ctx.layerNorm(n(`${p}.ln_1`), d, eps),
      q: part(0, 'q'),
      k: part(1, 'k'),
      v: part(2, 'v'),
      o: await conv(`${p}.attn.c_proj`, d, d),
      ln2: await ctx.layerNorm(n(`${p}.ln_2`), d, eps),
      up: await conv(`${p}.mlp.c_fc`, d, ff),
      down: await conv(`${p}.mlp.c_proj`, ff, d),
    });
  }
  const unembed = ctx.unembedBlocks(await ctx.host(n('wte.weight'), [a.vocab, d]), a.vocab, d, n('wte.weight'));
  const wpeRows = ctx.shape(n('wpe.weight'))[0] ?? 0;
  const posEmbed = await ctx.tensor2d(n('wpe.weight'), wpeRows, d);
  a.maxPositions = wpeRows;
  return { posEmbed, blocks, lnFinal: await ctx.layerNorm(n('ln_f'), d, eps), unembed };
}

export const gpt2: Family = { modelTypes: ['gpt2'], blockedTensors: ['wte.weight', 'transformer.wte.weight'], parseConfig, load };
