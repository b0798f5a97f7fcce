import * as tf from '@tensorflow/tfjs-core';
import type { LoadProgress } from '../../../../src/contracts/model';
import { fail } from '../../errors';
import type { Checkpoint } from '../../io/checkpoint';
import { readTensorBits16, readTensorF32, type TensorEntry } from '../../io/safetensors';
import { rowBlocks, uploadPacked } from '../../kernels/packed16';
import { transposeRows } from './host-slice';
import type { Packed16 } from '../../kernels/packed16';
import type { Linear, Norm, UnembedBlock } from './types';

export interface LoadOptions {
  /** Largest single device buffer in bytes (WebGPU maxStorageBufferBindingSize); Infinity in Node. */
  maxTensorBytes?: number;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /**
   * The device runs the packed 16-bit programs (WebGPU after initPacked16): F16/BF16 linear
   * maps and (un)embeddings stay 16-bit on it. Off (the default) everything is widened to f32.
   */
  packed16?: boolean;
  /** With packed16: F32 linear maps and (un)embeddings are rounded to F16 ("halve memory"). */
  halve?: boolean;
}

/**
 * What a family loader uses to pull tensors: read one at a time (validated, widened
 * to f32), checked against the shape the architecture expects, uploaded, host copy dropped.
 */
export class LoadContext {
  readonly uploaded: tf.Tensor[] = [];
  /** Parameters uploaded (a packed tensor holds two per element). */
  params = 0;
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

  /** The entry of a tensor about to be read, its shape checked. */
  private entry(name: string, expect: number[]): TensorEntry {
    if (this.opts.signal?.aborted) fail('loading was cancelled');
    const e = this.ckpt.tensors.get(name);
    if (!e) fail(`tensor ${name} required by ${this.arch} is missing from ${this.ckpt.label}`);
    if (e.shape.length !== expect.length || e.shape.some((d, i) => d !== expect[i])) {
      fail(`${e.file.name}: tensor ${name} has shape [${e.shape.join(', ')}] but ${this.arch} with this config.json needs [${expect.join(', ')}]`);
    }
    return e;
  }

  private done(e: TensorEntry): void {
    this.progress.bytesDone += e.end - e.begin;
    this.progress.tensorsDone += 1;
    this.opts.onProgress?.({ ...this.progress });
  }

  /** Reads a tensor to the host, checking its shape. */
  async host(name: string, expect: number[]): Promise<Float32Array> {
    const e = this.entry(name, expect);
    const data = await readTensorF32(e);
    this.done(e);
    return data;
  }

  /**
   * A [rows, cols] matrix kept 16-bit on the device, as row blocks whose packed words each
   * fit `maxBytes`; undefined (nothing read) when it stays f32 (no packed16 device, or F32
   * without `halve`).
   */
  private async packedRows(name: string, rows: number, cols: number, maxBytes: number): Promise<{ r0: number; p: Packed16 }[] | undefined> {
    if (!this.opts.packed16) return undefined;
    const e = this.entry(name, [rows, cols]);
    const got = await readTensorBits16(e, this.opts.halve === true);
    if (!got) return undefined;
    const out: { r0: number; p: Packed16 }[] = [];
    for (const [r0, r1] of rowBlocks(rows, cols, maxBytes)) {
      const perRow = Math.ceil(cols / 2) * 4;
      if ((r1 - r0) * perRow > this.maxTensorBytes) {
        fail(`tensor ${name} rows ${r0}..${r1 - 1} need ${(r1 - r0) * perRow} bytes on the device but the adapter's largest buffer is ${this.maxTensorBytes} bytes`);
      }
      const p = uploadPacked(got.bits.subarray(r0 * cols, r1 * cols), r1 - r0, cols, got.format);
      this.uploaded.push(p.data);
      this.params += (r1 - r0) * cols;
      out.push({ r0, p });
    }
    this.done(e);
    return out;
  }

