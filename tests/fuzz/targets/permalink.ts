/**
 * Permalinks (#s=…): a full v2 state (and a v1 one) mutated as JSON before packing, and the
 * packed base64url text mutated after; decodeState must give a valid state or a reason.
 * A reason is the page's refusal (decodeState never throws by contract), counted here as
 * refused when it is one line.
 */
import { decodeState, encodeState } from '../../../src/state/permalink/codec';
import { DEFAULT_STATE, parseState, type PermalinkState } from '../../../src/state/permalink/schema';
import { StrataError } from '../../../workers/engine/errors';
import type { FuzzTarget } from '../harness';
import { mutateJson, mutateText, text, utf8, type Rng } from '../mutate';

const FULL: PermalinkState = {
  ...DEFAULT_STATE,
  model: { kind: 'hub', repo: 'owner/name', revision: 'main' },
  prompts: ['Once upon a time', 'The capital of France is'],
  path: [0, 1, 1, 3],
  interventions: [{ hook: 'blocks.0.hook_attn_out', kind: 'add', heads: [1], positions: [2], value: { shape: [2], data: [0.5, -1] } }],
  view: 'lens',
  lens: { metric: 'kl', targetId: 42, topk: 5, kl: 'final||row' },
  attention: { step: 1, head: 2 },
  residualAlpha: 0.8,
  chains: { mode: 'logprob', budget: 200, exploration: 1.4, lengthPenalty: 0.1, seed: 7, topK: 5, target: ' Paris' },
  dataset: { builtin: 'cities', mapping: { text: 'statement', label: 'label' }, extract: { hooks: 'blocks.*.hook_resid_post', position: 'last', index: -1, limit: 100 } },
};
const V1 = { v: 1, model: 'hub:owner/name@main', prompt: 'hello', view: 'attention' };
let packed: string;

/** deflate-raw + base64url of any text (encodeState's own size check bypassed: the decoder must hold on its own). */
async function pack(json: Uint8Array): Promise<string> {
  const z = new Uint8Array(await new Response(new Blob([json as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  return Buffer.from(z).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export const permalinkTarget: FuzzTarget = {
  name: 'permalink',
  about: 'permalinks: JSON edits of every field of a full v2 state and a v1 state before packing; char edits, truncation and junk in the packed base64url text; deflate bombs',
  suiteCount: 600,
  async fixtures() {
    packed = await encodeState(FULL);
  },
  generate(rng: Rng) {
    const op = rng.int(10);
    if (op < 6) {
      const j = mutateJson(rng, JSON.stringify(rng.chance(0.9) ? FULL : V1));
      // Packed later (compression is async): the input is the JSON, marked by its name.
      return { bytes: utf8(j.text), name: 'json', what: j.what };
    }
    if (op < 7) {
      // A deflate bomb: a long run that compresses to almost nothing.
      const n = rng.pick([300_000, 2_000_000]);
      return { bytes: utf8(JSON.stringify({ ...FULL, prompts: ['a'.repeat(n)] })), name: 'json', what: `prompt of ${n} characters` };
    }
    const m = mutateText(rng, packed);
    return { bytes: utf8(m.text), name: 'packed', what: `packed ${m.what}` };
  },
  async run(input) {
    const link = input.name === 'json' ? await pack(input.bytes) : text(input.bytes);
    const r = await decodeState(link);
    if (!r.ok) throw new StrataError(r.reason);
    // A state that came in must be valid by the schema and survive a round trip.
    const again = parseState(r.state);
    if (!again.ok) return { invalid: again.reason, state: r.state };
    return r.state;
  },
  check(r) {
    return typeof r === 'object' && r !== null && 'invalid' in r ? `decoded state fails its own schema: ${String((r as { invalid: unknown }).invalid)}` : undefined;
  },
};
