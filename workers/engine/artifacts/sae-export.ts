/**
 * An SAE as a SAELens v6 folder (MODELS.md "SAE formats"): `cfg.json` (the SAEConfig fields
 * d_in, d_sae, dtype, device, apply_b_dec_to_input, normalize_activations,
 * reshape_activations, architecture, k / rescale_acts_by_decoder_norm for topk, and
 * `metadata` with sae_lens_version ≥ 6 so SAELens's handle_config_defaulting takes it as v6)
 * and `sae_weights.safetensors` (W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc [d_sae],
 * b_dec [d_in], threshold [d_sae] for jumprelu; all F32) — what SAE.load_from_disk and
 * Strata's loadSae (artifacts/sae.ts) read. Weights are written as held on the device, so an
 * `expected_average_only_in` scale folded in on load is written folded (normalize 'none').
 */
import { fail } from '../errors';
import { writeSafetensors, type TensorOut } from '../io/safetensors-write';
import type { Sae } from './sae';

export interface ExportedFile {
  name: string;
  bytes: Uint8Array;
}

/** SAELens version the config claims (the v6 config layout). */
export const SAELENS_VERSION = '6.5.1';

/** Extra metadata of a trained SAE (model, dataset, training settings). */
export type SaeExportMeta = Record<string, string | number | boolean>;

export async function exportSaeLens(sae: Sae, meta: SaeExportMeta = {}): Promise<ExportedFile[]> {
  const { info } = sae;
  const arch = info.architecture;
  if (arch !== 'standard' && arch !== 'topk' && arch !== 'jumprelu') fail(`an SAE of architecture ${arch} is not exported (standard, topk, jumprelu are)`);
  if (sae.scaling || sae.wSkipT || sae.wMag) fail('this SAE has a scaling factor or skip connection, which the SAELens v6 layout has no place for');
  const f32 = async (name: string, t: { shape: number[]; data: () => Promise<unknown> }): Promise<TensorOut> => ({ name, dtype: 'F32', shape: t.shape, data: Float32Array.from((await t.data()) as Float32Array) });
  const tensors = [await f32('W_enc', sae.wEnc), await f32('W_dec', sae.wDec), await f32('b_enc', sae.bEnc), await f32('b_dec', sae.bDec)];
  if (sae.threshold) tensors.push(await f32('threshold', sae.threshold));
  const normalize = info.normalize === 'expected_average_only_in' ? 'none' : info.normalize;
  const cfg: Record<string, unknown> = {
    architecture: arch, d_in: info.dIn, d_sae: info.dSae, dtype: 'float32', device: 'cpu',
    apply_b_dec_to_input: info.applyBDecToInput, normalize_activations: normalize, reshape_activations: info.hookZ ? 'hook_z' : 'none',
    ...(arch === 'topk' ? { k: info.k ?? fail('a topk SAE without k cannot be exported'), rescale_acts_by_decoder_norm: sae.decNorm !== undefined } : {}),
    metadata: { sae_lens_version: SAELENS_VERSION, sae_lens_training_version: SAELENS_VERSION, hook_name: info.sourceHook, hook_head_index: null, prepend_bos: true, ...meta },
  };
  return [
    { name: 'cfg.json', bytes: new TextEncoder().encode(`${JSON.stringify(cfg, null, 2)}\n`) },
    { name: 'sae_weights.safetensors', bytes: writeSafetensors(tensors) },
  ];
}
