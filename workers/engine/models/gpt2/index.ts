import type * as tf from '@tensorflow/tfjs-core';
import { parseActivation } from '../common/activation';
import { ConfigReader } from '../common/config';
import type { NumberKey } from '../common/config-schema';
import { want, type TensorExpectation, type TensorPlan } from '../common/tensor-check';
import type { LoadContext } from '../common/load-context';
import { sliceColumns } from '../common/host-slice';
import type { ArchConfig, BlockWeights, Linear, ModelWeights } from '../common/types';
import type { Family } from '../registry-types';

/**
 * GPT-2: learned positions, LayerNorm, Conv1D weights stored [in, out] (no transpose),
 * fused c_attn with columns [q | k | v], tanh GELU, unembedding tied to wte.
 * Names may carry a `transformer.` prefix (distilgpt2 and some exports): both accepted.
 */
const D_KEYS = ['n_embd', 'hidden_size'] as const satisfies NumberKey[];
const H_KEYS = ['n_head', 'num_attention_heads'] as const satisfies NumberKey[];
const L_KEYS = ['n_layer', 'num_hidden_layers'] as const satisfies NumberKey[];
const P_KEYS = ['n_positions', 'max_position_embeddings'] as const satisfies NumberKey[];

function parseConfig(c: ConfigReader): ArchConfig {
  const d = c.numOf([...D_KEYS]);
  const heads = c.numOf([...H_KEYS]);
  c.checkDivides(d, c.keyOf([...D_KEYS]), heads, c.keyOf([...H_KEYS]), 'head_dim = n_embd / n_head');
  return {
    arch: c.arch,
    layers: c.numOf([...L_KEYS]),
    dModel: d,
    heads,
    kvHeads: heads,
    headDim: d / heads,
    vocab: c.num('vocab_size'),
    activation: parseActivation(c.str('activation_function', 'gelu_new'), c.arch),
    rotaryDims: 0,
    invFreq: new Float64Array(0),
    attnScale: 1 / Math.sqrt(d / heads),
    embedScale: 1,
    parallelResidual: false,
    maxPositions: c.numOf([...P_KEYS], 1024),
    tiedEmbeddings: true,
  };
}

/** The config values `load` reads besides ArchConfig (validated when read, before any tensor). */
function settings(c: ConfigReader, d: number): { eps: number; ff: number } {
  return { eps: c.num('layer_norm_epsilon', 1e-5), ff: c.num('n_inner', 4 * d) };
}

const prefixOf = (has: (n: string) => boolean): string => (has('wte.weight') ? '' : 'transformer.');

function tensors(a: ArchConfig, c: ConfigReader, has: (n: string) => boolean): TensorPlan {
  const d = a.dModel;
  const { ff } = settings(c, d);
  const pre = prefixOf(has);
  const D: [number, string] = [d, 'n_embd'];
  const D3: [number, string] = [3 * d, '3 × n_embd'];
  const F: [number, string] = [ff, c.has('n_inner') ? 'n_inner' : '4 × n_embd'];
  const out: TensorExpectation[] = [
    want(`${pre}wte.weight`, [[a.vocab, 'vocab_size'], D]),
    // Without n_positions / max_position_embeddings the learned table's rows are the context length (-1: any).
    want(`${pre}wpe.weight`, [[c.has('n_positions') || c.has('max_position_embeddings') ? a.maxPositions : -1, c.keyOf([...P_KEYS])], D]),
    want(`${pre}ln_f.weight`, [D]), want(`${pre}ln_f.bias`, [D]),
  ];
  for (let i = 0; i < a.layers; i++) {
    const p = `${pre}h.${i}`;
    out.push(
      want(`${p}.ln_1.weight`, [D]), want(`${p}.ln_1.bias`, [D]), want(`${p}.ln_2.weight`, [D]), want(`${p}.ln_2.bias`, [D]),
      want(`${p}.attn.c_attn.weight`, [D, D3]), want(`${p}.attn.c_attn.bias`, [D3]),
      want(`${p}.attn.c_proj.weight`, [D, D]), want(`${p}.attn.c_proj.bias`, [D]),
      want(`${p}.mlp.c_fc.weight`, [D, F]), want(`${p}.mlp.c_fc.bias`, [F]),
      want(`${p}.mlp.c_proj.weight`, [F, D]), want(`${p}.mlp.c_proj.bias`, [D]),
    );
  }
  return { expected: out, layers: a.layers, layersKey: c.keyOf([...L_KEYS]), layerPattern: /^(?:transformer\.)?h\.(\d+)\./ };
}

/** c0, c0 + 1, …, c1 − 1. */
const range = (c0: number, c1: number): number[] => Array.from({ length: c1 - c0 }, (_, i) => c0 + i);

async function load(ctx: LoadContext, a: ArchConfig): Promise<ModelWeights> {
  const d = a.dModel;
  const { eps, ff } = settings(new ConfigReader(ctx.ckpt.config, a.arch, ctx.ckpt.configName ?? 'config.json', ctx.ckpt.label), d);
  const pre = prefixOf((n) => ctx.has(n));
  const n = (s: string): string => `${pre}${s}`;

  /** Conv1D: weight already [in, out] (16-bit on a packed16 device: transposed to [out, in] rows). */
  const conv = async (p: string, inDim: number, outDim: number): Promise<Linear> => (await ctx.linearPartsPacked(n(p), 'columns', outDim, inDim, [range(0, outDim)]))?.[0] ?? {
    w: await ctx.tensor2d(n(`${p}.weight`), inDim, outDim),
    b: await ctx.tensor1d(n(`${p}.bias`), outDim),
  };

  const blocks: BlockWeights[] = [];
  for (let i = 0; i < a.layers; i++) {
    const p = `h.${i}`;
    const qkv = await ctx.linearPartsPacked(n(`${p}.attn.c_attn`), 'columns', 3 * d, d, [range(0, d), range(d, 2 * d), range(2 * d, 3 * d)]);
    if (qkv) {
      const [q, k, v] = qkv as [Linear, Linear, Linear];
      blocks.push({
        ln1: await ctx.layerNorm(n(`${p}.ln_1`), d, eps), q, k, v,
        o: await conv(`${p}.attn.c_proj`, d, d),
        ln2: await ctx.layerNorm(n(`${p}.ln_2`), d, eps),
        up: await conv(`${p}.mlp.c_fc`, d, ff),
        down: await conv(`${p}.mlp.c_proj`, ff, d),
      });
      continue;
    }
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
  const unembed = await ctx.vocabMatrix(n('wte.weight'), a.vocab, d);
  const wpeRows = ctx.shape(n('wpe.weight'))[0] ?? 0;
  const posEmbed = await ctx.tensor2d(n('wpe.weight'), wpeRows, d);
  a.maxPositions = wpeRows;
  return { posEmbed, blocks, lnFinal: await ctx.layerNorm(n('ln_f'), d, eps), unembed };
}

export const gpt2: Family = { modelTypes: ['gpt2'], blockedTensors: ['wte.weight', 'transformer.wte.weight'], parseConfig, tensors, load };
