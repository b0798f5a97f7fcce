import { clearSteer, importProbeFile, isSteering, scoreProbe, setSteerScale, steerWithProbe } from '../../state/probes';
import { useStore } from '../../state/store';

/** Cell colour for a probability: white at 0, blue at 1. */
const shade = (p: number): string => `rgba(33, 102, 172, ${Number.isFinite(p) ? Math.max(0, Math.min(1, p)).toFixed(3) : 0})`;

/**
 * A probe on the current prompt: the probability of its class at every token (a strip under
 * the tokens), the probes read from files, and the probe's direction as a steering vector
 * (an `add` intervention at its hook, every position; the prompt runs again).
 */
export function ProbeStrip() {
  const sc = useStore((s) => s.probeScore);
  const run = useStore((s) => s.run);
  const imported = useStore((s) => s.probeImported);
  const scale = useStore((s) => s.probeSteerScale);
  const steering = useStore((s) => isSteering(s));
  const stale = sc && run && sc.runId !== run.runId;
  return (
    <section className="probe-strip" data-testid="probes-strip" aria-label="probe on the prompt">
      <div className="controls">
        <label>read a probe (.safetensors: weight, bias, metadata "hook"){' '}
          <input type="file" accept=".safetensors" data-testid="probes-import" onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void importProbeFile(f); }} />
        </label>
        {imported.map((p) => (
          <button type="button" key={p.id} data-testid={`probes-imported-${p.id}`} title={`${p.hook} · ${p.classes.join(' / ')} · trained on ${p.model || 'an unknown model'} with ${p.dataset || 'an unknown dataset'}`} onClick={() => void scoreProbe(p.id, `${p.hook} (file)`)}>
            score with {p.hook}
          </button>
        ))}
      </div>
      {!sc && <p className="hint">Pick “score the prompt” on a hook of a curve (or read a probe file) to see the probe on every token of the prompt.</p>}
      {sc && (
        <>
          <p data-testid="probes-strip-title">
            {sc.title}: P({sc.classes[sc.classIndex] ?? sc.classIndex}) at {sc.hook}, per token{stale ? ' — ' : ''}
            {stale && <><b>stale</b> (the prompt or path changed) <button type="button" data-testid="probes-rescore" onClick={() => void scoreProbe(sc.probe, sc.title, sc.classIndex)}>score again</button></>}
          </p>
          <div className="token-strip probe-tokens" data-testid="probes-strip-cells">
            {sc.tokens.map((t, i) => (
              <span key={i} className="probe-cell" data-testid={`probes-cell-${i}`} data-p={sc.probs[i]} style={{ background: shade(sc.probs[i] ?? NaN), color: (sc.probs[i] ?? 0) > 0.6 ? '#fff' : '#111' }} title={`${t.text}: ${(sc.probs[i] ?? NaN).toFixed(3)}`}>
                <span className="probe-piece">{t.text}</span>
                <span className="probe-p">{(sc.probs[i] ?? NaN).toFixed(2)}</span>
              </span>
            ))}
          </div>
          <div className="controls">
            <label>steer: add scale ×{' '}
              <input type="number" step={0.5} data-testid="probes-steer-scale" value={scale} style={{ width: '5em' }} onChange={(e) => { const v = Number(e.target.value); if (Number.isFinite(v)) setSteerScale(v); }} />
              {' '}× the unit direction at {sc.hook} (every position)
            </label>
            <button type="button" data-testid="probes-steer" onClick={() => void steerWithProbe()}>{steering ? 'update steering' : 'steer with this direction'}</button>
            {steering && <button type="button" data-testid="probes-steer-clear" onClick={() => void clearSteer()}>remove the steering vector</button>}
          </div>
          {steering && <p className="hint" data-testid="probes-steering">A steering vector is in the run's interventions: every view shows the steered model.</p>}
        </>
      )}
    </section>
  );
}
