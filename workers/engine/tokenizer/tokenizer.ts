import { Tokenizer } from '@huggingface/tokenizers';
import { fail } from '../errors';
import type { Checkpoint } from '../io/checkpoint';
import { readJson } from '../io/source';
import { displayPiece } from './pieces';

import type { TokenView } from '../../../src/contracts/engine-api';

export type { TokenView };

function mentionsByteLevel(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if ((v as Record<string, unknown>)['type'] === 'ByteLevel') return true;
  return Object.values(v).some(mentionsByteLevel);
}

/** tokenizer.json (+ tokenizer_config.json for BOS) through @huggingface/tokenizers. */
export class TextTokenizer {
  private constructor(
    private readonly tok: Tokenizer,
    private readonly byteLevel: boolean,
    private readonly bosId: number | undefined,
  ) {}

  /** The BOS id the tokenizer prepends, if it does. */
  get bos(): number | undefined {
    return this.bosId;
  }

  static async fromCheckpoint(ckpt: Checkpoint): Promise<TextTokenizer | undefined> {
    if (!ckpt.tokenizerJson) return undefined;
    const json = await readJson(ckpt.tokenizerJson, `tokenizer.json in ${ckpt.label}`);
    const cfg = ckpt.tokenizerConfig ? await readJson(ckpt.tokenizerConfig, `tokenizer_config.json in ${ckpt.label}`) : {};
    if (typeof json !== 'object' || json === null) fail(`tokenizer.json in ${ckpt.label} is not a JSON object`);
    const cfgObj = (typeof cfg === 'object' && cfg !== null ? cfg : {}) as Record<string, unknown>;
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(json, cfgObj);
    } catch (e) {
      return fail(`tokenizer.json in ${ckpt.label} could not be loaded (${e instanceof Error ? e.message : String(e)})`);
    }
    // Only prepend BOS when the config asks and the post-processor did not already.
    const bosTok = cfgObj['bos_token'];
    const bosText = typeof bosTok === 'string' ? bosTok : typeof bosTok === 'object' && bosTok !== null ? String((bosTok as Record<string, unknown>)['content'] ?? '') : '';
    const bosId = cfgObj['add_bos_token'] === true && bosText ? tok.token_to_id(bosText) : undefined;
    return new TextTokenizer(tok, mentionsByteLevel(json), bosId);
  }

  encode(text: string): number[] {
    if (text.length === 0) fail('the prompt is empty: type some text');
    const ids = this.tok.encode(text).ids;
    if (this.bosId !== undefined && ids[0] !== this.bosId) ids.unshift(this.bosId);
    return ids;
  }

  decode(ids: number[]): string {
    return this.tok.decode(ids);
  }

  piece(id: number): string {
    const raw = this.tok.id_to_token(id);
    return raw === undefined ? `<${id}>` : displayPiece(raw, this.byteLevel);
  }

  view(ids: number[]): TokenView[] {
    return ids.map((id) => ({ id, text: this.piece(id) }));
  }
}
