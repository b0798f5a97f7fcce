import { fail } from '../../errors';
import { parseActivation } from '../common/activation';
import { ConfigReader } from '../common/config';
import type { LoadContext } from '../common/load-context';
import { ropeInvFreq } from '../common/rope';
import { want, type TensorExpectation, type TensorPlan } from '../common/tensor-check';
import type { ArchConfig, BlockWeights, ModelWeights } from '../common/types';
import { attentionShape, HF_LAYER, hfAttentionTensors, hfEndTensors, hfMlpTensors, loadHfAttention, loadHfEnds, loadHfGatedMlp } from '../llama/index';
import type { Family } from '../registry-types';

/**
 * Gemma and Gemma 2: RMSNorm scales by (1 + w), embeddings × sqrt(d), GELU-tanh MLP,
 * tied embeddings. Gemma 2 adds sandwich norms around attention and MLP, attention
 * scale query_pre_attn_scalar^-0.5, soft-capped scores and logits, and a sliding
 * window on even layers.
 */
function parseConfig(c: ConfigReader): ArchConfig {
  const arch = c.arch;
  const { d, heads, kvHeads, headDim } = attentionShape(c);
  const v2 = arch === 'gemma2';
  const a: ArchConfig = {
    arch,
    layers: c.num('num_hidden_layers'),
    dModel: d,
    heads,
    kvHeads,
    headDim,
    vocab: c.num('vocab_size'),
    // HF Gemma ignores hidden_act and uses the tanh GELU unless hidden_activation says otherwise.
    activation: parseActivation(c.str('hidden_activation', 'gelu_pytorch_tanh'), arch),
    rotaryDims: headDim,
    invFreq: ropeInvFreq(headDim, c.num('rope_theta', 10000), c.obj('rope_scaling')),
    attnScale: v2 ? c.num('query_pre_attn_scalar', headDim) ** -0.5 : 1 / Math.sqrt(headDim),
    embedScale: Math.sqrt(d),
    parallelResidual: false,
    maxPositions: 0,
    tiedEmbeddings: c.bool('tie_word_embeddings', true),
  };
  if (v2) {
    if (c.has('attn_logit_softcapping')) a.attnSoftcap = c.num('attn_logit_softcapping');
    if (c.has('final_logit_softcapping')) a.finalSoftcap = c.num('final_logit_softcapping');
  }
  return a;
}

/** The config values `load` reads besides ArchConfig (validated when read, before any tensor). */
function settings(c: ConfigReader): { eps: number; ff: number; window: number | undefined } {
  const window = c.arch === 'gemma2' ? c.num('sliding_window', 0) : 0;
  return { eps: c.num('rms_norm_eps', 1e-6), ff: c.num('intermediate_size'), window: window > 0 ? window : undefined };
}

function tensors(a: ArchConfig, c: ConfigReader, has: (n: string) => boolean): TensorPlan {
  const { ff } = settings(c);
  const D: [number, string] = [a.dModel, 'hidden_size'];
  const norms = a.arch === 'gemma2'
    ? ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm']
    : ['input_layernorm', 'post_attention_layernorm'];
  const out: TensorExpectation[] = hfEndTensors(a);
  for (let i = 0; i < a.layers; i++) {
    const p = `model.layers.${i}`;
    out.push(...norms.map((n) => want(`${p}.${n}.weight`, [D])), ...hfAttentionTensors(p, a, has), ...hfMlpTensors(p, a.dModel, ff));
  }
  return { expected: out, layers: a.layers, layersKey: 'num_hidden_layers', layerPattern: HF_LAYER };
}

async function load(ctx: LoadContext, a: ArchConfig): Promise<ModelWeights> {
  const { eps, ff, window } = settings(new ConfigReader(ctx.ckpt.config, a.arch, ctx.ckpt.configName ?? 'config.json', ctx.ckpt.label));
  const v2 = a.arch === 'gemma2';
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < a.layers; i++) {
    const p = `model.layers.${i}`;
    const norm = (n: string): ReturnType<LoadContext['rmsNorm']> => ctx.rmsNorm(`${p}.${n}.weight`, a.dModel, eps, 1);
    const ln1 = await norm('input_layernorm');
    const attn = await loadHfAttention(ctx, p, a);
    if (attn.q.b || attn.k.b || attn.v.b || attn.o.b) fail(`${a.arch} has no attention biases, but ${ctx.ckpt.label} holds some in layer ${i}`);
    const b: BlockWeights = v2
      ? {
          ln1,
          ...attn,
          postAttnNorm: await norm('post_attention_layernorm'),
          ln2: await norm('pre_feedforward_layernorm'),
          postMlpNorm: await norm('post_feedforward_layernorm'),
          ...(await loadHfGatedMlp(ctx, p, a.dModel, ff)),
        }
      : { ln1, ...attn, ln2: await norm('post_attention_layernorm'), ...(await loadHfGatedMlp(ctx, p, a.dModel, ff)) };
    if (window !== undefined && i % 2 === 0) b.slidingWindow = window;
    blocks.push(b);
  }
  return { ...(await loadHfEnds(ctx, a, eps, 1)), blocks };
}

export const gemma: Family = { modelTypes: ['gemma', 'gemma2'], blockedTensors: ['model.embed_tokens.weight', 'lm_head.weight'], parseConfig, tensors, load };
