/**
 * What a change of model A (a load, a backend switch, an engine restart) does to the
 * state that depends on it. Results are dropped (they belong to the old model); the
 * experiment's settings are kept where they still mean something for the new model and
 * reset, with a notice that says so, where they do not: a path naming layers the new
 * model lacks, interventions on steps it does not have, a lens target past its vocab, a
 * tuned lens that went with the old model.
 */
import type { LoadSummary } from '../contracts/engine-api';
import type { Intervention } from '../contracts/run';
import type { State } from './store';

/** Every result bound to model A, emptied. */
export const NO_RESULTS = {
  run: null, lens: null, attention: null, residual: null, effect: null, sweep: null, chains: null,
  tunedArtifact: null, tunedInfo: null, tunedLosses: null, tunedComparison: null, compareProfiles: null, stamps: {},
  // Activations are the old model's (and its artifact goes when that model is unloaded).
  extractResult: null, chainTargetPreview: null, cka: null,
  // The past-the-context line (and a question waiting) was about the old model's prompt.
  contextNote: null,
} as const satisfies Partial<State>;

/** The step a hook name addresses (`blocks.{step}.…`), or null for embed / final hooks. */
function hookStep(hook: string): number | null {
  const m = /^blocks\.(\d+)\./.exec(hook);
  return m ? Number(m[1]) : null;
}

export interface ModelChange {
  patch: Partial<State>;
  /** What was reset, in words (empty = nothing the user set was touched). */
  resets: string[];
}

/**
 * The store patch for model A becoming `next` (null: no model). Keeps the path,
 * interventions, head selection and lens target when they fit the new model.
 */
export function modelChange(s: State, next: LoadSummary | null, opts: { keepTarget?: boolean } = {}): ModelChange {
  const resets: string[] = [];
  const patch: Partial<State> = { ...NO_RESULTS, model: next };
  const layers = next?.info.layers ?? 0;
  let path = s.path;
  if (path && next && path.some((l) => l >= layers)) {
    resets.push(`the path (${path.join(', ')}) names layers this ${layers}-layer model lacks: back to all layers`);
    path = null;
  }
  if (path !== s.path) patch.path = path;
  const steps = path?.length ?? layers;
  if (next) {
    const kept: Intervention[] = s.interventions.filter((iv) => {
      const st = hookStep(iv.hook);
      return st === null || st < steps;
    });
    if (kept.length !== s.interventions.length) {
      resets.push(`${s.interventions.length - kept.length} intervention(s) on steps past ${steps - 1} dropped`);
      patch.interventions = kept;
    }
    if (s.selectedHead.step >= steps || s.selectedHead.head >= next.info.heads) patch.selectedHead = { step: 0, head: 0 };
  }
  // The tuned lens went with the old model: decode with the logit lens again.
  const l = s.lensSettings;
  const targetOk = opts.keepTarget === true && next !== null && (l.targetId === null || l.targetId < next.info.vocab);
  if (l.kind === 'tuned' || (l.targetId !== null && !targetOk)) {
    if (l.kind === 'tuned' && s.model) resets.push('the lens decodes with the logit lens again (the tuned lens belonged to the previous model)');
    patch.lensSettings = { ...l, kind: 'logit', targetId: targetOk ? l.targetId : null, metric: !targetOk && (l.metric === 'targetProb' || l.metric === 'targetRank') ? 'top1Prob' : l.metric };
  }
  return { patch, resets };
}
