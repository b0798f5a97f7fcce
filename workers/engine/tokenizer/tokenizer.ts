import { Tokenizer } from '@huggingface/tokenizers';
import { fail } from '../errors';
import type { Checkpoint } from '../io/checkpoint';
import { bufferSource, readJson, type ByteSource } from '../io/source';
import { LIMITS } from '../models/common/config-schema';
import { displayPiece } from './pieces';

import type { TokenizerInfo, TokenView } from '../../../src/contracts/engine-api';

export type { TokenizerInfo, TokenView };

/** Whether any object in the JSON has type ByteLevel; iterative and depth-capped (a hostile file may nest 100 000 deep). */
function mentionsByteLevel(root: unknown): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null || depth > 64) continue;
    if ((v as Record<string, unknown>)['type'] === 'ByteLevel') return true;
    for (const x of Object.values(v)) if (typeof x === 'object' && x !== null) stack.push([x, depth + 1]);
  }
  return false;
}

/** The library's own failures (it does not validate every field) as one-line refusals. */
function guarded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    return fail(`the tokenizer could not ${what} (${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 200)}): its tokenizer.json is malformed`);
  }
}

/** Ids run 0..2^24 − 1 (config-schema's vocabulary bound). */
const MAX_ID = LIMITS.vocab - 1;

/**
 * The ids tokenizer.json states (model.vocab of BPE/WordPiece, added_tokens), checked before
 * the library sees them: it trusts them, and a `false` or 1.5 there comes out of encode as an id.
 */
function checkIds(json: Record<string, unknown>, where: string): void {
  const shown = (id: unknown): string => {
    if (typeof id === 'string') return JSON.stringify(id.slice(0, 40));
    if (Array.isArray(id)) return 'a list';
    return typeof id === 'object' && id !== null ? 'an object' : String(id);
  };
  const bad = (piece: unknown, id: unknown): never =>
    fail(`tokenizer.json${where}: token ${shown(piece)} has id ${shown(id)}; ids are integers from 0 to ${MAX_ID}`);
  const ok = (id: unknown): boolean => typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_ID;
  const model = json['model'];
  const vocab = typeof model === 'object' && model !== null ? (model as Record<string, unknown>)['vocab'] : undefined;
  if (typeof vocab === 'object' && vocab !== null && !Array.isArray(vocab)) {
    for (const [piece, id] of Object.entries(vocab)) if (!ok(id)) bad(piece, id);
  }
  const added = json['added_tokens'];
  if (Array.isArray(added)) {
    for (const t of added) {
      const rec = typeof t === 'object' && t !== null ? (t as Record<string, unknown>) : {};
      if (!ok(rec['id'])) bad(rec['content'], rec['id']);
      if (typeof rec['content'] !== 'string' || rec['content'].length > MAX_TEXT) fail(`tokenizer.json${where}: added token ${shown(rec['id'])} has content ${shown(rec['content'])}; expected a string of at most ${MAX_TEXT} characters`);
    }
  }
  checkTexts(json, where, shown);
}

/** Longest text a normalizer, pre-tokenizer or decoder may insert (real ones insert "▁" or " "). */
const MAX_TEXT = 1024;
/** Longest split pattern (Llama 3's regex is ~200 characters). */
const MAX_PATTERN = 16384;

/**
 * The texts the pipeline inserts or matches (Replace/Strip `content`, Prepend `prepend`,
 * Metaspace `replacement`, pattern `String`/`Regex`) must be short strings: the library
 * coerces a list to its joined text, and a 200 KB replacement for every space made a
 * 100-character prompt 4 million tokens (seconds per encode: a hang in the page).
 */
