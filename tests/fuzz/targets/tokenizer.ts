/** tokenizer.json / tokenizer_config.json (stories260K's), mutated; then construct, encode, decode. */
import { TextTokenizer } from '../../../workers/engine/tokenizer/tokenizer';
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, mutateText, text, truncate, utf8, type Rng } from '../mutate';
import { fixture } from './common';

const SAMPLE = 'Once upon a time, there was a little girl named Lily. She liked "cats" & 42 dogs — é ü 日本 \u0000\t\n!';
let json: Uint8Array;
let cfg: Uint8Array;

export const tokenizerTarget: FuzzTarget = {
  name: 'tokenizer',
  about: 'tokenizer.json and tokenizer_config.json (stories260K): JSON edits of model, vocab, merges, added_tokens, normalizer, pre_tokenizer, post_processor, decoder, BOS settings; byte flips; truncation; then encode and decode a sample',
  suiteCount: 300,
  limitMs: 10000,
  async fixtures() {
    json = fixture('tests/fixtures/models/stories260K/tokenizer.json');
    cfg = fixture('tests/fixtures/models/stories260K/tokenizer_config.json');
  },
  generate(rng: Rng) {
    const whichCfg = rng.chance(0.25);
    const src = whichCfg ? cfg : json;
    const name = whichCfg ? 'tokenizer_config.json' : 'tokenizer.json';
    const op = rng.int(10);
    let r: { bytes: Uint8Array; what: string };
    if (op < 7) {
      const j = mutateJson(rng, text(src), whichCfg ? undefined : (k) => !/^\$\.model\.vocab\./.test(k) || rng.chance(0.02));
      r = { bytes: utf8(j.text), what: j.what };
    } else if (op < 8) {
      const m = mutateText(rng, text(src));
      r = { bytes: utf8(m.text), what: m.what };
    } else if (op < 9) r = flipBytes(rng, src);
    else r = truncate(rng, src, [0, 1, src.length >> 1, src.length - 1]);
    return { ...r, name, what: `${name}: ${r.what}` };
  },
  async run(input) {
    const tok = input.name === 'tokenizer_config.json' ? await TextTokenizer.fromBytes(json, input.bytes) : await TextTokenizer.fromBytes(input.bytes, cfg);
    const ids = tok.encode(SAMPLE);
    const back = tok.decode(ids);
    const pieces = tok.view(ids);
    return { ids, vocab: tok.info.vocab, bos: tok.bos ?? 0, decoded: back.length, pieces: pieces.length };
  },
  check(r) {
    const { ids, vocab } = r as { ids: number[]; vocab: number };
    const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    return bad >= 0 ? `id ${ids[bad]} at ${bad} is outside the tokenizer's own 0..${vocab - 1}` : undefined;
  },
};
