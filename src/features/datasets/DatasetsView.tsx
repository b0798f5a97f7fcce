import { useStore } from '../../state/store';
import { DatasetSource } from './DatasetSource';
import { DatasetSummary } from './DatasetSummary';
import { ExtractPanel } from './ExtractPanel';
import './datasets.css';

/**
 * Datasets (DESIGN "Datasets"): open a built-in set, a file or a URL, map its columns,
 * look at its rows and label balance, and extract [N, d] activations per hook under the
 * current path and interventions, downloadable as safetensors.
 */
export function DatasetsView() {
  const info = useStore((s) => s.dataset);
  return (
    <section className="datasets" data-testid="datasets-view" aria-label="datasets">
      <DatasetSource />
      {info ? <DatasetSummary info={info} /> : <p className="hint" data-testid="dataset-none">No dataset open: pick a built-in set, drop a file or give a URL.</p>}
      {info && <ExtractPanel />}
    </section>
  );
}
