/**
 * Every hyper-parameter Strata reads from a model's config (config.json today; GGUF
 * metadata and SAE cfg.json map onto the same keys later), in one table: the kind of
 * value each key holds and the range it must lie in. ConfigReader (config.ts) reads
 * nothing that is not listed here, so a value is checked before any buffer, loop bound or
 * typed array is sized from it. The README's "What Strata refuses and why" is printed
 * from these tables (scripts/refusals.ts).
 *
 * The bounds are what could ever be allocated or computed, not what today's models use:
 * a width above 2^20 would make a single [d, d] matrix 2^40 elements; a RoPE base below
 * 1 or an epsilon that is 0 in f32 turns the first forward into NaN.
 */

/** Upper bounds shared by the config checks, the tensor checks and the forward. */
export const LIMITS = {
  /** Widths and head counts (hidden_size, intermediate_size, head_dim, heads). */
  dim: 1 << 20,
  layers: 4096,
  /** Vocabulary rows (Gemma 3: 262144 = 2^18). */
  vocab: 1 << 24,
  /** Trained context lengths and sliding windows (int32). */
  positions: 2 ** 31 - 1,
  /** Elements of one tensor (tfjs indexes with int32; f32 bytes below 8 GiB). */
  tensorElements: 2 ** 31 - 1,
  /** The whole model as f32 on the device, bytes (64 GiB: beyond any browser and most hosts). */
  modelBytes: 64 * 2 ** 30,
  /** Smallest positive scale or epsilon: below ~1e-38 an f32 is 0, and a little above it its reciprocal overflows. */
  tiny: 1e-30,
  /** Largest scale (f32 holds up to 3.4e38; leave room for products). */
  huge: 1e30,
} as const;

export type NumberKind = 'dim' | 'layers' | 'vocab' | 'positions' | 'window' | 'ropeBase' | 'scale' | 'eps' | 'fraction' | 'tokenId';
export type Kind = NumberKind | 'bool' | 'activation' | 'ropeType' | 'object';

export interface KindRule {
  /** What the values of this kind are, for the README's list. */
  title: string;
  /** What a valid value looks like, as the error message and README say it. */
  expected: string;
  /** Why an invalid one is refused (README). */
  why: string;
  ok(v: unknown): boolean;
}

const int = (lo: number, hi: number) => (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const real = (lo: number, hi: number, hiOpen = false) => (v: unknown): boolean =>
  typeof v === 'number' && Number.isFinite(v) && v >= lo && (hiOpen ? v < hi : v <= hi);

/** Activation names the forward implements (activation.ts maps them). */
export const ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'gelu_tanh', 'gelu', 'silu', 'swish', 'relu'] as const;
export const ROPE_TYPES = ['default', 'linear', 'llama3'] as const;

export const KINDS: Record<Kind, KindRule> = {
  dim: { title: 'Widths and head counts', expected: `an integer from 1 to ${LIMITS.dim}`, why: 'it sizes every weight matrix and the loops over it', ok: int(1, LIMITS.dim) },
  layers: { title: 'Layer count', expected: `an integer from 1 to ${LIMITS.layers}`, why: 'it is the number of blocks read and run', ok: int(1, LIMITS.layers) },
  vocab: { title: 'Vocabulary size', expected: `an integer from 1 to ${LIMITS.vocab}`, why: 'it sizes the embedding and every logit vector', ok: int(1, LIMITS.vocab) },
  positions: { title: 'Context lengths', expected: `an integer from 1 to ${LIMITS.positions}`, why: 'it bounds positions and RoPE tables', ok: int(1, LIMITS.positions) },
  window: { title: 'Sliding window', expected: `an integer from 0 to ${LIMITS.positions} (0 = no window)`, why: 'it sizes the attention mask', ok: int(0, LIMITS.positions) },
  ropeBase: { title: 'RoPE base', expected: `a number from 1 to ${LIMITS.huge}`, why: '0 or a negative base gives infinite or NaN angles, and a base below 1 reverses the frequencies', ok: real(1, LIMITS.huge) },
  scale: { title: 'Scales, soft-caps and RoPE scaling factors', expected: `a number from ${LIMITS.tiny} to ${LIMITS.huge}`, why: 'it divides or multiplies activations, so 0, a negative or a NaN poisons every number after it', ok: real(LIMITS.tiny, LIMITS.huge) },
  eps: { title: 'Norm epsilons', expected: `a number from ${LIMITS.tiny} up to (not including) 1`, why: 'a negative epsilon takes the square root of a negative number (NaN) and 0 divides by zero on a zero vector', ok: real(LIMITS.tiny, 1, true) },
  fraction: { title: 'Rotary share', expected: 'a number from 0 to 1', why: 'it is the share of head dimensions that rotate', ok: real(0, 1) },
  tokenId: { title: 'BOS token id', expected: `an integer from 0 to ${LIMITS.vocab - 1}, below vocab_size`, why: 'it indexes the embedding', ok: int(0, LIMITS.vocab - 1) },
  bool: { title: 'Switches', expected: 'true or false', why: 'it switches between two computations', ok: (v) => typeof v === 'boolean' },
  activation: { title: 'Activation', expected: `one of ${ACTIVATIONS.join(', ')}`, why: 'an unknown nonlinearity cannot be computed', ok: (v) => typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v) },
  ropeType: { title: 'RoPE scaling type', expected: `one of ${ROPE_TYPES.join(', ')}`, why: 'other scalings (dynamic, yarn, longrope) are not implemented and ignoring them would give wrong numbers', ok: (v) => typeof v === 'string' && (ROPE_TYPES as readonly string[]).includes(v) },
  object: { title: 'Nested settings', expected: 'a JSON object', why: 'it holds further settings', ok: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) },
};

