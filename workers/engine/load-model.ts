import type { ModelInfo } from '../../src/contracts/model';
import { fail } from './errors';
import type { Checkpoint } from './io/checkpoint';
import { checkCommonFields, ConfigReader } from './models/common/config';
import { LoadContext, type LoadOptions } from './models/common/load-context';
import { checkTensors } from './models/common/tensor-check';
import type { LoadedModel } from './models/common/types';
import { familyFor } from './models/registry';

/** Parses config.json, picks the family, uploads every weight; nothing is left behind on failure. */
export async function loadModel(ckpt: Checkpoint, opts: LoadOptions = {}): Promise<{ model: LoadedModel; info: ModelInfo; dispose: () => void }> {
  const { family, arch: mt } = familyFor(ckpt.config, ckpt.label);
  // Every value is validated as it is read, and every tensor the config implies is checked
  // against the headers (sizes, presence, shapes) before anything is read or allocated.
  const reader = new ConfigReader(ckpt.config, mt, ckpt.configName ?? 'config.json', ckpt.label);
  const arch = family.parseConfig(reader);
  if (ckpt.ropeDivisors) {
    const d = ckpt.ropeDivisors;
    if (d.length !== arch.invFreq.length) fail(`${ckpt.label}: rope_freqs has ${d.length} entries but the rotary dimensions need ${arch.invFreq.length}`);
    // Each divides an inverse frequency: 0, a negative or NaN would make every angle after it non-finite.
    const bad = Array.from(d).findIndex((x) => !(Number.isFinite(x) && x > 0));
    if (bad >= 0) fail(`${ckpt.label}: rope_freqs[${bad}] is ${String(d[bad])}; expected a positive finite divisor of the RoPE frequency`);
    arch.invFreq = arch.invFreq.map((f, i) => f / (d[i] as number));
  }
  checkCommonFields(reader, arch.vocab);
  checkTensors(ckpt, mt, family.tensors(arch, reader, (n) => ckpt.tensors.has(n)));
  const limit = opts.maxTensorBytes ?? Infinity;
  // Refuse before anything is uploaded: every tensor but the blocked (un)embedding must fit one buffer as f32.
  for (const t of ckpt.tensors.values()) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 4;
    if (bytes > limit && !family.blockedTensors.includes(t.name)) {
      fail(`tensor ${t.name} needs ${bytes} bytes on the device (as f32) but the adapter's largest buffer is ${limit} bytes: this model does not fit`);
    }
  }
  const ctx = new LoadContext(ckpt, mt, opts);
  try {
    const weights = await family.load(ctx, arch);
    const params = ctx.params;
    // f32 and packed int32 words are both 4 bytes an element (a word holds two 16-bit weights).
    const deviceBytes = ctx.uploaded.reduce((s, t) => s + t.size * 4, 0);
    const info: ModelInfo = {
      arch: mt,
      layers: arch.layers,
      dModel: arch.dModel,
      heads: arch.heads,
      kvHeads: arch.kvHeads,
      headDim: arch.headDim,
      vocab: arch.vocab,
      params,
      dtypes: [...new Set([...ckpt.tensors.values()].map((t) => t.dtype))].sort(),
      deviceBytes,
      bytesPerParam: params > 0 ? deviceBytes / params : 0,
      tiedEmbeddings: weights.embed === undefined,
      parallelResidual: arch.parallelResidual,
      contextLength: arch.maxPositions > 0 ? arch.maxPositions : contextOf(ckpt.config),
    };
    const uploaded = [...ctx.uploaded];
    opts.onProgress?.({ phase: 'done', bytesDone: 0, bytesTotal: 0, tensorsDone: uploaded.length, tensorsTotal: uploaded.length });
    return { model: { arch, weights }, info, dispose: () => uploaded.forEach((t) => t.dispose()) };
  } catch (e) {
    ctx.disposeAll();
    throw e;
  }
}

/** The trained context length a config names (a positive integer), else null. */
function contextOf(config: Record<string, unknown>): number | null {
  for (const key of ['max_position_embeddings', 'n_positions', 'n_ctx']) {
    const v = config[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return null;
}
