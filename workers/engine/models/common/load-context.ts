import * as tf from '@tensorflow/tfjs-core';
import type { LoadProgress } from '../../../../src/contracts/model';
import { fail } from '../../errors';
import type { Checkpoint } from '../../io/checkpoint';
import { readTensorF32 } from '../../io/safetensors';
import { transposeRows } from './host-slice';
import type { Linear, Norm, UnembedBlock } from './types';

export interface LoadOptions {
  /** Largest single device buffer in bytes (WebGPU maxStorageBufferBindingSize); Infinity in Node. */
  maxTensorBytes?: number;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

/**
 * What a family loader uses to pull tensors: read one at a time (validated, widened
 * to f32), checked against the shape the architecture expects, uploaded, host copy dropped.
 */
export class LoadContext {
  readonly uploaded: tf.Tensor[] = [];
  private readonly progress: LoadProgress;
  readonly maxTensorBytes: number;

  constructor(readonly ckpt: Checkpoint, readonly arch: string, private readonly opts: LoadOptions = {}) {
    this.maxTensorBytes = opts.maxTensorBytes ?? Infinity;
    let bytes = 0;
    for (const t of ckpt.tensors.values()) bytes += t.end - t.begin;
    this.progress = { phase: 'tensors', bytesDone: 0, bytesTotal: bytes, tensorsDone: 0, tensorsTotal: ckpt.tensors.size };
  }

  has(name: string): boolean {
    return this.ckpt.tensors.has(name);
  }

  /** The first of several accepted names that the checkpoint holds (e.g. with and without `transformer.`). */
  pick(...names: string[]): string {
    for (const n of names) if (this.has(n)) return n;
    return fail(`tensor ${names[0]} required by ${this.arch} is missing from ${this.ckpt.label}`);
  }

  shape(name: string): number[] {
    const e = this.ckpt.tensors.get(name);
    if (!e) fail(`tensor ${name} required by ${this.arch} is missing from ${this.ckpt.label}`);
    return e.shape;
  }

  /** Reads a tensor to the host, checking its shape. */
  async host(name: string, expect: number[]): Promise<Float32Array> {
    if (this.opts.signal?.aborted) fail('loading was cancelled');
    const e = this.ckpt.tensors.get(name);
    if (!e) fail(`tensor ${name} required by ${this.arch} is missing from ${this.ckpt.label}`);
    if (e.shape.length !== expect.length || e.shape.some((d, i) => d !== expect[i])) {
      fail(`${e.file.name}: tensor ${name} has shape [${e.shape.join(', ')}] but ${this.arch} with this config.json needs [${expect.join(', ')}]`);
    }
    const data = await readTensorF32(e);
    this.progress.bytesDone += e.end - e.begin;
    this.progress.tensorsDone += 1;
    this.opts.onProgress?.({ ...this.progress });
    return data;
  }

  upload<R extends tf.Rank>(data: Float32Array, shape: number[], name: string): tf.Tensor<R> {
    const bytes = data.byteLength;
    if (bytes > this.maxTensorBytes) {
      fail(`tensor ${name} needs ${bytes} bytes on the device but the adapter's largest buffer is ${this.maxTensorBytes} bytes`);
    }
    const t = tf.tensor(data, shape, 'float32') as unknown as tf.Tensor<R>;
    this.uploaded.push(t);
    return t;
  }

  async tensor1d(name: string, n: number): Promise<tf.Tensor1D> {
    return this.upload<tf.Rank.R1>(await this.host(name, [n]), [n], name);
  }

  async tensor2d(name: string, rows: number, cols: number): Promise<tf.Tensor2D> {
    return this.upload<tf.Rank.R2>(await this.host(name, [rows, cols]), [rows, cols], name);
  }

  /** nn.Linear weight [out, in] (+ optional bias [out]), uploaded transposed as [in, out]. */
  async linear(prefix: string, inDim: number, outDim: number, bias: 'yes' | 'no' | 'if-present'): Promise<Linear> {
    const name = `${prefix}.weight`;
    const w = this.upload<tf.Rank.R2>(transposeRows(await this.host(name, [outDim, inDim]), inDim), [inDim, outDim], name);
    const wantBias = bias === 'yes' || (bias === 'if-present' && this.has(`${prefix}.bias`));
    return wantBias ? { w, b: await this.tensor1d(`${prefix}.bias`, outDim) } : { w };
  }

  /** RMSNorm weight; `offset` 1 folds Gemma's (1 + w) in. */
  async rmsNorm(name: string, n: number, eps: number, offset = 0): Promise<Norm> {
    const w = await this.host(name, [n]);
    if (offset !== 0) for (let i = 0; i < n; i++) w[i] = (w[i] as number) + offset;
    return { kind: 'rmsnorm', weight: this.upload<tf.Rank.R1>(w, [n], name), eps };
  }

  async layerNorm(prefix: string, n: number, eps: number): Promise<Norm> {
    return { kind: 'layernorm', weight: await this.tensor1d(`${prefix}.weight`, n), bias: await this.tensor1d(`${prefix}.bias`, n), eps };
  }

  /**
   * Uploads a [V, d] embedding/unembedding as [d, V] column blocks that each fit one
   * device buffer (the unembedding is the largest matrix and the first to exceed it).
   */
  unembedBlocks(data: Float32Array, vocab: number, d: number, name: string): UnembedBlock[] {
    const perBlock = Math.max(1, Math.min(vocab, Math.floor(this.maxTensorBytes / (4 * d))));
    const out: UnembedBlock[] = [];
    for (let v0 = 0; v0 < vocab; v0 += perBlock) {
      const n = Math.min(perBlock, vocab - v0);
      out.push({ v0, w: this.upload<tf.Rank.R2>(transposeRows(data, d, v0, v0 + n), [d, n], `${name} rows ${v0}..${v0 + n - 1}`) });
    }
    return out;
  }

  /** Frees everything uploaded so far (a failed or cancelled load leaves nothing behind). */
  disposeAll(): void {
    for (const t of this.uploaded) t.dispose();
    this.uploaded.length = 0;
  }
}
