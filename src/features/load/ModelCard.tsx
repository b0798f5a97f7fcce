import { useState, type DragEvent } from 'react';
import type { LoadSummary } from '../../contracts/engine-api';
import { learnedPositions } from '../../state/context';
import { useStore } from '../../state/store';
import { addTokenizer } from '../../state/tokenizer';
import { EngineMemory } from './EngineMemory';

function fmt(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n);
}

function contextText(m: LoadSummary): string {
  const c = m.info.contextLength;
  if (c === null) return 'not named in config.json';
  return `${c} positions, ${learnedPositions(m.info.arch) ? 'learned (cannot run past them)' : 'RoPE (past them: extrapolation)'}`;
}

function tokenizerText(m: LoadSummary): string {
  if (!m.hasTokenizer) return 'none — drop a tokenizer.json';
  const t = m.tokenizer;
  return t ? `${t.kind}${t.byteLevel ? ' (byte-level)' : ''}, ${t.vocab} ids` : 'yes';
}

/** For a model loaded without tokenizer.json: drop or pick tokenizer.json (+ tokenizer_config.json) to give it one. */
function TokenizerDrop() {
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void addTokenizer(Array.from(e.dataTransfer.files));
  };
  return (
    <div
      className={`tokenizer-drop ${over ? 'over' : ''}`}
      data-testid="tokenizer-drop"
      onDragOver={(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      No tokenizer.json: run token ids beside the prompt, or drop tokenizer.json (and tokenizer_config.json) here for text prompts.
      <label>pick <input type="file" multiple accept=".json,application/json" data-testid="tokenizer-input" onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void addTokenizer(files); }} /></label>
    </div>
  );
}

/** What is loaded: architecture, size, dtype on disk, memory on the device, context, tokenizer, backend, and what the engine holds. */
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
    ['context length', contextText(model)],
    ['tokenizer', tokenizerText(model)],
    ['parameters', fmt(i.params)],
    ['dtype on disk', i.dtypes.join(', ')],
    // Bytes per parameter: 4 for f32 weights, ≈2 when the matrices stay 16-bit on the device (WebGPU; norms and biases stay f32).
    ['memory on device', `${(i.deviceBytes / 2 ** 20).toFixed(1)} MiB (${i.bytesPerParam > 0 ? i.bytesPerParam.toFixed(2) : '?'} bytes per parameter)`],
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
      {/* The demo's own card (training data, behaviours, limits) is served with the site. */}
      {model.source === 'demo' && <p><a href="models/demo/README.md" target="_blank" rel="noopener noreferrer" data-testid="demo-model-card">the demo's model card</a></p>}
      {!model.hasTokenizer && <TokenizerDrop />}
      <EngineMemory />
    </section>
  );
}
