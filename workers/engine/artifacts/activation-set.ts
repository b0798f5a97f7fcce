/**
 * An activation set: `[N, d]` per hook at one token position of a dataset's rows, held on
 * the host inside the worker (probes, CKA and SAE training read it; the page never
 * receives it whole). Exported as safetensors for Python: one F32 tensor per hook named
 * by the hook, `labels` I32 (index into the sorted label names), and for position `all`
 * I32 `row` and `pos` per stored vector.
 */
import type { ExtractPosition } from '../../../src/contracts/extract';
import { writeSafetensors, type TensorOut } from '../io/safetensors-write';

export interface ActivationSet {
  hooks: string[];
  widths: number[];
  /** Per hook: [vectors, width] row-major. */
  data: Float32Array[];
  /** Stored vectors per hook: rows, or total tokens for `all`. */
  vectors: number;
  rows: number;
  position: ExtractPosition;
  /** [rows] index into labelNames; −1 for a row without a label. Absent when the dataset has no labels. */
  labels?: Int32Array;
  labelNames: string[];
  /** For `all`: [vectors] the row and the position of each vector. */
  row?: Int32Array;
  pos?: Int32Array;
  /** model, dataset, position, path (JSON), labels (JSON). */
  metadata: Record<string, string>;
  bytes: number;
}

export function exportActivationSet(set: ActivationSet): Uint8Array {
  const tensors: TensorOut[] = set.hooks.map((h, i) => ({ name: h, dtype: 'F32', shape: [set.vectors, set.widths[i] as number], data: set.data[i] as Float32Array }));
  if (set.labels) tensors.push({ name: 'labels', dtype: 'I32', shape: [set.rows], data: set.labels });
  if (set.row && set.pos) {
    tensors.push({ name: 'row', dtype: 'I32', shape: [set.vectors], data: set.row });
    tensors.push({ name: 'pos', dtype: 'I32', shape: [set.vectors], data: set.pos });
  }
  return writeSafetensors(tensors, set.metadata);
}
