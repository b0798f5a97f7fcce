import { fail } from '../errors';
import { openGgufCheckpoint } from './gguf-checkpoint';
import { readSafetensorsHeader, type TensorEntry } from './safetensors';
import { printable, readJson, type ByteSource, type FileSet } from './source';

/** A checkpoint's config and the validated headers of all its weight files. */
export interface Checkpoint {
  label: string;
  config: Record<string, unknown>;
  tensors: Map<string, TensorEntry>;
  /** Weight files in the order they were read. */
  files: ByteSource[];
  /** tokenizer.json and tokenizer_config.json when present. */
  tokenizerJson?: ByteSource;
  tokenizerConfig?: ByteSource;
  /** Per-frequency RoPE divisors a GGUF file stores as rope_freqs (Llama 3 scaling): inv_freq[i] / d[i]. */
  ropeDivisors?: Float64Array;
  /** What validation messages call the config (default "config.json"; a GGUF reader names its metadata). */
  configName?: string;
}

const INDEX = 'model.safetensors.index.json';

/** config.json and the index are small; past these they are not what they claim (bytes). */
const MAX_CONFIG_BYTES = 16 * 2 ** 20;
const MAX_INDEX_BYTES = 64 * 2 ** 20;

async function readObject(src: ByteSource, label: string, maxBytes: number): Promise<Record<string, unknown>> {
  const v = await readJson(src, label, maxBytes);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${label} is not a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * Opens a checkpoint: config.json, then either the shards named by
 * model.safetensors.index.json or every *.safetensors file present.
 * Reads only headers; tensors are read one at a time later.
 */
export async function openCheckpoint(files: FileSet): Promise<Checkpoint> {
  const configSrc = files.open('config.json');
  // A GGUF file carries its own config and tokenizer (io/gguf-checkpoint.ts).
  const gguf = files.names().filter((n) => n.toLowerCase().endsWith('.gguf'));
  if (!configSrc && gguf.length === 1) return openGgufCheckpoint(files.open(gguf[0] as string) as ByteSource);
  if (!configSrc && gguf.length > 1) fail(`${files.label} holds ${gguf.length} .gguf files (${gguf.join(', ')}); give one`);
  if (!configSrc) fail(`config.json not found in ${files.label}`);
  const config = await readObject(configSrc, `config.json in ${files.label}`, MAX_CONFIG_BYTES);

  let weightFiles: string[];
  const indexSrc = files.open(INDEX);
  const weightMap = new Map<string, string>();
  if (indexSrc) {
    const index = await readObject(indexSrc, `${INDEX} in ${files.label}`, MAX_INDEX_BYTES);
    const wm = index['weight_map'];
    if (typeof wm !== 'object' || wm === null) fail(`${INDEX} in ${files.label} has no weight_map`);
    for (const [t, file] of Object.entries(wm)) {
      if (typeof file !== 'string') fail(`${INDEX}: weight_map entry for ${printable(t)} is not a file name`);
      weightMap.set(t, file);
    }
    weightFiles = [...new Set(weightMap.values())];
    for (const wf of weightFiles) if (!files.open(wf)) fail(`${printable(wf)} (listed in ${INDEX}) not found in ${files.label}`);
  } else {
    weightFiles = files.names().filter((n) => n.endsWith('.safetensors')).sort();
    if (weightFiles.length === 0) fail(`no .safetensors weights found in ${files.label}`);
  }

  const tensors = new Map<string, TensorEntry>();
  const sources: ByteSource[] = [];
  for (const wf of weightFiles) {
    const src = files.open(wf) as ByteSource;
    sources.push(src);
    const header = await readSafetensorsHeader(src);
    for (const [name, entry] of header.tensors) {
      if (weightMap.size > 0 && weightMap.get(name) !== wf) continue; // the index decides which shard owns a tensor
      const prev = tensors.get(name);
      if (prev) fail(`tensor ${printable(name)} appears in both ${prev.file.name} and ${printable(wf)}`);
      tensors.set(name, entry);
    }
  }
  for (const [t, wf] of weightMap) if (!tensors.has(t)) fail(`tensor ${printable(t)} is listed in ${INDEX} for ${printable(wf)} but missing from that file`);

  const out: Checkpoint = { label: files.label, config, tensors, files: sources };
  const tj = files.open('tokenizer.json');
  const tc = files.open('tokenizer_config.json');
  if (tj) out.tokenizerJson = tj;
  if (tc) out.tokenizerConfig = tc;
  return out;
}
