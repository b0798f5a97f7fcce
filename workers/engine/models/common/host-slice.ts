/** Columns [c0, c1) of a row-major [rows, cols] matrix, as a new [rows, c1 − c0] matrix. */
export function sliceColumns(m: Float32Array, rows: number, cols: number, c0: number, c1: number): Float32Array {
  const w = c1 - c0;
  const out = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * cols + c0, r * cols + c1), r * w);
  return out;
}

/** Rows picked by index from a row-major [*, cols] matrix (or a vector when cols = 1). */
export function gatherRows(m: Float32Array, cols: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => out.set(m.subarray(r * cols, (r + 1) * cols), i * cols));
  return out;
}

/** Rows [r0, r1) of a row-major [*, cols] matrix, transposed to [cols, r1 − r0]. */
export function transposeRows(m: Float32Array, cols: number, r0 = 0, r1 = m.length / cols): Float32Array {
  const n = r1 - r0;
  const out = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    const base = (r0 + r) * cols;
    for (let c = 0; c < cols; c++) out[c * n + r] = m[base + c] as number;
  }
  return out;
}
