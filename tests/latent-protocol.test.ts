/**
 * The latent-language protocol (METHODS §4) against hand-worked examples on the three
 * tokenizer kinds: the demo's byte-level BPE, Llama 2's SentencePiece BPE with byte
 * fallback (../shared/tokenizers/llama2-32000) and GPT-2's byte-level BPE. Expected ids
 * were looked up by hand in each tokenizer.json's `model.vocab` (python3 json, not the
 * engine), e.g. Llama 2: "▁к" 1186, "▁кни" 13024, "к" 29951, "<0xD0>" = 0xD0 + 3 = 211.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WordLists } from '../src/contracts/latent';
import { buildProtocol, clozeQuery, drawOthers, firstEscapedByte, isSingleToken, parseWordCsv, tokenSet, translationLine, type VocabView } from '../workers/engine/analyses/latent-protocol';
import { vocabView } from '../workers/engine/analyses/latent';
import { mulberry32 } from '../workers/engine/random';
import { TextTokenizer } from '../workers/engine/tokenizer/tokenizer';

const LLAMA2 = '/work/shared/tokenizers/llama2-32000';

async function tok(dir: string): Promise<TextTokenizer> {
  return TextTokenizer.fromBytes(readFileSync(`${dir}/tokenizer.json`), readFileSync(`${dir}/tokenizer_config.json`));
}

let demo: VocabView;
let llama: VocabView;
let gpt2: VocabView;
let llamaTok: TextTokenizer;

beforeAll(async () => {
  demo = vocabView(await tok('public/models/demo'));
  llamaTok = await tok(LLAMA2);
  llama = vocabView(llamaTok);
  gpt2 = vocabView(await tok('tests/fixtures/tokenizers/gpt2'));
});

describe('token sets S(w): prefixes with and without the word-start marker, first-byte token for zh/ru', () => {
  it('Llama 2 (SentencePiece, byte fallback)', () => {
    expect(llama.byteLevel).toBe(false);
    // "dog" as en: ▁d 270, ▁do 437, ▁dog 11203, d 29881, do 1867, dog 26169; no byte token for en.
    expect(tokenSet('dog', 'en', llama)).toEqual([270, 437, 11203, 29881, 1867, 26169]);
    // "книга" as ru: ▁к, ▁кни (▁кн, ▁книг, ▁книга are not in the vocab), к; then <0xD0> (first byte 0xD0).
    expect(tokenSet('книга', 'ru', llama)).toEqual([1186, 13024, 29951, 211]);
    // "云" as zh: 云 31784 (no ▁云), then <0xE4> 231.
    expect(tokenSet('云', 'zh', llama)).toEqual([31784, 231]);
    // "鲸鱼" (whale): no prefix is in the vocab, so its first piece is a byte token — the set is <0xE9> only.
    expect(tokenSet('鲸鱼', 'zh', llama)).toEqual([236]);
    expect(llamaTok.encode('鲸鱼')).toContain(236);
    // ja gets no byte token (only zh and ru do in the reference): 本 30346 only.
    expect(tokenSet('本', 'ja', llama)).toEqual([30346]);
    expect(tokenSet('鲸鱼', 'ja', llama)).toEqual([]);
  });

  it('the demo tokenizer (byte-level BPE, whole words in the vocab)', () => {
    expect(demo.byteLevel).toBe(true);
    // Ġd 319, Ġdog 1735, d 102, dog 1133.
    expect(tokenSet('dog', 'en', demo)).toEqual([319, 1735, 102, 1133]);
    // "собака": Ġс 447, с 260, собака 1034, then the byte token of 0xD1 ("Ñ") 211.
    expect(tokenSet('собака', 'ru', demo)).toEqual([447, 260, 1034, 211]);
    expect(tokenSet('собака', 'de', demo)).toEqual([447, 260, 1034]);
    expect(isSingleToken('Hund', demo)).toBe(true);
    expect(isSingleToken('Hundehütte', demo)).toBe(false);
  });

  it('GPT-2 (byte-level BPE)', () => {
    // Ġc 269, Ġcl 537, Ġclo 28050, Ġcloud 6279, c 66, cl 565, cloud 17721 ("clou" is not a token).
    expect(tokenSet('cloud', 'en', gpt2)).toEqual([269, 537, 28050, 6279, 66, 565, 17721]);
    // "собака": only "с" (Ñģ 21727) is a token; the byte 0xD1 is "Ñ" 141.
    expect(tokenSet('собака', 'ru', gpt2)).toEqual([21727, 141]);
    // "云": no prefix; its first byte 0xE4 is "ä" 160.
    expect(tokenSet('云', 'zh', gpt2)).toEqual([160]);
  });

  it('the first byte as the reference finds it (the text between the first two \\x of the bytes repr)', () => {
    expect(firstEscapedByte('книга')).toBe(0xd0);
    expect(firstEscapedByte('云')).toBe(0xe4);
    expect(firstEscapedByte('A型')).toBe(0xe5); // ASCII first: the first \x is the second character's
    expect(firstEscapedByte('dog')).toBeUndefined(); // no \x at all (the reference raises)
    expect(firstEscapedByte('éa')).toBe(0xc3); // "\xc3\xa9a": the first segment is "c3"
    expect(firstEscapedByte('\x7fa')).toBeUndefined(); // "\x7fa": the segment "7fa" is no byte key
  });
});

describe('prompts exactly as the notebooks write them', () => {
  it('translation and cloze lines', () => {
    expect(translationLine('fr', 'chien', 'de', 'Hund')).toBe('Français: "chien" - Deutsch: "Hund"\n');
    expect(translationLine('ru', 'собака', 'zh', undefined)).toBe('Русский: "собака" - 中文: "');
    expect(clozeQuery('Ein "___" wird verwendet, um Geschichten zu lesen. Antwort: "Buch".', 'de')).toBe('Ein "___" wird verwendet, um Geschichten zu lesen. Antwort: "');
    expect(clozeQuery('"_"用来阅读故事。答案："书"。', 'zh')).toBe('"_"用来阅读故事。答案: "');
    expect(clozeQuery('Un "___" est utilisé. Réponse : "sac".', 'fr')).toBe('Un "___" est utilisé. Réponse : "');
  });

  const lists = (): WordLists => ({
    en: parseWordCsv('lang,word_original,word_translation\nen,dog,dog\nen,cat,cat\nen,cow,cow\nen,wolf,wolf\nen,red,red\n', 'en.csv'),
    fr: parseWordCsv('lang,word_original,word_translation\nfr,dog,chien\nfr,cat,chat\nfr,cow,vache\nfr,wolf,loup\nfr,red,rouge\n', 'fr.csv'),
    de: parseWordCsv('lang,word_original,word_translation,blank_prompt_translation_masked\nde,dog,Hund,"Der ___ bellt: ""Hund"""\nde,cat,Katze,"Die ___ miaut: ""Katze"""\nde,cow,Kuh,"Die ___ muht: ""Kuh"""\nde,wolf,Wolf,\nde,red,rot,\n', 'de.csv'),
  });

  it('the filters drop with reasons; the examples are seeded draws of the other surviving rows', () => {
    const p = buildProtocol({ task: 'translation', source: 'fr', target: 'de', latent: ['en'], lists: lists(), shots: 2, seed: 0, limit: 0 }, demo);
    expect(p.rows).toBe(5);
    // wolf: the English word is inside "Wolf"; red: "rot" and "red" share Ġr / r.
    expect(p.dropped.map((d) => d.word).sort()).toEqual(['red', 'wolf']);
    expect(p.dropped.find((d) => d.word === 'wolf')?.reason).toBe('the English word "wolf" is inside the target word "Wolf"');
    expect(p.dropped.find((d) => d.word === 'red')?.reason).toMatch(/^the target set of "rot" shares tokens with the en set of "red"/);
    expect(p.samples.map((s) => s.en)).toEqual(['dog', 'cat', 'cow']);
    // Three survivors, two shots: each prompt's examples are exactly the other two, in the order drawn.
    const rand = mulberry32(0);
    const order = [0, 1, 2].map((i) => drawOthers(3, i, 2, rand));
    const words = ['chien', 'chat', 'vache'];
    const de = ['Hund', 'Katze', 'Kuh'];
    p.samples.forEach((s, i) => {
      const ex = (order[i] as number[]).map((j) => `Français: "${words[j]}" - Deutsch: "${de[j]}"\n`).join('');
      expect(s.prompt).toBe(`${ex}Français: "${words[i]}" - Deutsch: "`);
    });
    expect(p.samples[0]?.targetSet).toEqual(tokenSet('Hund', 'de', demo));
    expect(p.samples[0]?.latentSets['en']).toEqual([319, 1735, 102, 1133]);
  });

  it('repetition and cloze; seeds change the draws, never the query', () => {
    const rep = buildProtocol({ task: 'repetition', source: 'de', target: 'de', latent: ['en'], lists: lists(), shots: 1, seed: 3, limit: 1 }, demo);
    expect(rep.samples[0]?.prompt).toMatch(/^Deutsch: "(Katze|Kuh|Wolf)" - Deutsch: "\1"\nDeutsch: "Hund" - Deutsch: "$/);
    const cz = buildProtocol({ task: 'cloze', source: 'de', target: 'de', latent: ['en'], lists: lists(), shots: 2, seed: 0, limit: 0 }, demo);
    expect(cz.dropped.find((d) => d.word === 'wolf')?.reason).toBe('no masked cloze sentence in the target list');
    expect(cz.samples[0]?.prompt.endsWith('Der ___ bellt: "')).toBe(true);
    expect(cz.samples[0]?.prompt.split('\n').slice(0, 2).sort()).toEqual(['Die ___ miaut: "Katze"', 'Die ___ muht: "Kuh"']);
    const a = buildProtocol({ task: 'translation', source: 'fr', target: 'de', latent: ['en'], lists: lists(), shots: 1, seed: 0, limit: 0 }, demo);
    const b = buildProtocol({ task: 'translation', source: 'fr', target: 'de', latent: ['en'], lists: lists(), shots: 1, seed: 0, limit: 0 }, demo);
    expect(a.samples.map((s) => s.prompt)).toEqual(b.samples.map((s) => s.prompt));
    expect(() => buildProtocol({ task: 'translation', source: 'fr', target: 'de', latent: ['en'], lists: lists(), shots: 3, seed: 0, limit: 0 }, demo)).toThrow(/3 few-shot examples asked for but only 2 other samples survive/);
    expect(() => buildProtocol({ task: 'translation', source: 'fr', target: 'xx', latent: ['en'], lists: lists(), shots: 1, seed: 0, limit: 0 }, demo)).toThrow(/no word list for the target language "xx"/);
  });

  it('the shipped lists parse with the documented row counts', () => {
    const n = Object.fromEntries(['de', 'en', 'fr', 'ru', 'zh', 'ja'].map((l) => [l, parseWordCsv(readFileSync(`public/latent-language/${l}/clean.csv`, 'utf8'), l).length]));
    expect(n).toEqual({ de: 120, en: 132, fr: 118, ru: 115, zh: 139, ja: 132 });
    const zh = parseWordCsv(readFileSync('public/latent-language/zh/clean.csv', 'utf8'), 'zh');
    expect(zh[0]).toEqual({ en: 'book', word: '书', masked: '"_"用来阅读故事。答案："书"。' });
  });
});
