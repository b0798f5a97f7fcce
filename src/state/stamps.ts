/**
 * What each result was computed for. A stamp is the part-by-part description of a
 * result's inputs — the model (this load of it, not just its registry id: ids restart
 * after an engine restart), the prompt's tokens, the layer path and interventions, and
 * the view's own settings — taken when its job starts and stored beside the result.
 * A view compares the stored stamp with the stamp the page would use now: any part that
 * differs makes the result stale, and the view says which ("stale: the path changed").
 */
import type { LoadSummary } from '../contracts/engine-api';
import type { State } from './store';

export type ResultName = 'lens' | 'attention' | 'residual' | 'effect' | 'sweep' | 'chains' | 'tunedComparison' | 'compare' | 'cka' | 'latent' | 'probes' | 'quant';

export interface Stamp {
  model: string;
  prompt?: string;
  path?: string;
  settings?: string;
}
export type StampPart = keyof Stamp;

/** Every LoadSummary the page received gets its own serial: two loads of the same files are two models. */
const serials = new WeakMap<LoadSummary, number>();
let nextSerial = 1;
export function modelSerial(m: LoadSummary | null): string {
  if (!m) return 'none';
  let n = serials.get(m);
  if (n === undefined) {
    n = nextSerial++;
    serials.set(m, n);
  }
  return `${m.modelId}#${n}`;
}

function runParts(s: State): Pick<Stamp, 'model' | 'prompt' | 'path'> {
  const ref = s.run?.ref;
  return {
    model: modelSerial(s.model),
    // The tokens run, and the text last submitted (a new prompt makes the views stale at once).
    prompt: `${ref ? ref.tokens.join(',') : ''}|${s.prompt}`,
    path: JSON.stringify([ref ? (ref.path ?? null) : s.path, (ref?.interventions ?? s.interventions).map((iv) => [iv.hook, iv.kind, iv.heads, iv.positions, iv.value?.shape])]),
  };
}

/**
 * The stamp of a result as the page would compute it now. Run-bound results take the
 * current run's inputs; the path part also compares the path being edited, so a path
 * change shows as stale while the rerun is on its way.
 */
export function stampNow(name: ResultName, s: State): Stamp {
  const run = runParts(s);
  const livePath = JSON.stringify([s.path, s.interventions.map((iv) => [iv.hook, iv.kind, iv.heads, iv.positions, iv.value?.shape])]);
  const withLive = { ...run, path: `${run.path}|${livePath}` };
  switch (name) {
    case 'lens': {
      const l = s.lensSettings;
      return { ...withLive, settings: JSON.stringify([l.kind ?? 'logit', l.kind === 'tuned' ? s.tunedArtifact : null, l.targetId, l.kl, l.topk]) };
    }
    case 'attention':
      return withLive;
    case 'residual':
      return { ...withLive, settings: String(s.residualAlpha) };
    case 'effect':
      return { ...withLive, settings: String(s.lensSettings.targetId) };
    case 'sweep': {
      // An empty prompt set means the current prompt: then the prompt is part of the inputs.
      const typed = s.sweepPrompts.trim();
      return { model: run.model, ...(typed ? {} : { prompt: run.prompt }), settings: JSON.stringify([typed, [...s.sweepModes].sort()]) };
    }
    case 'chains':
      return { model: run.model, prompt: run.prompt, settings: JSON.stringify([s.chainTarget, s.chainSettings]) };
    case 'tunedComparison':
      // An empty text box means the default texts (src/state/tuned.ts), not the prompt.
      return { model: run.model, settings: JSON.stringify([s.tunedArtifact, s.tunedTexts.trim()]) };
    case 'compare':
      return { ...withLive, settings: JSON.stringify([s.compareMode, s.compareMode === 'model' ? modelSerial(s.compareModel) : null]) };
    case 'cka': {
      // Over a dataset, not the prompt: the model, the path and interventions (side A), the dataset, model B and the view's settings.
      const c = s.ckaSettings;
      return { model: run.model, path: livePath, settings: JSON.stringify([c, s.dataset?.id ?? null, c.mode === 'model' ? modelSerial(s.compareModel) : null]) };
    }
    case 'latent': {
      // Over word lists, not the prompt: the model, model B when it takes part, the lens and the settings.
      const l = s.latentSettings;
      return { model: run.model, settings: JSON.stringify([l, l.withB ? modelSerial(s.compareModel) : null, l.tuned ? s.tunedArtifact : null, l.words === 'custom' ? s.latentCustom?.name ?? null : null]) };
    }
    case 'probes': {
      // The newest curve: over a dataset, not the prompt; the chart's own choices (metric, thresholds) are not inputs.
      const { metric: _m, jump: _j, converge: _c, ...p } = s.probeSettings;
      return { model: run.model, path: livePath, settings: JSON.stringify([p, s.dataset?.id ?? null, p.target === 'B' ? modelSerial(s.compareModel) : null]) };
    }
    case 'quant':
      // Over a dataset with the model's own weights re-quantised: the model, the dataset and the settings (not the prompt or path).
      return { model: run.model, settings: JSON.stringify([s.quantSettings, s.dataset?.id ?? null]) };
  }
}

const PART_WORDS: Record<StampPart, string> = { model: 'the model', prompt: 'the prompt', path: 'the path or interventions', settings: 'the settings' };

/** Which parts of a stored stamp differ from now, in words (empty = current). */
export function changedParts(stored: Stamp, now: Stamp): string[] {
  const parts: StampPart[] = ['model', 'prompt', 'path', 'settings'];
  return parts.filter((p) => stored[p] !== now[p]).map((p) => PART_WORDS[p]);
}

/** Stale reasons for a stored result (null when there is no result or it is current). */
export function staleness(name: ResultName, s: State): string[] | null {
  const stored = s.stamps[name];
  if (!stored || !hasResult(name, s)) return null;
  const diff = changedParts(stored, stampNow(name, s));
  return diff.length ? diff : null;
}

function hasResult(name: ResultName, s: State): boolean {
  switch (name) {
    case 'compare': return s.compareProfiles !== null;
    case 'tunedComparison': return s.tunedComparison !== null;
    case 'probes': return s.probeCurves.length > 0;
    default: return s[name] !== null;
  }
}
