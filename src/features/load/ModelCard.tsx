import { useStore } from '../../state/store';
import { EngineMemory } from './EngineMemory';

function fmt(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n);
}

/** What is loaded: architecture, size, dtype on disk, memory on the device, backend, and what the engine holds. */
export function ModelCard() {
  const model = useStore((s) => s.model);
  const backend = useStore((s) => s.backend);
  if (!model) return null;
  const i = model.info;
  const rows: [string, string][] = [
    ['architecture', i.arch],
    ['layers', String(i.layers)],
    ['width', String(i.dModel)],
    ['heads / kv heads', `${i.heads} / ${i.kvHeads} (head dim ${i.headDim})`],
    ['vocab', String(i.vocab)],
    ['parameters', fmt(i.params)],
    ['dtype on disk', i.dtypes.join(', ')],
    ['memory on device', `${(i.deviceBytes / 2 ** 20).toFixed(1)} MiB (f32)`],
    ['embeddings', i.tiedEmbeddings ? 'tied' : 'untied'],
    ['backend', backend?.name ?? '?'],
    ['source', model.source + (model.fromCache ? ` (${model.fromCache} file${model.fromCache > 1 ? 's' : ''} from cache)` : '')],
  ];
  return (
    <section className="card" data-testid="model-card" aria-label="model card">
      <h3>Model</h3>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k}><dt>{k}</dt><dd data-testid={`model-${k.replace(/[^a-z]+/g, '-')}`}>{v}</dd></div>
        ))}
      </dl>
      {!model.hasTokenizer && <p className="hint">No tokenizer.json: prompts cannot be typed for this model.</p>}
      <EngineMemory />
    </section>
  );
}
