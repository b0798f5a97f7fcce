/**
 * Latent language (METHODS §4): the word lists (fetched from public/latent-language, or a
 * user's CSV), one `latent` analysis per model (A, and the compare view's model B when
 * loaded), curves kept as small arrays in the store.
 */
import { DEFAULT_SHOTS, type LatentOptions, type LatentProgress, type LatentResult, type WordLists } from '../contracts/latent';
import { csvLanguage, readWordCsv } from '../contracts/latent-csv';
import { engine } from '../services/engine';
import { cancelJob, runJob } from './job';
import type { LatentCurve, LatentSettings } from './latent-slice';
import { get, set } from './store';

export type { LatentCurve, LatentRecord, LatentSettings, LatentSlice, LatentWords } from './latent-slice';

export const AUTHOR_LANGS = ['de', 'en', 'fr', 'ru', 'zh', 'ja'];
export const DEMO_LANGS = ['en', 'fr', 'de', 'ru'];

export const WORDS_NOTE: Record<'authors' | 'demo', string> = {
  authors: 'Wendler et al. 2024 (epfl-dlab/llm-latent-language, data/langs/*/clean.csv; ja from the Butanium fork) — no licence stated in the repositories',
  demo: 'the demo model\'s own words (scripts/latent/demo_words.py: the 196 of its 200 training concepts that are one token in en, fr, de and ru)',
};

export function setLatentSettings(patch: Partial<LatentSettings>): void {
  const s = get().latentSettings;
  // A new task brings its own default number of examples (the authors': translation 4, cloze 2).
  const shots = patch.task && patch.task !== s.task && patch.shots === undefined ? DEFAULT_SHOTS[patch.task] : patch.shots ?? s.shots;
  set({ latentSettings: { ...s, ...patch, shots } });
}

export function selectLatentSample(curve: number, sample: number): void {
  set({ latentSample: { curve, sample } });
}

const cache = new Map<string, WordLists>();

async function fetchLists(dir: '' | 'demo/', langs: string[]): Promise<WordLists> {
  const key = dir || 'authors';
  const hit = cache.get(key);
  if (hit) return hit;
  const out: WordLists = {};
  for (const lang of langs) {
    const url = `${import.meta.env.BASE_URL}latent-language/${dir}${lang}/clean.csv`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not fetch the ${lang} word list (${url}: HTTP ${res.status})`);
    const r = readWordCsv(await res.text(), `${lang}/clean.csv`);
    if ('error' in r) throw new Error(r.error);
    out[lang] = r.rows;
  }
  cache.set(key, out);
  return out;
}

/** The word lists the settings name. */
export async function latentLists(s = get()): Promise<WordLists> {
  const w = s.latentSettings.words;
  if (w === 'demo') return fetchLists('demo/', DEMO_LANGS);
  const base = await fetchLists('', AUTHOR_LANGS);
  if (w === 'custom') {
    if (!s.latentCustom) throw new Error('Pick a CSV file first (columns word_original, word_translation[, blank_prompt_translation_masked]).');
    return { ...base, ...s.latentCustom.lists };
  }
  return base;
}

/** Reads a user's word-list CSV (one language: its lang column, else the file name, else the target). */
export async function loadLatentCsv(file: File): Promise<void> {
  const text = await file.text();
  const r = readWordCsv(text, file.name);
  if ('error' in r) {
    set({ error: `Word list: ${r.error}` });
    return;
  }
  const lang = csvLanguage(text, file.name, get().latentSettings.target);
  set({ latentCustom: { name: file.name, lang, lists: { [lang]: r.rows } }, error: null });
  setLatentSettings({ words: 'custom' });
}

export function latentBlocker(s = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (!s.model.tokenizer) return 'This model has no tokenizer.json: the token sets come from its vocabulary.';
  const l = s.latentSettings;
  if (l.words === 'custom' && !s.latentCustom) return 'Pick a CSV file for your own word list.';
  if (l.latent.split(',').every((x) => x.trim() === '')) return 'Name at least one latent language (e.g. en).';
  if (l.tuned && !s.tunedArtifact) return 'No tuned lens is loaded: load or train one in the Tuned lens tab, or use the logit lens.';
  return null;
}

export async function runLatent(): Promise<void> {
  const s = get();
  const why = latentBlocker(s);
  const model = s.model;
  if (why || !model) {
    set({ error: why ?? 'Load a model first.' });
    return;
  }
  const settings = s.latentSettings;
  const B = settings.withB ? s.compareModel : null;
  const tuned = settings.tuned ? s.tunedArtifact : null;
  set({ error: null });
  await runJob({
    slot: 'latent', mode: 'replace', stamp: 'latent', label: 'latent language', errorPrefix: 'Latent language: ', keepOnCancel: true,
    scope: () => [get().model, get().compareModel],
    work: async ({ jobId, progress, alive }) => {
      const lists = await latentLists(get());
      const options: Partial<LatentOptions> = {
        task: settings.task, source: settings.source, target: settings.target, lists,
        latent: settings.latent.split(',').map((x) => x.trim()).filter((x) => x !== ''),
        shots: Math.max(0, Math.trunc(settings.shots)), seed: Math.max(0, Math.trunc(settings.seed)), limit: Math.max(0, Math.trunc(settings.limit)),
      };
      const curves: LatentCurve[] = [];
      const models = [{ m: model, name: 'A' }, ...(B ? [{ m: B, name: 'B' }] : [])];
      for (const [i, { m, name }] of models.entries()) {
        const useTuned = i === 0 && tuned;
        let result: LatentResult;
        try {
          result = await engine.analyze(jobId, 'latent', { model: m.modelId, options: { ...options, ...(useTuned ? { tuned: useTuned } : {}) } },
            (p: LatentProgress) => progress({ ...p, unit: `prompts (model ${name}, ${i + 1} of ${models.length})` }));
        } catch (e) {
          // Cancelled before B's first prompt: keep A's finished curves.
          if (!alive() && curves.length > 0) break;
          throw e;
        }
        curves.push({ label: `${name}: ${m.source} (${m.info.arch}, ${m.info.layers} layers, ${result.lens} lens)`, result });
        if (result.partial) break;
      }
      return curves;
    },
    done: (curves) => set({ latent: { curves, settings }, latentSample: { curve: 0, sample: 0 } }),
  });
}

export function cancelLatent(): void {
  cancelJob('latent');
}

/** Every curve as CSV rows: model, layer, relative depth, series, mean, lo, hi. */
export function latentCsv(curves: LatentCurve[]): (string | number)[][] {
  const out: (string | number)[][] = [['model', 'layer', 'relDepth', 'series', 'mean', 'lo', 'hi', 'entropyBits', 'n']];
  for (const c of curves) {
    const r = c.result;
    const bands = [['target ' + r.target, r.pTarget] as const, ...r.latent.map((l) => [`latent ${l}`, r.pLatent[l]] as const)];
    r.layers.forEach((l, i) => {
      for (const [name, b] of bands) out.push([c.label, l, r.relDepth[i] ?? NaN, name, b?.mean[i] ?? NaN, b?.lo[i] ?? NaN, b?.hi[i] ?? NaN, r.entropyBits[i] ?? NaN, r.n]);
    });
  }
  return out;
}
