/**
 * config.json of real fixtures of every family (stories260K as in issue 16, GPT-2, Gemma 2,
 * GPT-NeoX, Qwen3, Mistral), mutated mostly in the keys a family reads; then load and run.
 * A success must give finite logits.
 */
import { FIELDS } from '../../../workers/engine/models/common/config-schema';
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, mutateText, text, truncate, utf8, type Rng } from '../mutate';
import { fixture, initBackend, loadAndRun } from './common';

const MODELS = ['stories260K', 'gpt2', 'gemma2', 'gpt_neox', 'qwen3', 'mistral'];
const READ = new Set<string>([...Object.keys(FIELDS), 'model_type']);
let seeds: { model: string; config: string; weights: Uint8Array }[] = [];

/**
 * Configs already loaded and run with finite logits, by the values the engine reads
 * (everything else in the file cannot change the numbers): a repeat is not run again,
 * which keeps 100 000 cases affordable. Key = model + those values, as JSON.
 */
const seen = new Map<string, { logitsLast: Float32Array; params: number }>();

function readValues(model: string, bytes: Uint8Array): string | undefined {
  try {
    const cfg = JSON.parse(text(bytes)) as unknown;
    if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) return undefined;
    const picked = Object.entries(cfg).filter(([k]) => READ.has(k)).sort(([a], [b]) => (a < b ? -1 : 1));
    // Non-finite numbers and -0 serialise as null / 0 in JSON: keep them distinct from those.
    return JSON.stringify([model, picked], (_k, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${Object.is(v, -0) ? '-0' : v}` : v));
  } catch {
    return undefined;
  }
}

export const configTarget: FuzzTarget = {
  name: 'config',
  about: 'config.json of every family: type swaps, huge/negative/fractional/overflowing numbers, removed keys, rope_scaling edits, model_type swaps, text edits; then load and run',
  suiteCount: 500,
  tensors: true,
  async fixtures() {
    seeds = MODELS.map((m) => ({ model: m, config: text(fixture('tests/fixtures/models', m, 'config.json')), weights: fixture('tests/fixtures/models', m, 'model.safetensors') }));
  },
  init: initBackend,
  generate(rng: Rng) {
    const s = rng.pick(seeds);
    const op = rng.int(20);
    let bytes: Uint8Array;
    let what: string;
    if (op < 15) {
      const j = mutateJson(rng, s.config, (k) => READ.has(k.replace(/^\$\.(rope_scaling\.|rope_parameters\.)?/, '').replace(/[[.].*$/, '')));
      let t = j.text;
      what = j.what;
      if (rng.chance(0.1)) {
        const mt = rng.pick(['llama', 'gpt2', 'gemma', 'gemma2', 'gpt_neox', 'qwen2', 'qwen3', 'mistral', 'LLAMA', '']);
        t = t.replace(/"model_type":"[^"]*"/, `"model_type":"${mt}"`);
        what += `, model_type=${mt}`;
      }
      if (rng.chance(0.1)) {
        const scaling = rng.pick([
          '{"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":8192}',
          '{"rope_type":"llama3","factor":8,"low_freq_factor":4,"high_freq_factor":4,"original_max_position_embeddings":8192}',
          '{"type":"linear","factor":0}', '{"type":"linear","factor":-2}', '{"type":"linear","factor":1e-320}', '{"type":"dynamic","factor":2}',
          '{"rope_type":"llama3","factor":8}', '{"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":0}',
        ]);
        t = t.replace(/^\{/, `{"rope_scaling":${scaling},`);
        what += `, rope_scaling=${scaling}`;
      }
      bytes = utf8(t);
    } else if (op < 17) {
      const m = mutateText(rng, s.config);
      bytes = utf8(m.text);
      what = m.what;
    } else if (op < 19) {
      const r = flipBytes(rng, utf8(s.config));
      bytes = r.bytes;
      what = r.what;
    } else {
      const c = utf8(s.config);
      const r = truncate(rng, c, [0, 1, c.length >> 1, c.length - 1]);
      bytes = r.bytes;
      what = r.what;
    }
    return { bytes, name: s.model, what: `${s.model}: ${what}` };
  },
  async run(input) {
    const s = seeds.find((x) => x.model === input.name) ?? (seeds[0] as (typeof seeds)[number]);
    const key = readValues(s.model, input.bytes);
    const hit = key === undefined ? undefined : seen.get(key);
    if (hit) return hit;
    const r = await loadAndRun({ 'config.json': input.bytes, 'model.safetensors': s.weights }, [1, 2, 3, 4]);
    if (key !== undefined && seen.size < 50000) seen.set(key, r);
    return r;
  },
};
