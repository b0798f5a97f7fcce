/**
 * The experiment a permalink carries, versioned. v1 (the first page) held a model id,
 * one prompt and the view; v2 adds the layer path, interventions and view settings.
 * Unknown fields are dropped (zod strips them); every string and array is bounded.
 */
import { z } from 'zod';
import { CONTEXT_POLICIES } from '../context';
import { ckaLinkSchema } from './cka-link';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const shortText = z.string().max(200);

export const modelRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('demo') }),
  z.object({
    kind: z.literal('hub'),
    repo: z.string().regex(/^[\w.-]+(\/[\w.-]+)?$/).max(200),
    /** The commit the user loaded (pinned), or a branch name. */
    revision: z.string().regex(/^[\w.-]+$/).max(100),
  }),
  z.object({
    kind: z.literal('local'),
    files: z.array(shortText).min(1).max(200),
    /** SHA-256 of config.json and of each safetensors header (8-byte length + JSON). */
    fingerprint: z.object({ config: hex64, headers: z.record(shortText, hex64) }),
  }),
]);

export const interventionSchema = z.object({
  hook: z.string().regex(/^[\w.*]+$/).max(80),
  kind: z.enum(['zero', 'mean', 'patch', 'add', 'sae']),
  heads: z.array(z.number().int().min(0).max(4096)).max(4096).optional(),
  positions: z.array(z.number().int().min(0).max(1 << 20)).max(4096).optional(),
  value: z.object({ shape: z.array(z.number().int().min(0)).max(4), data: z.array(z.number()).max(65536) }).optional(),
  /** Kind sae (contracts/run.ts SaeSplice): the SAE artifact id is the page's, so a link asks for the SAE files again. */
  sae: z.object({
    id: z.string().regex(/^[\w-]+$/).max(40),
    keepError: z.boolean().optional(),
    features: z.array(z.object({ id: z.number().int().min(0).max(1 << 24), op: z.enum(['ablate', 'clamp', 'scale']), value: z.number().finite().optional() })).max(256).optional(),
  }).optional(),
});

export const viewSchema = z.enum(['lens', 'attention', 'residual', 'sweep', 'chains', 'tuned', 'compare', 'datasets', 'cka', 'latent', 'sae', 'probes', 'quant']);

/** Datasets view (added within v2): a built-in set by name or a local file by SHA-256, its column mapping and extraction settings. */
const columnName = z.string().min(1).max(200);
const datasetExtra = {
  mapping: z.object({ text: columnName.optional(), ids: columnName.optional(), label: columnName.optional() }).optional(),
  extract: z.object({
    hooks: z.string().max(400),
    position: z.enum(['last', 'mean', 'all', 'index']),
    index: z.number().int().min(-(1 << 20)).max(1 << 20),
    limit: z.number().int().min(0).max(1e9),
  }).optional(),
};
export const datasetLinkSchema = z.union([
  z.object({ builtin: z.string().regex(/^[\w.-]+$/).max(100), ...datasetExtra }),
  z.object({ fingerprint: hex64, name: shortText, ...datasetExtra }),
]);

export const stateV2 = z.object({
  v: z.literal(2),
  model: modelRefSchema.nullable(),
  prompts: z.array(z.string().max(4000)).max(16),
  path: z.array(z.number().int().min(0).max(1023)).max(1024).nullable(),
  interventions: z.array(interventionSchema).max(64),
  view: viewSchema,
  lens: z.object({
    metric: z.enum(['top1Prob', 'targetProb', 'targetRank', 'entropy', 'kl']),
    targetId: z.number().int().min(0).nullable(),
    topk: z.number().int().min(1).max(50),
    kl: z.enum(['final||row', 'row||final', 'final||row-clipped']),
    kind: z.enum(['logit', 'tuned']).optional(),
  }),
  attention: z.object({ step: z.number().int().min(0).max(1023), head: z.number().int().min(0).max(1023) }),
  /** Residual view: void threshold α; skip sweep: modes and the prompt set. Optional (added within v2). */
  residualAlpha: z.number().min(0).max(1).optional(),
  sweep: z.object({ modes: z.array(z.enum(['layer', 'attn', 'mlp'])).max(3), prompts: z.string().max(8000) }).optional(),
  chains: z.object({
    mode: z.enum(['logprob', 'exact']),
    budget: z.number().int().min(1).max(100_000),
    exploration: z.number().min(0).max(100),
    lengthPenalty: z.number().min(0).max(100),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    topK: z.number().int().min(1).max(100),
    target: z.string().max(400),
  }).optional(),
  dataset: datasetLinkSchema.optional(),
  /** What a run does with a prompt past the model's context (src/state/context.ts). Optional (added within v2). */
  contextPolicy: z.enum(CONTEXT_POLICIES).optional(),
  /** CKA view settings (src/state/permalink/cka-link.ts). Optional (added within v2). */
  cka: ckaLinkSchema.optional(),
});

export type PermalinkState = z.infer<typeof stateV2>;
export type ModelRef = z.infer<typeof modelRefSchema>;

/** The first format: `model` was "demo" or "hub:owner/name@rev"; one prompt. */
export const stateV1 = z.object({
  v: z.literal(1),
  model: z.string().max(400).nullable(),
  prompt: z.string().max(4000),
  view: viewSchema,
});

export const DEFAULT_STATE: PermalinkState = {
  v: 2,
  model: null,
  prompts: [],
  path: null,
  interventions: [],
  view: 'lens',
  lens: { metric: 'top1Prob', targetId: null, topk: 5, kl: 'final||row' },
  attention: { step: 0, head: 0 },
};

function migrateV1(s: z.infer<typeof stateV1>): PermalinkState {
  let model: ModelRef | null = null;
  const hub = s.model ? /^hub:([\w.-]+(?:\/[\w.-]+)?)@([\w.-]+)$/.exec(s.model) : null;
  if (s.model === 'demo') model = { kind: 'demo' };
  else if (hub) model = { kind: 'hub', repo: hub[1] as string, revision: hub[2] as string };
  return { ...DEFAULT_STATE, model, prompts: s.prompt ? [s.prompt] : [], view: s.view };
}

/** Parses any supported version into the current one; a readable reason when it cannot. */
export function parseState(raw: unknown): { ok: true; state: PermalinkState } | { ok: false; reason: string } {
  const version = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['v'] : undefined;
  if (version === 2) {
    const r = stateV2.safeParse(raw);
    return r.success ? { ok: true, state: r.data } : { ok: false, reason: `invalid v2 link (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})` };
  }
  if (version === 1) {
    const r = stateV1.safeParse(raw);
    return r.success ? { ok: true, state: migrateV1(r.data) } : { ok: false, reason: 'invalid v1 link' };
  }
  return { ok: false, reason: typeof version === 'number' ? `link version ${version} is newer than this page understands` : 'not a Strata link' };
}
