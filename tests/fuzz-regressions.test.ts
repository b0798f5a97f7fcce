/**
 * What the fuzzer found (issue 16), one test each, built by hand from the fuzz case that
 * showed it: every one was a crash (a foreign exception, or a StrataError of two lines)
 * before its fix and is a one-line StrataError now.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTunedLens } from '../workers/engine/analyses/tuned-lens';
import { openDataset } from '../workers/engine/datasets';
import { Engine } from '../workers/engine/engine';
import { StrataError } from '../workers/engine/errors';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { readSafetensorsHeader } from '../workers/engine/io/safetensors';
import { bufferSource, fileSetFromSources } from '../workers/engine/io/source';
import type { LoadedModel } from '../workers/engine/models/common/types';
import { TextTokenizer } from '../workers/engine/tokenizer/tokenizer';
import { initNodeBackend } from '../workers/node/host';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const GQA = 'tests/fixtures/models/llama-gqa';
const STORIES = 'tests/fixtures/models/stories260K';

/** A safetensors file from header JSON text (data zero-filled to `dataBytes`). */
function safetensors(header: string, dataBytes: number): Uint8Array {
  const h = enc(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<string> {
  const r = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(() => undefined, (e: unknown) => e);
  expect(r, 'expected a refusal').toBeInstanceOf(StrataError);
  const m = (r as Error).message;
  expect(m, 'one line').not.toMatch(/[\r\n]/);
  return m;
}

const deep = (n: number): string => `${'['.repeat(n)}0${']'.repeat(n)}`;

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('fuzz finds, fixed', () => {
  it('a JSON syntax error quotes the text around it on one line (config #2)', async () => {
    const m = await refusal(openCheckpoint(fileSetFromSources('x', [bufferSource(enc('{\n "a": ,\n "b": 1\n}'), 'config.json')])));
    expect(m).toMatch(/^config\.json in x is not valid JSON \(/);
  });

  it('a config value nested 100 000 deep is described, not serialised (config #112: RangeError)', async () => {
    const config = readFileSync(`${STORIES}/config.json`, 'utf8').replace('"vocab_size": 512', `"vocab_size": ${deep(100_000)}`);
    const files = fileSetFromSources('x', [bufferSource(enc(config), 'config.json'), bufferSource(readFileSync(`${STORIES}/model.safetensors`), 'model.safetensors')]);
    expect(await refusal(new Engine().load(files))).toContain('vocab_size is an array of 1; expected an integer from 1 to 16777216');
  });

  it('safetensors metadata nested deep is refused, not stringified (tuned-lens #61: RangeError)', async () => {
    const m = await refusal(readSafetensorsHeader(bufferSource(safetensors(`{"__metadata__":{"d_model":${deep(100_000)}}}`, 0), 'm.safetensors')));
    expect(m).toBe('m.safetensors: header __metadata__ entry "d_model" is an array, not a string');
  });

  it('a tensor name holding a line break is escaped in the message (shard-index #71620)', async () => {
    const m = await refusal(readSafetensorsHeader(bufferSource(safetensors('{"a\\nb":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 8), 'n.safetensors')));
    expect(m).toBe('n.safetensors: tensor "a\\nb" has shape [2] F32 (8 bytes) but its data_offsets span 4 bytes');
  });

  it('a shard name holding a CR is escaped in the message (shard-index #1688)', async () => {
    const names = ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const index = readFileSync(`${GQA}/model.safetensors.index.json`, 'utf8').replace('model-00001-of-00002.safetensors', 'model-00001\\r.safetensors');
    const files = fileSetFromSources('x', [...names.map((n) => bufferSource(readFileSync(`${GQA}/${n}`), n)), bufferSource(enc(index), 'model.safetensors.index.json')]);
    expect(await refusal(openCheckpoint(files))).toBe('"model-00001\\r.safetensors" (listed in model.safetensors.index.json) not found in x');
  });

  it('a tuned lens with a line break in a tensor name or its metadata: one line (tuned-lens)', async () => {
    const model = { arch: { layers: 1, dModel: 2 } } as unknown as LoadedModel;
    const named = await refusal(loadTunedLens(bufferSource(safetensors('{"0.weight\\n":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', 16), 'l.safetensors'), model));
    expect(named).toContain('unexpected tensor "0.weight\\n"');
    const meta = await refusal(loadTunedLens(bufferSource(safetensors('{"__metadata__":{"d_model":"7\\n"},"0.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', 16), 'l.safetensors'), model));
    expect(meta).toContain('the lens was made for width "7\\n"');
  });

  it('dataset ids nested deep are named, not serialised (datasets #629: RangeError)', async () => {
    const m = await refusal(() => openDataset(enc(`[{"ids":[1,${deep(100_000)}],"label":"x"}]`), 'd.json', { id: 'd' }));
    expect(m).toBe('d.json row 1: id 2 (a list) is not a non-negative integer');
  });

  it('a TSV header cell holding a lone CR is listed on one line (datasets #39060)', async () => {
    const m = await refusal(() => openDataset(enc('{"ex\ramples":[1]}'), 'd.tsv', { id: 'd' }));
    expect(m).toBe('d.tsv: no column holds text or token ids (columns: {"ex amples":[1]})');
  });

  it('a tokenizer whose vocabulary holds a non-integer id is refused (tokenizer #154: ids false came out of encode)', async () => {
    const json = JSON.parse(readFileSync(`${STORIES}/tokenizer.json`, 'utf8')) as { model: { vocab: Record<string, unknown> } };
    json.model.vocab['<0x00>'] = false;
    const m = await refusal(TextTokenizer.fromBytes(enc(JSON.stringify(json))));
    expect(m).toBe('tokenizer.json: token "<0x00>" has id false; ids are integers from 0 to 16777215');
  });

  it('a normalizer replacing every space with a 200 KB text is refused, not run (tokenizer #7766: 4 200 037 ids from 100 characters, seconds per encode)', async () => {
    const json = JSON.parse(readFileSync(`${STORIES}/tokenizer.json`, 'utf8')) as { normalizer: { normalizers: { content?: unknown }[] } };
    (json.normalizer.normalizers[1] as { content: unknown }).content = Array.from({ length: 100_000 }, () => 1);
    const m = await refusal(TextTokenizer.fromBytes(enc(JSON.stringify(json))));
    expect(m).toBe('tokenizer.json: normalizer.normalizers[1].content is a list; expected a string of at most 1024 characters');
  });

  it('an added token whose content is nested deep is refused, not a stack overflow (tokenizer #28529: RangeError)', async () => {
    const json = JSON.parse(readFileSync(`${STORIES}/tokenizer.json`, 'utf8')) as { added_tokens: { content: unknown; id: unknown }[] };
    (json.added_tokens[0] as { content: unknown; id: unknown }).id = -1;
    const text = JSON.stringify(json).replace('"content":"<unk>"', `"content":${deep(100_000)}`);
    expect(await refusal(TextTokenizer.fromBytes(enc(text)))).toBe('tokenizer.json: token a list has id -1; ids are integers from 0 to 16777215');
  });

  it('a GGUF head_count_kv flipped to 1677721604 is refused before it sizes the q/k row permutation (gguf #59766: RangeError, Int32Array of 13e9)', async () => {
    const file = new Uint8Array(readFileSync('tests/fixtures/models/stories260K-gguf/stories260K.gguf'));
    const key = enc('llama.attention.head_count_kv');
    let at = -1;
    for (let i = 0; i + key.length <= file.length && at < 0; i++) if (key.every((b, j) => file[i + j] === b)) at = i;
    expect(at).toBeGreaterThan(0);
    // After the key: value type (u32 4 = UINT32), then the value.
    const view = new DataView(file.buffer, file.byteOffset);
    expect(view.getUint32(at + key.length, true)).toBe(4);
    view.setUint32(at + key.length + 4, 1677721604, true);
    const m = await refusal(new Engine().load(fileSetFromSources('x', [bufferSource(file, 'stories260K.gguf')])));
    expect(m).toBe('stories260K.gguf: llama.attention.head_count_kv is 1677721604; expected an integer from 1 to 1048576 (it sizes every weight matrix and the loops over it)');
  });

  it('a tokenizer.json nested deep loads or is refused, without a stack overflow (tokenizer #4: RangeError)', async () => {
    const text = readFileSync(`${STORIES}/tokenizer.json`, 'utf8').replace('"truncation": null', `"truncation": ${deep(100_000)}`);
    const r: number[] | unknown = await TextTokenizer.fromBytes(enc(text)).then((t) => t.encode('Once upon a time'), (e: unknown) => e);
    if (Array.isArray(r)) expect(r.length).toBeGreaterThan(0);
    else expect(r).toBeInstanceOf(StrataError);
  });
});
