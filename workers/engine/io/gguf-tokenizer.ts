import { fail } from '../errors';
import type { Meta } from './gguf-meta';

/**
 * tokenizer.json + tokenizer_config.json rebuilt from `tokenizer.ggml.*` for
 * @huggingface/tokenizers, the way transformers' GGUF and slow-tokenizer converters build
 * them: `llama` (SentencePiece) becomes byte-fallback BPE with merges derived from the
 * pieces and their scores; `gpt2` becomes byte-level BPE with the stored merges and the
 * pre-tokenizer regex named by `tokenizer.ggml.pre`.
 */

export interface GgufTokenizer {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  bos: number | undefined;
  eos: number | undefined;
}

// token_type values (llama.cpp llama_token_type).
const UNKNOWN = 2;
const CONTROL = 3;
const USER = 4;

/** Pre-tokenizer regexes of the BPE tokenizers llama.cpp names in tokenizer.ggml.pre (llama-vocab.cpp). */
const PRE_REGEX: Readonly<Record<string, string>> = {
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'llama-bpe': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

/**
 * SentencePiece merges as transformers' SentencePieceExtractor derives them: every split of
 * a piece into two pieces of the vocabulary, ordered within a piece by (left id, right id),
 * then all by the merged piece's score, highest first (stable).
 */
export function spmMerges(tokens: string[], scores: number[]): [string, string][] {
  const id = new Map<string, number>();
  tokens.forEach((t, i) => { if (!id.has(t)) id.set(t, i); });
  const all: { l: string; r: string; score: number; order: number }[] = [];
  tokens.forEach((piece, i) => {
    const local: { l: string; r: string; li: number; ri: number }[] = [];
    const chars = Array.from(piece);
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join('');
      const r = chars.slice(k).join('');
      const li = id.get(l);
      const ri = id.get(r);
      if (li !== undefined && ri !== undefined) local.push({ l, r, li, ri });
    }
    local.sort((a, b) => a.li - b.li || a.ri - b.ri);
    for (const x of local) all.push({ l: x.l, r: x.r, score: scores[i] ?? 0, order: all.length });
  });
  all.sort((a, b) => b.score - a.score || a.order - b.order);
  return all.map((x) => [x.l, x.r]);
}

function strings(m: Meta, key: string): string[] | undefined {
  const a = m.array(key);
  if (a === undefined) return undefined;
  if (!a.every((x) => typeof x === 'string')) fail(`${m.g.source.name}: ${key} should be an array of strings`);
  return a as string[];
}

function numbers(m: Meta, key: string, n: number): number[] | undefined {
  const a = m.array(key);
  if (a === undefined) return undefined;
  if (a.length !== n || !a.every((x) => typeof x === 'number')) fail(`${m.g.source.name}: ${key} should hold ${n} numbers, one per token`);
  return a as number[];
}