  upload<R extends tf.Rank>(data: Float32Array, shape: number[], name: string): tf.Tensor<R> {
    const bytes = data.byteLength;
    if (bytes > this.maxTensorBytes) {
      fail(`tensor ${name} needs ${bytes} bytes on the device but the adapter's largest buffer is ${this.maxTensorBytes} bytes`);
    }
    const t = tf.tensor(data, shape, 'float32') as unknown as tf.Tensor<R>;
    this.uploaded.push(t);
    this.params += data.length;
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
    const wantBias = bias === 'yes' || (bias === 'if-present' && this.has(`${prefix}.bias`));
    // 16-bit: nn.Linear's [out, in] rows as stored, in one buffer (load-model refused any past the limit as f32).
    const packed = (await this.packedRows(name, outDim, inDim, Infinity))?.[0]?.p;
    if (packed) return wantBias ? { packed, b: await this.tensor1d(`${prefix}.bias`, outDim) } : { packed };
    const w = this.upload<tf.Rank.R2>(transposeRows(await this.host(name, [outDim, inDim]), inDim), [inDim, outDim], name);
    return wantBias ? { w, b: await this.tensor1d(`${prefix}.bias`, outDim) } : { w };
  }

  /**
   * A weight with bias [out] cut into parts by output index and kept 16-bit, each part packed
   * as nn.Linear's [n, in] rows: stored `rows` is nn.Linear's [out, in] (GPT-NeoX's per-head
   * interleaved query_key_value), `columns` is Conv1D's [in, out] (GPT-2's c_attn q, k, v),
   * transposed on the host. Undefined (nothing read) when the weights stay f32.
   */
  async linearPartsPacked(prefix: string, stored: 'rows' | 'columns', outDim: number, inDim: number, parts: number[][]): Promise<Linear[] | undefined> {
    if (!this.opts.packed16) return undefined;
    const name = `${prefix}.weight`;
    const e = this.entry(name, stored === 'rows' ? [outDim, inDim] : [inDim, outDim]);
    const got = await readTensorBits16(e, this.opts.halve === true);
    if (!got) return undefined;
    const bias = await this.host(`${prefix}.bias`, [outDim]);
    const out = parts.map((outs, j): Linear => {
      const n = outs.length;
      const bytes = n * Math.ceil(inDim / 2) * 4;
      if (bytes > this.maxTensorBytes) fail(`tensor ${name} part ${j} needs ${bytes} bytes on the device but the adapter's largest buffer is ${this.maxTensorBytes} bytes`);
      const rows = new Uint16Array(n * inDim); // [n, in]
      outs.forEach((o, k) => {
        if (stored === 'rows') rows.set(got.bits.subarray(o * inDim, (o + 1) * inDim), k * inDim);
        else for (let i = 0; i < inDim; i++) rows[k * inDim + i] = got.bits[i * outDim + o] as number;
      });
      const packed = uploadPacked(rows, n, inDim, got.format);
      this.uploaded.push(packed.data);
      this.params += n * inDim;
      return { packed, b: this.upload<tf.Rank.R1>(Float32Array.from(outs, (o) => bias[o] as number), [n], `${prefix}.bias[part ${j}]`) };
    });
    this.done(e);
    return out;
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

  /**
   * Reads and uploads a [V, d] embedding/unembedding: packed 16-bit row blocks when the device
   * keeps 16-bit weights (each block at most half a buffer, so widening one to f32 on demand
   * still fits), else f32 column blocks (unembedBlocks).
   */
  async vocabMatrix(name: string, vocab: number, d: number): Promise<UnembedBlock[]> {
    const packed = await this.packedRows(name, vocab, d, this.maxTensorBytes / 2);
    if (packed) return packed.map(({ r0, p }) => ({ v0: r0, packed: p }));
    return this.unembedBlocks(await this.host(name, [vocab, d]), vocab, d, name);
  }

  /** Frees everything uploaded so far (a failed or cancelled load leaves nothing behind). */
  disposeAll(): void {
    for (const t of this.uploaded) t.dispose();
    this.uploaded.length = 0;
  }
}
