import type { TunedTrainSettings } from '../../contracts/tuned-lens';
import type { JobProgress, JobState } from '../../state/store';
import { tunedEstimate, type TunedTrainingSummary } from '../../state/tuned';
import { secondsText } from '../datasets/format';
import { fmtInfo } from '../format';

/**
 * A running training: preparing (the texts run through the model once), then step k/n with
 * its loss and the time left, estimated from the engine's measured time of the last steps
 * (rate and etaSeconds of the progress report) and saying so; "cancelling…" after a cancel.
 */
export function TunedProgress({ job, cancel }: { job: JobState<JobProgress['tuned']>; cancel: () => void }) {
  const p = job.progress;
  let text: string;
  if (!p) text = 'starting… (the time per step is measured at the first step)';
  else if (p.phase === 'prepare') text = `running the texts through the model: ${p.done}/${p.total} ${p.unit}`;
  else {
    let eta = '';
    if (p.etaSeconds !== undefined && p.rate) {
      const perStep = secondsText(1 / p.rate);
      // The engine's rate: the first step alone at step 1, then the last few without it.
      const basis = p.done === 1 ? `${perStep} for the first step, which also starts up the device programs, so this is high` : `the measured ${perStep} per step`;
      eta = ` · ≈ ${secondsText(p.etaSeconds)} left (from ${basis})`;
    }
    text = `step ${p.done}/${p.total}, loss ${fmtInfo(p.loss)}${eta}`;
  }
  const max = p?.phase === 'train' ? p.total : 1;
  const value = p?.phase === 'train' ? p.done : 0;
  return (
    <span data-testid="tuned-progress">
      <progress max={max} value={value} /> <span data-testid="tuned-progress-text">{text}</span>{' '}
      {job.cancelling
        ? <span data-testid="tuned-cancelling">cancelling… keeping the steps already taken</span>
        : <button type="button" data-testid="tuned-cancel" onClick={cancel}>Cancel</button>}
    </span>
  );
}

/** Before training: how long it should take, from the last training of this model, or that it is not known yet. */
export function TunedEstimate({ settings, last, model }: { settings: TunedTrainSettings; last: TunedTrainingSummary | null; model: string }) {
  const e = tunedEstimate(settings, last, model);
  return (
    <span className="hint" data-testid="tuned-estimate">
      {e ? `≈ ${secondsText(e.seconds)} for ${settings.steps} steps (from ${e.basis})` : 'time: measured at the first step, then shown as time left'}
    </span>
  );
}
