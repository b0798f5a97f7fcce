/**
 * SAE configs (MODELS.md "SAE formats"), parsed and checked field by field into one
 * normalised description. Pure: no tensors, no I/O. SAELens v6 (`cfg.json` with a
 * `metadata` block), SAELens legacy flat configs, sparsify (`cfg.json` beside
 * `sae.safetensors`, hookpoint = the folder name) and Gemma Scope 1 (no config: the hook
 * comes from the folder path `…-res/layer_12/width_16k/…` or from the user).
 */
import type { SaeArchitecture, SaeFormat, SaeNormalization } from '../../../src/contracts/sae';
import { fail } from '../errors';

export interface SaeSpec {
  format: SaeFormat;
  architecture: SaeArchitecture;
  sourceHook: string;
  dIn?: number;
  dSae?: number;
  k?: number;
  normalize: SaeNormalization;
  applyBDecToInput: boolean;
  hookZ: boolean;
  rescaleByDecoderNorm: boolean;
  /** sparsify `transcode`: the input is not centred by b_dec. */
  warnings: string[];
}

const NORMS: SaeNormalization[] = ['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'];
const ARCHS: SaeArchitecture[] = ['standard', 'jumprelu', 'topk', 'batchtopk', 'gated'];

type Obj = Record<string, unknown>;

export function parseJsonObject(bytes: Uint8Array, where: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return fail(`${where} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must hold a JSON object`);
  return v as Obj;
}

/** A config value for a message: primitives as JSON, never a (possibly deeply nested) structure. */
function show(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 80)) : String(v);
}

function str(v: unknown, dflt: string, where: string): string {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') fail(`${where} must be a string, got ${show(v)}`);
  return v;
}

function posInt(v: unknown, where: string): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) fail(`${where} must be a positive integer, got ${show(v)}`);
  return v;
}

function bool(v: unknown, dflt: boolean, where: string): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail(`${where} must be true or false, got ${show(v)}`);
  return v;
}

/** "6.5.1" ≥ 6? (pre-releases such as 6.0.0-rc.0 count as 6). */
function major(version: unknown): number {
  const m = typeof version === 'string' ? /^(\d+)\./.exec(version) : null;
  return m ? Number(m[1]) : 0;
}

/** SAELens cfg.json, v6 or legacy (MODELS.md). */
export function parseSaeLensCfg(o: Obj, where: string): SaeSpec {
  const meta = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Obj;
  const v6 = major(meta['sae_lens_version'] ?? o['sae_lens_version']) >= 6;
  const warnings: string[] = [];
  const hook = o['hook_name'] ?? meta['hook_name'] ?? o['hook_point'];
  if (typeof hook !== 'string' || hook === '') fail(`${where}: no hook name (hook_name, metadata.hook_name or hook_point)`);
  const head = o['hook_head_index'] ?? meta['hook_head_index'] ?? o['hook_point_head_index'];
  if (head !== undefined && head !== null) fail(`${where}: hook_head_index ${show(head)} (an SAE on one head) is not supported`);
  let arch = str(o['architecture'], 'standard', `${where}: architecture`);
  const fn = o['activation_fn_str'] ?? o['activation_fn'];
  const fnKw = (typeof o['activation_fn_kwargs'] === 'object' && o['activation_fn_kwargs'] !== null ? o['activation_fn_kwargs'] : {}) as Obj;
  let k = o['k'] ?? fnKw['k'];
  if (!v6 && fn === 'topk' && arch === 'standard') arch = 'topk';
  if (!v6 && fn !== undefined && fn !== 'relu' && fn !== 'topk') fail(`${where}: activation_fn_str ${show(fn)} is not supported (relu, topk)`);
  if (arch === 'jumprelu_transcoder' || arch.includes('transcoder')) fail(`${where}: architecture "${arch}" (a transcoder) is not supported yet; Strata loads standard, jumprelu, topk, batchtopk, gated`);
  if (arch === 'matryoshka_batchtopk') arch = 'batchtopk';
  if (!(ARCHS as string[]).includes(arch)) fail(`${where}: architecture "${arch}" is not supported (${ARCHS.join(', ')})`);
  if (arch === 'topk' || arch === 'batchtopk') k = posInt(k ?? 100, `${where}: k`);
  let norm = o['normalize_activations'] ?? 'none';
  if (norm === true) norm = 'expected_average_only_in';
  if (norm === false || norm === null) norm = 'none';
  if (!(NORMS as unknown[]).includes(norm)) fail(`${where}: normalize_activations ${show(norm)} is unknown (${NORMS.join(', ')})`);
  const reshape = o['reshape_activations'] ?? (hook.includes('hook_z') ? 'hook_z' : 'none');
  if (reshape !== 'none' && reshape !== 'hook_z') fail(`${where}: reshape_activations ${show(reshape)} is unknown (none, hook_z)`);
  const dtype = o['dtype'];
  if (typeof dtype === 'string' && !/float32$/.test(dtype)) warnings.push(`cfg dtype ${dtype}: Strata computes in float32 (weights widened), so results differ from ${dtype} arithmetic at its precision`);
  const kw = (meta['model_from_pretrained_kwargs'] ?? o['model_from_pretrained_kwargs']) as Obj | undefined;
  if (kw && kw['center_writing_weights'] === true) warnings.push('model_from_pretrained_kwargs.center_writing_weights is true: the SAE was trained on TransformerLens activations with centred writing weights, which differ from this checkpoint\'s (subtract each token\'s mean over d_model to match)');
  return {
    format: v6 ? 'saelens' : 'saelens-legacy',
    architecture: arch as SaeArchitecture,
    sourceHook: hook,
    dIn: posInt(o['d_in'], `${where}: d_in`),
    dSae: posInt(o['d_sae'], `${where}: d_sae`),
    ...(k !== undefined && (arch === 'topk' || arch === 'batchtopk') ? { k: k as number } : {}),
    normalize: norm as SaeNormalization,
    applyBDecToInput: bool(o['apply_b_dec_to_input'], true, `${where}: apply_b_dec_to_input`),
    hookZ: reshape === 'hook_z',
    rescaleByDecoderNorm: bool(o['rescale_acts_by_decoder_norm'], false, `${where}: rescale_acts_by_decoder_norm`),
    warnings,
  };
}

