/**
 * The BPE (`tokenizer.ggml.model` gpt2) rebuild: GGUF metadata made from the real GPT-2 and
 * Qwen3 tokenizer.json fixtures (what llama.cpp's converter stores: tokens by id, merges as
 * "left right", token types, `tokenizer.ggml.pre`) rebuilds tokenizers that encode every text
 * to the same ids as @huggingface/tokenizers with the original files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GgufFile, GgufValue } from '../workers/engine/io/gguf';
import { Meta } from '../workers/engine/io/gguf-meta';
import { ggufTokenizer } from '../workers/engine/io/gguf-tokenizer';
import { TextTokenizer } from '../workers/engine/tokenizer/tokenizer';

const TEXTS = ['Hello world', "It's 12345 o'clock,\n\n  isn't it?", 'naïve café — ünïcode 東京 🙂', '   spaces   and\ttabs', 'e\u0301 (decomposed é)'];

function metaFrom(dir: string, pre: string): Meta {
  const j = JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')) as { model: { vocab: Record<string, number>; merges: (string | string[])[] }; added_tokens: { id: number; content: string; special: boolean }[] };
  const n = [...Object.values(j.model.vocab), ...j.added_tokens.map((a) => a.id)].reduce((a, b) => Math.max(a, b), 0) + 1;
  const tokens = new Array<string>(n).fill('');
  const types = new Array<number>(n).fill(1);
  for (const [t, id] of Object.entries(j.model.vocab)) tokens[id] = t;
  for (const a of j.added_tokens) { tokens[a.id] = a.content; types[a.id] = a.special ? 3 : 4; }
  const md = new Map<string, GgufValue>([
    ['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.pre', pre], ['tokenizer.ggml.tokens', tokens], ['tokenizer.ggml.token_type', types],
    ['tokenizer.ggml.merges', j.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m))], ['tokenizer.ggml.add_bos_token', false],
  ]);
  return new Meta({ metadata: md, source: { name: 'x.gguf', size: 0, read: async () => new Uint8Array(0) } } as unknown as GgufFile, 'qwen2');
}

describe('BPE tokenizers rebuilt from tokenizer.ggml.*', () => {
  it.each([['gpt2', 'tests/fixtures/tokenizers/gpt2'], ['qwen2', 'tests/fixtures/tokenizers/qwen3']])('%s pre-tokenizer: same ids as the original tokenizer.json', async (pre, dir) => {
    const tok = ggufTokenizer(metaFrom(dir, pre));
    if (!tok) throw new Error('no tokenizer');
    const enc = new TextEncoder();
    const built = await TextTokenizer.fromBytes(enc.encode(JSON.stringify(tok.json)), enc.encode(JSON.stringify(tok.config)));
    const ref = await TextTokenizer.fromBytes(readFileSync(`${dir}/tokenizer.json`), readFileSync(`${dir}/tokenizer_config.json`));
    for (const t of TEXTS) {
      const ids = ref.encode(t);
      expect(ids.length).toBeGreaterThan(1);
      expect(built.encode(t)).toEqual(ids);
      expect(built.decode(ids)).toBe(ref.decode(ids));
    }
  });
});