/** The rebuilt tokenizer, or undefined when the file has no `tokenizer.ggml.tokens`. */
export function ggufTokenizer(m: Meta): GgufTokenizer | undefined {
  const f = m.g.source.name;
  const tokens = strings(m, 'tokenizer.ggml.tokens');
  if (!tokens) return undefined;
  const kind = m.str('tokenizer.ggml.model');
  const types = numbers(m, 'tokenizer.ggml.token_type', tokens.length) ?? tokens.map(() => 1);
  const bos = m.tokenId('tokenizer.ggml.bos_token_id');
  const eos = m.tokenId('tokenizer.ggml.eos_token_id');
  const unk = m.tokenId('tokenizer.ggml.unknown_token_id');
  const pad = m.tokenId('tokenizer.ggml.padding_token_id');
  for (const [k, v] of [['bos', bos], ['eos', eos], ['unknown', unk], ['padding', pad]] as const) {
    if (v !== undefined && v >= tokens.length) fail(`${f}: tokenizer.ggml.${k}_token_id ${v} is outside the ${tokens.length}-token vocabulary`);
  }
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { if (!(t in vocab)) vocab[t] = i; });
  const added = tokens
    .map((content, id) => ({ content, id, type: types[id] as number }))
    .filter((t) => t.type === CONTROL || t.type === UNKNOWN || t.type === USER)
    .map((t) => ({ id: t.id, content: t.content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: t.type !== USER }));
  const tokText = (id: number | undefined): string | null => (id === undefined ? null : (tokens[id] as string));
  const addBos = m.bool('tokenizer.ggml.add_bos_token') ?? kind === 'llama';
  const addEos = m.bool('tokenizer.ggml.add_eos_token') ?? false;
  const special = (id: number | undefined): { SpecialToken: { id: string; type_id: number } }[] => (id === undefined ? [] : [{ SpecialToken: { id: tokens[id] as string, type_id: 0 } }]);
  const single = [...(addBos ? special(bos) : []), { Sequence: { id: 'A', type_id: 0 } }, ...(addEos ? special(eos) : [])];
  const specials: Record<string, unknown> = {};
  for (const id of [addBos ? bos : undefined, addEos ? eos : undefined]) if (id !== undefined) specials[tokens[id] as string] = { id: tokens[id], ids: [id], tokens: [tokens[id]] };
  const post = { type: 'TemplateProcessing', single, pair: [...single, { Sequence: { id: 'B', type_id: 1 } }], special_tokens: specials };

  let json: Record<string, unknown>;
  if (kind === 'llama') {
    const scores = numbers(m, 'tokenizer.ggml.scores', tokens.length) ?? tokens.map(() => 0);
    const prefix = m.bool('tokenizer.ggml.add_space_prefix') ?? true;
    json = {
      version: '1.0', truncation: null, padding: null, added_tokens: added,
      normalizer: { type: 'Sequence', normalizers: [...(prefix ? [{ type: 'Prepend', prepend: '\u2581' }] : []), { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
      pre_tokenizer: null,
      post_processor: post,
      decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, ...(prefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : [])] },
      model: { type: 'BPE', dropout: null, unk_token: tokText(unk), continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: spmMerges(tokens, scores) },
    };
  } else if (kind === 'gpt2') {
    const merges = strings(m, 'tokenizer.ggml.merges');
    if (!merges) fail(`${f}: a gpt2 (BPE) tokenizer needs tokenizer.ggml.merges`);
    const pre = m.str('tokenizer.ggml.pre') ?? 'gpt2';
    const regex = PRE_REGEX[pre];
    if (pre !== 'gpt2' && pre !== 'default' && regex === undefined) fail(`${f}: tokenizer.ggml.pre ${JSON.stringify(pre)} is not supported (supported: gpt2, ${Object.keys(PRE_REGEX).join(', ')}); drop the model's tokenizer.json on the model card instead`);
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: regex === undefined };
    json = {
      version: '1.0', truncation: null, padding: null, added_tokens: added,
      // Qwen2's HF tokenizer NFC-normalizes (transformers' Qwen2Converter); GPT-2 and Llama 3 do not.
      normalizer: pre === 'qwen2' ? { type: 'NFC' } : null,
      pre_tokenizer: regex === undefined ? byteLevel : { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false }, byteLevel] },
      post_processor: post,
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      model: {
        type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: pre === 'llama-bpe', vocab,
        merges: merges.map((s) => { const i = s.indexOf(' '); if (i <= 0) fail(`${f}: tokenizer.ggml.merges entry ${JSON.stringify(s)} is not "left right"`); return [s.slice(0, i), s.slice(i + 1)]; }),
      },
    };
  } else return fail(`${f}: tokenizer.ggml.model ${JSON.stringify(kind ?? null)} is not supported (supported: llama, gpt2)`);
  const config: Record<string, unknown> = {
    add_bos_token: addBos, add_eos_token: addEos, clean_up_tokenization_spaces: false, bos_token: tokText(bos), eos_token: tokText(eos), unk_token: tokText(unk), pad_token: tokText(pad),
  };
  return { json, config, bos, eos };
}
