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
