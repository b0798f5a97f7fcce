/**
 * One call from a file's bytes to mapped rows and the summary the page shows. The
 * host reads the bytes (a dropped File, a fetch of public/datasets/, the file system).
 */
import type { BuiltinDataset, ColumnMapping, DatasetInfo, DatasetRow } from '../../../src/contracts/dataset';
import { Sha256 } from '../io/sha256';
import { guessMapping, mapRows, summarize } from './mapping';
import { parseTable, type ParseOptions } from './parse';

export { DEFAULT_MAX_BYTES, formatOf, parseTable, type Cell, type ParseOptions, type Table } from './parse';
export { guessMapping, mapRows, summarize } from './mapping';

export interface OpenOptions extends ParseOptions {
  id: string;
  /** Columns to use; guessed from the names when absent (a built-in set brings its own). */
  mapping?: ColumnMapping;
  /** The index entry when the file is a built-in set: its mapping, source and licence. */
  builtin?: BuiltinDataset;
}

export interface Dataset {
  info: DatasetInfo;
  rows: DatasetRow[];
}

export function openDataset(bytes: Uint8Array, name: string, options: OpenOptions): Dataset {
  const { builtin } = options;
  const table = parseTable(bytes, name, {
    maxBytes: options.maxBytes,
    labelPrefix: options.labelPrefix ?? builtin?.labelPrefix,
  });
  const given = options.mapping ?? builtin?.mapping;
  // A mapping naming only the label (a CLI --label-column) leaves the text or ids column to the guess.
  const mapping = given && (given.text || given.ids) ? given : { ...guessMapping(table.columns, table.rows, name), ...(given?.label ? { label: given.label } : {}) };
  const { rows, notes } = mapRows(table, mapping, name);
  const { labels, labelBalance } = summarize(rows);
  const info: DatasetInfo = {
    id: options.id,
    name,
    format: table.format,
    columns: table.columns,
    mapping,
    rows: rows.length,
    labels,
    labelBalance,
    preview: rows.slice(0, 5),
    notes,
    fingerprint: new Sha256().update(bytes).hex(),
  };
  if (builtin) {
    info.builtin = builtin.name;
    info.source = builtin.source;
    info.licence = builtin.licence;
  }
  return { info, rows };
}

/** Rows in batches of `size` (the last may be shorter), for extraction with progress. */
export function* batches<T>(rows: readonly T[], size: number): Generator<T[]> {
  const n = Math.max(1, Math.floor(size));
  for (let i = 0; i < rows.length; i += n) yield rows.slice(i, i + n);
}
