/**
 * Token ids as a user types them ("1, 7, 42", "1 7 42", "[1, 7, 42]"), checked against
 * the model's vocabulary before anything runs. Pure: no store, no engine.
 */

export type ParsedIds = { ok: true; ids: number[] } | { ok: false; error: string };

/** Positions count from 0, as in the token strip and the engine's own messages. */
export function parseTokenIds(text: string, vocab: number): ParsedIds {
  // One pair of outer brackets (a pasted Python or JSON list) is allowed; brackets inside are not.
  const outer = /^\s*[[(]([^]*)[\])]\s*$/.exec(text);
  const body = (outer ? outer[1] as string : text).trim();
  const entries = body.split(/[\s,]+/).filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, error: 'no token ids: type ids such as 1, 7, 42 (commas or spaces between them)' };
  const ids: number[] = [];
  for (const [i, e] of entries.entries()) {
    if (!/^[+-]?\d+$/.test(e)) return { ok: false, error: `token id "${e}" at position ${i} is not an integer` };
    const id = Number(e);
    if (id < 0) return { ok: false, error: `token id ${e} at position ${i} is negative (ids are 0 to ${vocab - 1})` };
    if (id >= vocab) return { ok: false, error: `token id ${e} at position ${i} is past the vocabulary (${vocab} ids: 0 to ${vocab - 1})` };
    ids.push(id);
  }
  return { ok: true, ids };
}
