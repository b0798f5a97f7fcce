import { trainProbes } from '../../state/probes';
import { useStore } from '../../state/store';
import { StaleNote } from '../stale/StaleNote';
import { ProbeCurves } from './ProbeCurves';
import { ProbeDetail } from './ProbeDetail';
import { ProbeSettings } from './ProbeSettings';
import { ProbeStrip } from './ProbeStrip';
import './probes.css';

/**
 * Concept depth (METHODS §3, Jin et al. 2024): at which depth a concept becomes linearly
 * readable. A probe per hook on a labelled dataset gives accuracy / F1 / ROC-AUC curves over
 * relative depth with bootstrap bands; curves of other models, paths, datasets and
 * perturbations (prefix noise, fake-quantised weights) overlay. Each probe can be exported,
 * score the prompt and steer.
 */
export function ProbesView() {
  const model = useStore((s) => s.model);
  if (!model) return <p className="hint">Load a model to probe its layers.</p>;
  return (
    <section className="probes" data-testid="probes-view" aria-label="concept depth">
      <ProbeSettings />
      <StaleNote name="probes" slot="probes" rerun={() => void trainProbes()} />
      <ProbeCurves />
      <ProbeDetail />
      <ProbeStrip />
    </section>
  );
}
