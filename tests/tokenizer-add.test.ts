/**
 * Giving a model loaded without tokenizer.json its tokenizer afterwards, through the
 * engine API (EngineApi.tokenizerLoad) as the page calls it: refused when the tokenizer's
 * ids exceed the model's vocabulary (sizes named), accepted when they fit, after which
 * text prompts encode. Expected ids and sizes are read straight from tokenizer.json here
 * (a hand lookup), not from the tokenizer library under test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo, LoadSummary } from '../src/contracts/engine-api';
import { createEngineApi } from '../workers/engine/api';
import { initNodeBackend } from '../workers/node/host';

const DEMO = 'public/models/demo';
const QWEN3 = 'tests/fixtures/models/qwen3';
const LLAMA2_TOK = '/work/shared/tokenizers/llama2-32000';

const platform = { initBackend: async (): Promise<BackendInfo> => { await initNodeBackend('wasm'); return { name: 'wasm', skipped: [] }; } };

function files(dir: string, names?: string[]): File[] {
  return (names ?? readdirSync(dir)).filter((n) => !n.endsWith('.md')).map((n) => new File([readFileSync(join(dir, n))], n));
}
const bytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** The demo tokenizer.json as plain JSON: vocabulary and added tokens. */
const demoJson = JSON.parse(readFileSync(join(DEMO, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens: { id: number; content: string }[] };

describe('tokenizerLoad: a tokenizer for a model loaded without one', () => {
  const api = createEngineApi(platform);
  let qwen: LoadSummary;
  let demo: LoadSummary;

  beforeAll(async () => {
    await api.init('wasm');
    qwen = await api.load(1, { kind: 'files', files: files(QWEN3) });
    // The demo without its tokenizer files: the weights and config only.
    demo = await api.load(2, { kind: 'files', files: files(DEMO, ['config.json', 'model.safetensors']) });
  }, 60_000);

  it('a model loaded without tokenizer.json has none, and text prompts are refused', async () => {
    expect(qwen.hasTokenizer).toBe(false);
    expect(qwen.tokenizer).toBeUndefined();
    expect(demo.hasTokenizer).toBe(false);
    await expect(api.encode(demo.modelId, 'The capital')).rejects.toThrow(/no tokenizer\.json.*give token ids/);
  });

  it('refuses a tokenizer whose ids exceed the model vocabulary, naming both sizes', async () => {
    // Demo tokenizer: ids 0..2296 (largest id in tokenizer.json + 1); qwen3 fixture: vocab_size 128 in config.json.
    const demoIds = Math.max(...Object.values(demoJson.model.vocab), ...demoJson.added_tokens.map((t) => t.id)) + 1;
    expect(demoIds).toBe(2297);
    const qwenVocab = (JSON.parse(readFileSync(join(QWEN3, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
    expect(qwen.info.vocab).toBe(qwenVocab);
    await expect(api.tokenizerLoad(qwen.modelId, bytes(join(DEMO, 'tokenizer.json')))).rejects.toThrow(`this tokenizer.json has ${demoIds} ids but the model's vocabulary has ${qwenVocab}: it belongs to another model`);
    // Llama 2's 32,000 pieces (README of /work/shared/tokenizers).
    await expect(api.tokenizerLoad(qwen.modelId, bytes(join(LLAMA2_TOK, 'tokenizer.json')), bytes(join(LLAMA2_TOK, 'tokenizer_config.json')))).rejects.toThrow(/has 32000 ids but the model's vocabulary has 128/);
    // Nothing was attached: still no text prompts.
    await expect(api.encode(qwen.modelId, 'hello')).rejects.toThrow(/no tokenizer\.json/);
  });

  it('refuses bytes that are not a tokenizer.json, saying which file', async () => {
    await expect(api.tokenizerLoad(qwen.modelId, new TextEncoder().encode('{"model": '))).rejects.toThrow(/^tokenizer\.json is not valid JSON/);
    await expect(api.tokenizerLoad(qwen.modelId, new TextEncoder().encode('[1, 2]'))).rejects.toThrow('tokenizer.json is not a JSON object');
    await expect(api.tokenizerLoad(qwen.modelId, bytes(join(DEMO, 'tokenizer.json')), new TextEncoder().encode('nope'))).rejects.toThrow(/^tokenizer_config\.json is not valid JSON/);
  });

  it('accepts a matching tokenizer: text prompts encode to the ids tokenizer.json lists, with BOS, and runs show pieces', async () => {
    const before = tf.memory().numTensors;
    const info = await api.tokenizerLoad(demo.modelId, bytes(join(DEMO, 'tokenizer.json')), bytes(join(DEMO, 'tokenizer_config.json')));
    expect(tf.memory().numTensors).toBe(before);
    // tokenizer_config.json: add_bos_token true, bos_token "<s>" = id 0 in added_tokens.
    const v = demoJson.model.vocab;
    expect(info).toEqual({ kind: 'BPE', byteLevel: true, vocab: 2297, bos: v['<s>'] });
    // Each word is one vocabulary entry (byte-level: Ġ = a leading space), looked up by hand.
    const expected = ['<s>', 'The', 'Ġcapital', 'Ġof', 'ĠItaly', 'Ġis'].map((w) => v[w] as number);
    expect(expected).toEqual([0, 340, 366, 354, 1672, 308]);
    const enc = await api.encode(demo.modelId, 'The capital of Italy is');
    expect(enc.map((t) => t.id)).toEqual(expected);
    const run = await api.run({ model: demo.modelId, tokens: expected });
    expect(run.tokens.map((t) => t.text)).toEqual(['<s>', 'The', '␣capital', '␣of', '␣Italy', '␣is']);
    // Same answer as the demo loaded with its tokenizer from the start.
    const full = await api.load(3, { kind: 'files', files: files(DEMO, ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) });
    expect(full.tokenizer).toEqual(info);
    expect((await api.encode(full.modelId, 'The capital of Italy is')).map((t) => t.id)).toEqual(expected);
    await api.unload(full.modelId);
  });

  it('refuses a second tokenizer for a model that has one', async () => {
    await expect(api.tokenizerLoad(demo.modelId, bytes(join(DEMO, 'tokenizer.json')))).rejects.toThrow('this model already has a tokenizer (BPE, 2297 ids): load the model again to use another');
  });
});
