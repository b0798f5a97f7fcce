/** `strata latent`: which language the middle layers think in (METHODS §4; Wendler et al. 2024). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SHOTS, type LatentResult, type LatentTask, type WordLists } from '../../src/contracts/latent';
import { csvLanguage } from '../../src/contracts/latent-csv';
import { parseWordCsv } from '../engine/analyses/latent-protocol';
import { fail } from '../engine/errors';
import { fmt, intFlag, loadEngine, type Command } from './cli-args';

const USAGE = 'strata latent --model DIR --source LANG --target LANG [--latent en[,LANG]] --task translation|repetition|cloze [--words DIR_OR_CSV] [--shots 4] [--seed 0] [--limit N] [--tuned FILE] [--topk 5] [--backend wasm|cpu] [--json]';

/** The built-in lists shipped with the page: public/latent-language/<lang>/clean.csv. */
export const BUILTIN_WORDS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public', 'latent-language');

/**
 * Word lists from a folder of <lang>/clean.csv (the authors' layout) or one CSV. A single
 * CSV holds one language: its `lang` column, else the file name (de.csv), else --target.
 */
export async function readWordLists(path: string, target: string): Promise<WordLists> {
  const st = await stat(path).catch(() => fail(`--words ${path} does not exist`));
  const lists: WordLists = {};
  if (st.isDirectory()) {
    for (const lang of (await readdir(path)).sort()) {
      const f = join(path, lang, 'clean.csv');
      const ok = await stat(f).then((s) => s.isFile(), () => false);
      if (ok) lists[lang] = parseWordCsv(await readFile(f, 'utf8'), f);
    }
    if (Object.keys(lists).length === 0) fail(`--words ${path}: no <lang>/clean.csv inside`);
    return lists;
  }
  const text = await readFile(path, 'utf8');
  lists[csvLanguage(text, basename(path), target)] = parseWordCsv(text, path);
  return lists;
}

/** A user's CSV is added over the built-in lists (so `en` is there for the latent set). */
async function wordLists(words: string | undefined, target: string): Promise<WordLists> {
  const builtin = await readWordLists(BUILTIN_WORDS, target);
  if (words === undefined) return builtin;
  const st = await stat(words).catch(() => fail(`--words ${words} does not exist`));
  const own = await readWordLists(words, target);
  return st.isDirectory() ? own : { ...builtin, ...own };
}

export function latentSummary(r: LatentResult): string {
  const head = `latent: ${r.task} ${r.source} → ${r.target}, latent ${r.latent.join(', ')}, ${r.lens} lens; ${r.n} samples run (${r.rows} rows, ${r.dropped.length} dropped by the filters)${r.partial ? ' — cancelled, partial' : ''}`;
  const cols = ['target', ...r.latent];
  const lines = r.layers.map((l, i) => {
    const cells = [r.pTarget, ...r.latent.map((x) => r.pLatent[x])].map((b) => (b ? `${fmt(b.mean[i] as number, 3)} [${fmt(b.lo[i] as number, 2)}, ${fmt(b.hi[i] as number, 2)}]` : '').padEnd(28));
    return `  ${String(l).padStart(3)}  ${fmt(r.relDepth[i] as number, 3).padEnd(6)} ${cells.join(' ')} ${fmt(r.entropyBits[i] as number, 3)}`;
  });
  const drops = r.dropped.slice(0, 10).map((d) => `  dropped ${d.word}: ${d.reason}`);
  return [head, `  layer depth  ${cols.map((c) => `P(${c}) [95%]`.padEnd(28)).join(' ')} entropy (bits)`, ...lines, ...drops, ...(r.dropped.length > 10 ? [`  … ${r.dropped.length - 10} more dropped (--json lists all)`] : []), `  single-token target words: ${r.singleToken.length}`].join('\n');
}

