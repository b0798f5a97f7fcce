/** Datasets: rows of text or token ids with an optional label, shared by the engine and the page. */

/** The file formats a dataset is read from; chosen by the file's extension. */
export type DatasetFormat = 'csv' | 'tsv' | 'json' | 'jsonl' | 'txt';

/** Which source column feeds each role. Exactly one of `text` and `ids` is set. */
export interface ColumnMapping {
  text?: string;
  ids?: string;
  label?: string;
}

/** One mapped row: `text` or `ids` (never both), and a label as a string when the set has one. */
export interface DatasetRow {
  text?: string;
  ids?: number[];
  label?: string;
}

/** What the page shows about a loaded dataset; the rows themselves stay in the engine. */
export interface DatasetInfo {
  id: string;
  name: string;
  format: DatasetFormat;
  columns: string[];
  mapping: ColumnMapping;
  rows: number;
  /** Distinct labels, sorted. */
  labels: string[];
  labelBalance: Record<string, number>;
  /** The first five mapped rows. */
  preview: DatasetRow[];
  /** Things the reader did that the user should know about (blank lines dropped, ...). */
  notes?: string[];
  source?: string;
  licence?: string;
  /** SHA-256 hex of the file's bytes. */
  fingerprint?: string;
  /** The built-in set's name, when the dataset is one. */
  builtin?: string;
}

/** One entry of public/datasets/index.json. */
export interface BuiltinDataset {
  name: string;
  /** File name inside public/datasets/. */
  file: string;
  title: string;
  description: string;
  source: string;
  licence: string;
  mapping: ColumnMapping;
  rows: number;
  /** Rows per label. */
  labels: Record<string, number>;
  /** Lines read as "<label> <text>" (SST-2's stsa.binary.* files); see parseTable's labelPrefix. */
  labelPrefix?: boolean;
}