/** Every key any family reads, and its kind. Keys inside rope_scaling / rope_parameters are listed by their own name. */
export const FIELDS = {
  hidden_size: 'dim',
  n_embd: 'dim',
  intermediate_size: 'dim',
  n_inner: 'dim',
  num_attention_heads: 'dim',
  n_head: 'dim',
  num_key_value_heads: 'dim',
  head_dim: 'dim',
  num_hidden_layers: 'layers',
  n_layer: 'layers',
  vocab_size: 'vocab',
  max_position_embeddings: 'positions',
  n_positions: 'positions',
  n_ctx: 'positions',
  original_max_position_embeddings: 'positions',
  sliding_window: 'window',
  rope_theta: 'ropeBase',
  rotary_emb_base: 'ropeBase',
  factor: 'scale',
  low_freq_factor: 'scale',
  high_freq_factor: 'scale',
  query_pre_attn_scalar: 'scale',
  attn_logit_softcapping: 'scale',
  final_logit_softcapping: 'scale',
  rms_norm_eps: 'eps',
  layer_norm_eps: 'eps',
  layer_norm_epsilon: 'eps',
  rotary_pct: 'fraction',
  bos_token_id: 'tokenId',
  tie_word_embeddings: 'bool',
  use_parallel_residual: 'bool',
  use_sliding_window: 'bool',
  hidden_act: 'activation',
  hidden_activation: 'activation',
  activation_function: 'activation',
  rope_type: 'ropeType',
  type: 'ropeType',
  rope_scaling: 'object',
  rope_parameters: 'object',
} as const satisfies Record<string, Kind>;

export type FieldKey = keyof typeof FIELDS;
type KeysOf<K extends Kind> = { [F in FieldKey]: (typeof FIELDS)[F] extends K ? F : never }[FieldKey];
export type NumberKey = KeysOf<NumberKind>;
export type BoolKey = KeysOf<'bool'>;
export type StringKey = KeysOf<'activation' | 'ropeType'>;
export type ObjectKey = KeysOf<'object'>;

/** Relations between values (and between values and tensors), checked after each value is in range. */
export const CONSISTENCY = [
  'num_attention_heads is a multiple of num_key_value_heads (each key/value head serves a whole group of query heads)',
  'hidden_size is a multiple of num_attention_heads when head_dim is absent (head_dim = hidden_size / heads)',
  'the rotary dimensions (head_dim, or head_dim × rotary_pct for GPT-NeoX) are even: RoPE rotates pairs',
  'llama3 rope scaling: high_freq_factor is above low_freq_factor (the blend divides by their difference)',
  'bos_token_id is below vocab_size',
  `every tensor the config implies has at most ${LIMITS.tensorElements} elements, and the whole model at most ${LIMITS.modelBytes / 2 ** 30} GiB as f32, before any is read`,
  'every tensor the config implies is in the checkpoint with exactly that shape (embedding rows = vocab_size, q_proj rows = heads × head_dim, …), and none belongs to a layer beyond num_hidden_layers',
] as const;

/**
 * A value as a message shows it, cut short. Containers are described, not serialised: a
 * hostile config may nest arrays 100 000 deep, which JSON.stringify cannot walk.
 */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