export const latentCommand: Command = {
  usage: USAGE,
  about: 'latent language: per layer, the probability of the target language\'s and each latent language\'s tokens (Wendler et al.)',
  flags: [
    ['--model DIR', 'checkpoint folder with tokenizer.json (the token sets come from its vocabulary)'],
    ['--task T', 'translation (k-shot "L1: \\"w1\\" - L2: \\"w2\\"" lines), repetition (L1 = L2) or cloze (masked sentences)'],
    ['--source LANG / --target LANG', 'languages of the prompt\'s words and of the answer (de, en, fr, ru, zh, ja or a list of your own)'],
    ['--latent en[,LANG]', 'latent languages whose token sets are tracked (default en)'],
    ['--words DIR_OR_CSV', 'word lists: a folder of <lang>/clean.csv, or one CSV (columns word_original, word_translation[, blank_prompt_translation_masked]) added to the built-ins; default public/latent-language (Wendler et al.); the demo model\'s own: public/latent-language/demo'],
    ['--shots K', 'few-shot examples before the query (default translation/repetition 4, cloze 2: the authors\')'],
    ['--seed S', 'seed of the few-shot draws (default 0; mulberry32, sample after sample)'],
    ['--limit N', 'run only the first N surviving samples (default all)'],
    ['--tuned FILE', 'decode with this tuned lens (.safetensors, keys {i}.weight/{i}.bias) instead of the logit lens'],
    ['--topk K', 'top tokens kept per layer in the JSON samples (default 5)'],
    ['--backend wasm|cpu', 'TensorFlow.js backend (default wasm)'],
    ['--json', 'print one JSON object: {task, source, target, latent, n, dropped, samples, layers, relDepth, pTarget, pLatent, entropyBits, ...}'],
  ],
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
        source: { type: 'string' }, target: { type: 'string' }, latent: { type: 'string' }, task: { type: 'string' }, words: { type: 'string' },
        shots: { type: 'string' }, seed: { type: 'string' }, limit: { type: 'string' }, tuned: { type: 'string' }, topk: { type: 'string' },
      },
      strict: true,
    });
    if (typeof values.model !== 'string') fail(`--model DIR is required; usage: ${USAGE}`);
    const task = (values.task ?? 'translation') as LatentTask;
    if (!['translation', 'repetition', 'cloze'].includes(task)) fail(`--task must be translation, repetition or cloze, got "${values.task}"`);
    const target = values.target;
    if (!target) fail(`--target LANG is required; usage: ${USAGE}`);
    const source = values.source ?? (task === 'translation' ? undefined : target);
    if (!source) fail('--source LANG is required for translation');
    const latent = (values.latent ?? 'en').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (latent.length === 0) fail('--latent is empty: give e.g. en or en,zh');
    const backend = values.backend;
    if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got "${String(backend)}"`);
    const topk = intFlag('topk', values.topk, 5, 0);
    if (topk < 1) fail('--topk must be at least 1');
    const options = {
      task, source, target, latent, lists: await wordLists(values.words, target),
      shots: intFlag('shots', values.shots, DEFAULT_SHOTS[task], 0), seed: intFlag('seed', values.seed, 0, 0), limit: intFlag('limit', values.limit, 0, 0), topk,
    };
    const engine = await loadEngine(values.model, backend);
    let tuned: string | undefined;
    if (values.tuned) tuned = (await engine.importTunedLens(new Uint8Array(await readFile(values.tuned)), basename(values.tuned))).id;
    const r = await engine.analyze('latent', { options: { ...options, ...(tuned ? { tuned } : {}) } });
    const json = {
      task: r.task, source: r.source, target: r.target, latent: r.latent, lens: r.lens, n: r.n, rows: r.rows, dropped: r.dropped,
      samples: r.samples.map((s, i) => ({ ...s, top: r.perSample[i]?.topIds.map((ids, l) => ids.map((id, j) => ({ id, text: r.pieces[id] ?? String(id), p: r.perSample[i]?.topProbs[l]?.[j] }))) })),
      layers: r.layers, relDepth: r.relDepth, pTarget: r.pTarget, pLatent: r.pLatent, entropyBits: r.entropyBits,
      perSample: r.perSample.map((c) => ({ pTarget: c.pTarget, pLatent: c.pLatent, entropyBits: c.entropyBits })),
      singleToken: r.singleToken, ...(r.partial ? { partial: r.partial } : {}),
    };
    return { json, summary: latentSummary(r) };
  },
};
