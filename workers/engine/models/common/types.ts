import type * as tf from '@tensorflow/tfjs-core';
import type { Packed16 } from '../../kernels/packed16';

/**
 * Every supported architecture loads into this one shape. Families differ only in
 * how config.json and tensor names map onto it (one folder per family); the forward
 * pass reads these flags as data and never asks which family it runs.
 */
export interface Norm {
  kind: 'layernorm' | 'rmsnorm';
  /** [n]; Gemma's (1 + w) is folded in at load time. */
  weight: tf.Tensor1D;
  bias?: tf.Tensor1D;
  eps: number;
}

/**
 * y = x·W + b. Either f32 W stored [in, out] (nn.Linear's [out, in] is transposed once at
 * load: a transposed-operand matmul runs ~12× slower on tfjs-wasm, measured, 4.22), or, on
 * WebGPU with 16-bit weights, `packed` in nn.Linear's own [out, in] layout two values to a
 * word (kernels/packed16.ts). Read it only through ops.ts (linearApply, linearDims,
 * linearWeightF32), never by field.
 */
export type Linear = { w: tf.Tensor2D; packed?: undefined; b?: tf.Tensor1D } | { packed: Packed16; w?: undefined; b?: tf.Tensor1D };

/**
 * Vocabulary entries [v0, v0 + n) of the embedding/unembedding: f32 `w` as columns [d, n]
 * of the [d, V] unembedding, or `packed` 16-bit rows [n, d] of the file's [V, d] matrix.
 */
export type UnembedBlock = { v0: number; w: tf.Tensor2D; packed?: undefined } | { v0: number; packed: Packed16; w?: undefined };

export type Activation = 'gelu_tanh' | 'gelu' | 'silu' | 'relu';

export interface BlockWeights {
  ln1: Norm;
  /** Norm before the MLP (Gemma 2: `pre_feedforward_layernorm`). */
  ln2: Norm;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  /** Per-head RMSNorm on q and k after projection, before RoPE (Qwen3). Over head_dim. */
  qNorm?: Norm;
  kNorm?: Norm;
  /** Applied to the attention output before it joins the residual (Gemma 2). */
  postAttnNorm?: Norm;
  /** Applied to the MLP output before it joins the residual (Gemma 2). */
  postMlpNorm?: Norm;
  /** Gated: down(act(gate(x)) * up(x)); plain: down(act(up(x))). */
  gate?: Linear;
  up: Linear;
  down: Linear;
  /** Keys at positions j with i − j ≥ window are masked for query i; undefined = full causal. */
  slidingWindow?: number;
}

export interface ArchConfig {
  /** config.json model_type. */
  arch: string;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  activation: Activation;
  /** Number of leading head dims that rotate (0 = learned positions, no RoPE). Even. */
  rotaryDims: number;
  /** [rotaryDims / 2] inverse frequencies, scaling already applied. */
  invFreq: Float64Array;
  /** Multiplies q·kᵀ (usually head_dim^-0.5). */
  attnScale: number;
  /** Scores become tanh(s / cap) · cap before the mask (Gemma 2). */
  attnSoftcap?: number;
  /** Logits become tanh(z / cap) · cap (Gemma 2). */
  finalSoftcap?: number;
  /** Embeddings are multiplied by this (Gemma: sqrt(d)). */
  embedScale: number;
  /** Attention and MLP both read the block input (GPT-NeoX). */
  parallelResidual: boolean;
  /** Learned absolute positions available (GPT-2), else 0. */
  maxPositions: number;
  tiedEmbeddings: boolean;
}

export interface ModelWeights {
  /** Token embeddings as [d, V] column blocks when untied; tied models read the unembedding's. */
  embed?: UnembedBlock[];
  /** [maxPositions, d] learned positions (GPT-2). */
  posEmbed?: tf.Tensor2D;
  blocks: BlockWeights[];
  lnFinal: Norm;
  /** Column blocks of the [d, V] unembedding, split so each fits one device buffer. */
  unembed: UnembedBlock[];
}

/** Where forwards record their finiteness sums (forward/finite.ts's FiniteWatch). */
export interface NonFiniteSink {
  add(sums: tf.Tensor1D, labels: string[], path: number[], tokens: number): void;
}

export interface LoadedModel {
  arch: ArchConfig;
  weights: ModelWeights;
  /**
   * Set on the copy of the model an analysis is handed (Engine.analyze): every forward of
   * it records its finiteness there, read back once when the analysis ends.
   */
  watch?: NonFiniteSink;
}
