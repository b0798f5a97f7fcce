/** Giving model A, loaded without tokenizer.json, its tokenizer afterwards (dropped or picked files). */
import { engine } from '../services/engine';
import { message } from './job';
import { rerunPrompt } from './run';
import { get, set } from './store';

/** The files a tokenizer drop may hold (any folder path before the name is ignored). */
function byName(files: File[], name: string): File | undefined {
  return files.find((f) => f.name === name || f.name.endsWith(`/${name}`));
}

/**
 * Reads tokenizer.json (+ tokenizer_config.json, for BOS) from the files and hands them to
 * the engine, which checks them against the model's vocabulary. On success the model's
 * summary says it has a tokenizer (the prompt box opens) and the current run is shown
 * again with pieces instead of bare ids.
 */
export async function addTokenizer(files: File[]): Promise<void> {
  const model = get().model;
  if (!model) {
    set({ error: 'Load a model first, then drop its tokenizer.json.' });
    return;
  }
  const json = byName(files, 'tokenizer.json');
  if (!json) {
    set({ error: `no tokenizer.json among the files given (${files.map((f) => f.name).join(', ') || 'none'}): drop tokenizer.json, optionally with tokenizer_config.json` });
    return;
  }
  const cfg = byName(files, 'tokenizer_config.json');
  set({ error: null });
  try {
    const [jsonBytes, cfgBytes] = await Promise.all([json.arrayBuffer(), cfg?.arrayBuffer()]);
    const info = await engine.call((e) => e.tokenizerLoad(model.modelId, new Uint8Array(jsonBytes), cfgBytes ? new Uint8Array(cfgBytes) : undefined));
    // Another model came meanwhile: this tokenizer went to the old one, which the page no longer shows.
    if (get().model?.modelId !== model.modelId) return;
    const next = { ...get().model ?? model, hasTokenizer: true, tokenizer: info };
    set({ model: next, notice: `Tokenizer added: ${info.kind}${info.byteLevel ? ' (byte-level)' : ''}, ${info.vocab} ids${cfg ? ', with tokenizer_config.json' : ''}. Text prompts work now.` });
  } catch (e) {
    set({ error: message(e) });
    return;
  }
  // The run on screen shows <id> pieces, and one in flight was dropped (its model summary changed):
  // run it again (the engine still has its cache) for the tokenizer's pieces.
  if (get().run || get().promptIds) await rerunPrompt();
}
