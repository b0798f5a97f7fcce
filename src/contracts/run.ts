/**
 * A forward run is plain data (nnsight's idea): the tokens, the layer path, the
 * interventions scoped to this run, and the hooks to bring back. Nothing else returns.
 */

/** TransformerLens hook names. `blocks.{step}` indexes the STEP of the path, not the layer. */
export type HookName = string;

/** A dense f32 array with its shape, C order. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

export type InterventionKind =
  /** Replace the selected entries with 0. */
  | 'zero'
  /** Replace with the mean over positions of this run (or `value` when given). */
  | 'mean'
  /** Replace with the same entries of `value` (usually another run's capture of this hook). */
  | 'patch'
  /** Add `value` (a vector over the last axis, or a full tensor of the hook's shape). */
  | 'add'
  /** Splice an SAE in at the hook (`sae`): its reconstruction, with feature edits, ± the error term. */
  | 'sae';

/**
 * An SAE spliced in (METHODS §9; kind `sae`): z = encode(x) is edited feature by feature,
 * x̂' = decode(z'), and the hook becomes x̂' + (x − x̂) when `keepError` (the default: with no
 * edits the run is unchanged up to rounding) or x̂' alone (the reconstruction, for CE-loss
 * recovered). Edits in the SAE's activation units: ablate (z_i = 0), clamp (z_i = value,
 * also where it did not fire: steering), scale (z_i × value).
 */
export interface SaeSplice {
  /** The SAE artifact id (of this run's model). */
  id: string;
  keepError?: boolean;
  features?: { id: number; op: 'ablate' | 'clamp' | 'scale'; value?: number }[];
}

export interface Intervention {
  hook: HookName;
  kind: InterventionKind;
  /** Head indices, for hooks with a head axis (attn.hook_q/k/v/z/pattern). Omit = all. */
  heads?: number[];
  /** Token positions (query positions for hook_pattern). Omit = all. */
  positions?: number[];
  value?: Float32Tensor;
  /** Kind `sae`: which SAE and what to do with its features. */
  sae?: SaeSplice;
}

/**
 * Fake weight quantisation of the run's model (METHODS §11): block l's linear maps RTN-rounded
 * at bits[l] (an integer 2–16; layers absent stay full precision), in groups of `group` inputs of
 * one output row (0 or absent: Quanto's default), `scheme` symmetric or asymmetric (absent:
 * symmetric at 8+ bits, asymmetric below). The engine runs the spec on a quantised copy of the
 * model, made once per model and settings and kept while the model is loaded.
 */
export interface QuantizeSpec {
  bits: Record<string, number>;
  group?: number;
  scheme?: 'symmetric' | 'asymmetric';
}

export interface RunSpec {
  tokens: number[];
  /** Layer-wise fake quantisation of the model for this run (see QuantizeSpec). */
  quantize?: QuantizeSpec;
  /** Layer indices executed in order: omit to skip, repeat to loop. Omit = all layers in order. */
  path?: number[];
  interventions?: Intervention[];
  capture?: HookName[];
}

export interface RunResult {
  path: number[];
  /** Logits at the last position, [V]. */
  logitsLast: Float32Array;
  captures: Record<HookName, Float32Tensor>;
}
