/**
 * The demo model's tokenizer, built and applied with the same library the engine uses.
 *
 *   npx tsx scripts/demo/tokenize.ts build  <corpus.json> <model dir>
 *     Byte-level BPE (GPT-2 pre-tokenizer regex and byte alphabet) whose vocabulary holds
 *     every whole word (pre-token) of the training lines, plus 256 byte tokens and a few
 *     hundred BPE merges as a fallback for unseen words. `ignore_merges` makes a word that
 *     is in the vocabulary one token, so pieces read as words (" Paris", "chien", " собака").
 *     Writes tokenizer.json and tokenizer_config.json (BOS "<s>", add_bos_token).
 *
 *   npx tsx scripts/demo/tokenize.ts encode <model dir> <in.json> <out.json>
 *     in: JSON list of strings; out: {ids: number[][] (no BOS), vocab: string[] (each id
 *     decoded alone by @huggingface/tokenizers), bos: number}. The Python trainer reads only
 *     these ids, so training sees exactly the tokens the engine produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const N_MERGES = 400;
const MAX_VOCAB = 4096;
const SPECIALS = ['<s>', '</s>'];

function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const table: string[] = new Array<string>(256);
  bs.forEach((b, i) => (table[b] = String.fromCodePoint(cs[i] as number)));
  return table;
}

function build(corpusPath: string, dir: string): void {
  const corpus = JSON.parse(readFileSync(corpusPath, 'utf8')) as { train_lines: { text: string }[] };
  const table = bytesToUnicode();
  const enc = new TextEncoder();
  const counts = new Map<string, number>();
  for (const { text } of corpus.train_lines) {
    // documents join lines with "\n"; count it once per line
    for (const piece of [...(text.match(PATTERN) ?? []), '\n']) {
      const mapped = Array.from(enc.encode(piece), (b) => table[b]).join('');
      counts.set(mapped, (counts.get(mapped) ?? 0) + 1);
    }
  }
  const vocab: string[] = [...SPECIALS, ...table];
  const inVocab = new Set(vocab);
  // BPE merges over the word counts (fallback for words outside the vocabulary).
  const words = [...counts.entries()].map(([w, c]) => ({ syms: Array.from(w), c }));
  const merges: string[] = [];
  for (let m = 0; m < N_MERGES; m++) {
    const pc = new Map<string, number>();
    for (const { syms, c } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = `${syms[i]} ${syms[i + 1]}`;
        pc.set(k, (pc.get(k) ?? 0) + c);
      }
    }
    let best = '';
    let bc = 1;
    for (const [k, c] of pc) if (c > bc || (c === bc && best !== '' && k < best)) [best, bc] = [k, c];
    if (!best) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push(best);
    if (!inVocab.has(a + b)) {
      vocab.push(a + b);
      inVocab.add(a + b);
    }
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.syms[i] as string);
      }
      w.syms = out;
    }
  }
  // Whole words, most frequent first, ties alphabetical.
  const sorted = [...counts.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let dropped = 0;
  for (const [w] of sorted) {
    if (inVocab.has(w)) continue;
    if (vocab.length >= MAX_VOCAB) {
      dropped++;
      continue;
    }
    vocab.push(w);
    inVocab.add(w);
  }
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: true,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      merges,
    },
  };
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: '<s>',
    eos_token: '</s>',
    add_bos_token: true,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: 256,
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer) + '\n');
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  console.log(`vocab ${vocab.length} (${merges.length} merges, ${counts.size} distinct words, ${dropped} left to merges)`);
}

function load(dir: string): Tokenizer {
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as object;
  const cfg = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  return new Tokenizer(json, cfg);
}

function encode(dir: string, inPath: string, outPath: string): void {
  const tok = load(dir);
  const texts = JSON.parse(readFileSync(inPath, 'utf8')) as string[];
  const ids = texts.map((t) => tok.encode(t, { add_special_tokens: false }).ids);
  const size = Object.keys((JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: object } }).model.vocab).length;
  const vocab: string[] = [];
  for (let i = 0; i < size; i++) vocab.push(tok.decode([i]));
  const bos = tok.token_to_id('<s>');
  writeFileSync(outPath, JSON.stringify({ ids, vocab, bos }));
  console.log(`encoded ${texts.length} texts (${ids.reduce((s, x) => s + x.length, 0)} tokens)`);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'build' && args.length === 2) build(args[0] as string, args[1] as string);
else if (cmd === 'encode' && args.length === 3) encode(args[0] as string, args[1] as string, args[2] as string);
else {
  console.error('usage: tokenize.ts build <corpus.json> <dir> | encode <dir> <in.json> <out.json>');
  process.exit(2);
}
