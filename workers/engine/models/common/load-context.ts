import * as tf from '@tensorflow/tfjs-core';
import type { LoadProgress } from '../../../../src/contracts/model';
import { fail } from '../../errors';
import type { Checkpoint } from '../../io/checkpoint';
import { readTensorF32 } from '../../io/safetensors';
import type { Linear, Norm } from './types';

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

  /** nn.Linear weight [out, in] (+ optional bias [out]). */
  async linear(prefix: string, inDim: number, outDim: number, bias: 'yes' | 'no' | 'if-present'): Promise<Linear> {
    const w = await this.tensor2d(`${prefix}.weight`, outDim, inDim);
    const wantBias = bias === 'yes' || (bias === 'if-present' && this.has(`${prefix}.bias`));
    return wantBias ? { w, outIn: true, b: await this.tensor1d(`${prefix}.bias`, outDim) } : { w, outIn: true };
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

  /** Uploads a [V, d] unembedding in row blocks that each fit one device buffer. */
  unembedChunks(data: Float32Array, vocab: number, d: number, name: string): tf.Tensor2D[] {
    const rowsPer = Math.max(1, Math.min(vocab, Math.floor(this.maxTensorBytes / (4 * d))));
    const out: tf.Tensor2D[] = [];
    for (let r = 0; r < vocab; r += rowsPer) {
      const n = Math.min(rowsPer, vocab - r);
      out.push(this.upload<tf.Rank.R2>(data.subarray(r * d, (r + n) * d), [n, d], `${name} rows ${r}..${r + n - 1}`));
    }
    return out;
  }

  /** Frees everything uploaded so far (a failed or cancelled load leaves nothing behind). */
  disposeAll(): void {
    for (const t of this.uploaded) t.dispose();
    this.uploaded.length = 0;
  }
}
