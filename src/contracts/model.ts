/** Summary of a loaded model: small, plain data, safe to keep in the store. */
export interface ModelInfo {
  /** config.json `model_type`, e.g. "llama", "gpt2". */
  arch: string;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Total parameter count as read from the checkpoint (tied matrices counted once). */
  params: number;
  /** dtypes found on disk, e.g. ["BF16"]. */
  dtypes: string[];
  /** Bytes the weights occupy on the device (f32 after widening; 16-bit weights packed two to a word on WebGPU). */
  deviceBytes: number;
  /** deviceBytes / params: 4 for f32 weights, ≈2 when the matrices stay 16-bit on the device. */
  bytesPerParam: number;
  tiedEmbeddings: boolean;
  /** True when attention and MLP read the same residual (GPT-NeoX `use_parallel_residual`). */
  parallelResidual: boolean;
  /**
   * Positions the model was trained on (config `max_position_embeddings`, `n_positions`
   * or `n_ctx`); null when the config names none. Learned-position models cannot run
   * past it; RoPE models run but their predictions past it are extrapolation.
   */
  contextLength: number | null;
}

export interface LoadProgress {
  phase: 'download' | 'header' | 'tensors' | 'done';
  bytesDone: number;
  bytesTotal: number;
  tensorsDone: number;
  tensorsTotal: number;
}