function checkTexts(json: Record<string, unknown>, where: string, shown: (v: unknown) => string): void {
  const limits: Record<string, number> = { content: MAX_TEXT, prepend: MAX_TEXT, replacement: MAX_TEXT, String: MAX_PATTERN, Regex: MAX_PATTERN };
  const stack: [unknown, string, number][] = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'].map((k) => [json[k], k, 0]);
  let seen = 0;
  while (stack.length > 0 && seen++ < 100_000) {
    const [v, path, depth] = stack.pop() as [unknown, string, number];
    if (typeof v !== 'object' || v === null || depth > 64) continue;
    for (const [k, x] of Object.entries(v)) {
      const at = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`;
      const max = Array.isArray(v) ? undefined : limits[k];
      if (max !== undefined && (typeof x !== 'string' || x.length > max)) {
        fail(`tokenizer.json${where}: ${at} is ${shown(x)}${typeof x === 'string' ? ` (${x.length} characters)` : ''}; expected a string of at most ${max} characters`);
      }
      if (typeof x === 'object' && x !== null) stack.push([x, at, depth + 1]);
    }
  }
}

/** tokenizer.json (+ tokenizer_config.json for BOS) through @huggingface/tokenizers. */
export class TextTokenizer {
  private constructor(
    private readonly tok: Tokenizer,
    private readonly byteLevel: boolean,
    private readonly bosId: number | undefined,
    /** Kind, byte-level or not, ids it produces: for the model card and the vocabulary check. */
    readonly info: TokenizerInfo,
  ) {}

  /** The BOS id the tokenizer prepends, if it does. */
  get bos(): number | undefined {
    return this.bosId;
  }

  static async fromCheckpoint(ckpt: Checkpoint): Promise<TextTokenizer | undefined> {
    if (!ckpt.tokenizerJson) return undefined;
    return TextTokenizer.fromSources(ckpt.tokenizerJson, ckpt.tokenizerConfig, ` in ${ckpt.label}`);
  }

  /** From the bytes of tokenizer.json (+ tokenizer_config.json), e.g. files dropped for a model loaded without them. */
  static async fromBytes(tokenizerJson: Uint8Array, tokenizerConfig?: Uint8Array): Promise<TextTokenizer> {
    return TextTokenizer.fromSources(bufferSource(tokenizerJson, 'tokenizer.json'), tokenizerConfig ? bufferSource(tokenizerConfig, 'tokenizer_config.json') : undefined, '');
  }

  /** `where` follows the file names in messages (" in tests/fixtures/…", or empty). */
  private static async fromSources(jsonSrc: ByteSource, cfgSrc: ByteSource | undefined, where: string): Promise<TextTokenizer> {
    const json = await readJson(jsonSrc, `tokenizer.json${where}`);
    const cfg = cfgSrc ? await readJson(cfgSrc, `tokenizer_config.json${where}`) : {};
    if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`tokenizer.json${where} is not a JSON object`);
    const cfgObj = (typeof cfg === 'object' && cfg !== null ? cfg : {}) as Record<string, unknown>;
    checkIds(json as Record<string, unknown>, where);
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(json, cfgObj);
    } catch (e) {
      return fail(`tokenizer.json${where} could not be loaded (${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300)})`);
    }
    // Only prepend BOS when the config asks and the post-processor did not already.
    const bosTok = cfgObj['bos_token'];
    const bosText = typeof bosTok === 'string' ? bosTok : typeof bosTok === 'object' && bosTok !== null ? String((bosTok as Record<string, unknown>)['content'] ?? '') : '';
    const bosId = cfgObj['add_bos_token'] === true && bosText ? tok.token_to_id(bosText) : undefined;
    const model = (json as Record<string, unknown>)['model'];
    const type = typeof model === 'object' && model !== null ? (model as Record<string, unknown>)['type'] : undefined;
    // Ids run 0..max: the size a model's vocabulary must cover is the largest id + 1 (added tokens included).
    let maxId = -1;
    for (const [piece, id] of guarded('list its vocabulary', () => tok.get_vocab(true))) {
      if (!Number.isInteger(id) || id < 0 || id > MAX_ID) fail(`tokenizer.json${where}: token ${JSON.stringify(String(piece).slice(0, 40))} has id ${String(id).slice(0, 40)}; ids are integers from 0 to ${MAX_ID}`);
      if (id > maxId) maxId = id;
    }
    if (maxId < 0) fail(`tokenizer.json${where} has an empty vocabulary`);
    const byteLevel = mentionsByteLevel(json);
    const info: TokenizerInfo = { kind: typeof type === 'string' ? type : 'unknown', byteLevel, vocab: maxId + 1, ...(bosId !== undefined ? { bos: bosId } : {}) };
    return new TextTokenizer(tok, byteLevel, bosId, info);
  }

  encode(text: string): number[] {
    if (text.length === 0) fail('the prompt is empty: type some text');
    const ids = guarded('encode the prompt', () => this.tok.encode(text).ids);
    const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= this.info.vocab);
    if (bad >= 0) fail(`the tokenizer produced id ${String(ids[bad])} at position ${bad}, outside its own vocabulary (0..${this.info.vocab - 1}): its tokenizer.json is malformed`);
    if (this.bosId !== undefined && ids[0] !== this.bosId) ids.unshift(this.bosId);
    return ids;
  }

  decode(ids: number[]): string {
    return guarded('decode ids', () => this.tok.decode(ids));
  }

  /** The id of a raw vocabulary entry as tokenizer.json stores it ("Ġdog", "▁dog", "<0xE4>"), if any. */
  tokenId(raw: string): number | undefined {
    return this.tok.token_to_id(raw);
  }

  /** Byte-level BPE (vocabulary entries are bytes as GPT-2 stand-in characters) rather than SentencePiece-style pieces. */
  get isByteLevel(): boolean {
    return this.byteLevel;
  }

  piece(id: number): string {
    const raw = guarded('name a token', () => this.tok.id_to_token(id));
    return raw === undefined ? `<${id}>` : displayPiece(raw, this.byteLevel);
  }

  view(ids: number[]): TokenView[] {
    return ids.map((id) => ({ id, text: this.piece(id) }));
  }
}
