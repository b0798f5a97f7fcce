import { fail } from '../../errors';
import { FIELDS, KINDS, show, type BoolKey, type FieldKey, type Kind, type NumberKey, type ObjectKey, type StringKey } from './config-schema';

/**
 * Validated reads of a model config (config.json, or later GGUF metadata mapped onto the
 * same keys). Every key has a kind in config-schema.ts; a value of the wrong type or out
 * of range fails with one line naming the file, the key, the value and what was expected.
 * An absent key (or null) takes the fallback; without one it is required.
 */
export class ConfigReader {
  /**
   * @param file  how messages name the file ("config.json")
   * @param where where it came from (a folder, "dropped files"), or empty
   * @param path  dotted prefix inside the file (a sub-object such as rope_scaling)
   */
  constructor(
    readonly cfg: Record<string, unknown>,
    readonly arch: string,
    readonly file = 'config.json',
    readonly where = '',
    readonly path = '',
  ) {}

  /** `config.json (llama) in folder x` — the start of every message. */
  get label(): string {
    return `${this.file} (${this.arch})${this.where ? ` in ${this.where}` : ''}`;
  }

  /** The key as the user finds it in the file (rope_scaling.factor). */
  name(key: string): string {
    return `${this.path}${key}`;
  }

  has(key: FieldKey): boolean {
    return this.cfg[key] !== undefined && this.cfg[key] !== null;
  }

  private checked(key: FieldKey): unknown {
    const v = this.cfg[key];
    const kind: Kind = FIELDS[key];
    const rule = KINDS[kind];
    if (!rule.ok(v)) fail(`${this.label}: ${this.name(key)} is ${show(v)}; expected ${rule.expected} (${rule.why})`);
    return v;
  }

  private missing(keys: string): never {
    return fail(`${this.label}: required field ${keys} is missing`);
  }

  /** A number of the key's kind (sizes, bases, epsilons, …). */
  num(key: NumberKey, fallback?: number): number {
    if (!this.has(key)) return fallback ?? this.missing(this.name(key));
    return this.checked(key) as number;
  }

  /** The first key present among aliases (configs name the same thing differently). */
  numOf(keys: NumberKey[], fallback?: number): number {
    for (const k of keys) if (this.has(k)) return this.num(k);
    return fallback ?? this.missing(keys.map((k) => this.name(k)).join(' / '));
  }

  /** The key that numOf would read, for messages. */
  keyOf(keys: NumberKey[]): string {
    return this.name(keys.find((k) => this.has(k)) ?? (keys[0] as string));
  }

  bool(key: BoolKey, fallback: boolean): boolean {
    return this.has(key) ? (this.checked(key) as boolean) : fallback;
  }

  str(key: StringKey, fallback: string): string {
    return this.has(key) ? (this.checked(key) as string) : fallback;
  }

  /** A sub-object (rope_scaling) as a reader of its own, or undefined when absent. */
  obj(key: ObjectKey): ConfigReader | undefined {
    if (!this.has(key)) return undefined;
    return new ConfigReader(this.checked(key) as Record<string, unknown>, this.arch, this.file, this.where, `${this.name(key)}.`);
  }

  /** Divides evenly or fails naming both fields. */
  checkDivides(a: number, aName: string, b: number, bName: string, why: string): void {
    if (b === 0 || a % b !== 0) fail(`${this.label}: ${aName} (${a}) is not a multiple of ${bName} (${b}); ${why}`);
  }

  /** A relation between values that does not hold. */
  refuse(what: string): never {
    return fail(`${this.label}: ${what}`);
  }
}

/**
 * Keys read outside the families (the engine's BOS, the model card's context length),
 * validated with the rest: BOS must index the embedding; context keys must be in range.
 */
export function checkCommonFields(c: ConfigReader, vocab: number): void {
  for (const k of ['max_position_embeddings', 'n_positions', 'n_ctx'] as const) if (c.has(k)) c.num(k);
  if (c.has('bos_token_id')) {
    const bos = c.num('bos_token_id');
    if (bos >= vocab) c.refuse(`bos_token_id ${bos} is not below vocab_size ${vocab}: a token id indexes the embedding`);
  }
}