/** sparsify cfg.json (SparseCoderConfig + d_in); unknown keys dropped as sparsify does. */
export function parseSparsifyCfg(o: Obj, hookpoint: string, where: string): SaeSpec {
  const act = o['activation'] ?? 'topk';
  if (act !== 'topk') fail(`${where}: activation ${show(act)} is not supported (topk)`);
  const dIn = posInt(o['d_in'], `${where}: d_in`);
  const k = posInt(o['k'] ?? 32, `${where}: k`);
  const n = o['num_latents'] ?? 0;
  const dSae = n === 0 ? dIn * posInt(o['expansion_factor'] ?? 32, `${where}: expansion_factor`) : posInt(n, `${where}: num_latents`);
  const transcode = bool(o['transcode'], false, `${where}: transcode`);
  if (transcode) fail(`${where}: transcode is true (a transcoder) which is not supported yet`);
  return { format: 'sparsify', architecture: 'topk', sourceHook: hookpoint, dIn, dSae, k, normalize: 'none', applyBDecToInput: true, hookZ: false, rescaleByDecoderNorm: false, warnings: [] };
}

/** Gemma Scope 1: JumpReLU, no b_dec subtraction, no normalisation; the hook from the path (`…-res/layer_12/…`) when it says. */
export function gemmaScopeSpec(path: string, hook: string | undefined): SaeSpec {
  let h = hook;
  if (h === undefined) {
    const layer = /layer_(\d+)/.exec(path)?.[1];
    const site = /-(res|mlp|att)(?:[-_/]|$)/.exec(path)?.[1];
    if (layer === undefined || site === undefined) fail(`Gemma Scope ${path}: the hook cannot be read from the path (expected …-res|-mlp|-att…/layer_N/…); give it (e.g. blocks.12.hook_resid_post)`);
    h = site === 'res' ? `blocks.${layer}.hook_resid_post` : site === 'mlp' ? `blocks.${layer}.hook_mlp_out` : `blocks.${layer}.attn.hook_z`;
  }
  return { format: 'gemma-scope', architecture: 'jumprelu', sourceHook: h, normalize: 'none', applyBDecToInput: false, hookZ: h.endsWith('hook_z'), rescaleByDecoderNorm: false, warnings: [] };
}

/**
 * A hook as the files name it → a Strata hook with the LAYER index. TransformerLens names
 * pass through; sparsify hookpoints are module OUTPUTS under model.base_model (#16, #74):
 * `layers.N` / `h.N` = the block's output = resid_post (before any final norm, also at the
 * last layer), `layers.N.mlp` = mlp_out, `layers.N.self_attn` / `h.N.attn` = attn_out,
 * `embed_tokens` / `wte` = hook_embed.
 */
export function strataHook(source: string): string {
  const tl = /^blocks\.(\d+)\.(hook_resid_pre|hook_resid_mid|hook_resid_post|hook_mlp_out|hook_attn_out|attn\.hook_z|ln2\.hook_normalized|ln1\.hook_normalized|mlp\.hook_post)$/.exec(source);
  if (tl) return source;
  if (source === 'hook_embed' || source === 'embed_tokens' || source === 'wte' || source === 'embed_in') return 'hook_embed';
  const m = /^(?:model\.|transformer\.|gpt_neox\.)?(?:layers|h)\.(\d+)(?:\.(mlp|self_attn|attn|attention))?$/.exec(source);
  if (m) {
    const L = m[1] as string;
    if (!m[2]) return `blocks.${L}.hook_resid_post`;
    return m[2] === 'mlp' ? `blocks.${L}.hook_mlp_out` : `blocks.${L}.hook_attn_out`;
  }
  return fail(`SAE hook "${source}" has no Strata equivalent (TransformerLens blocks.L.hook_resid_pre|resid_mid|resid_post|mlp_out|attn_out|attn.hook_z, hook_embed, or sparsify layers.N[.mlp|.self_attn])`);
}
