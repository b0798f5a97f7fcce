import type { MemoryReport } from '../../contracts/engine-api';
import { useStore } from '../../state/store';

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Short lines of what the engine holds: models, run caches against their budget, artifacts, device memory. */
export function memoryLines(m: MemoryReport): [string, string][] {
  const runBytes = m.runs.reduce((s, r) => s + r.bytes, 0);
  return [
    ['models', m.models.length ? m.models.map((x) => `${x.label} (${mib(x.bytes)})`).join(', ') : 'none'],
    ['run caches', `${m.runs.length} run${m.runs.length === 1 ? '' : 's'}, ${mib(runBytes)} of ${mib(m.runBudget)}`],
    ['artifacts', m.artifacts.length ? m.artifacts.map((a) => `${a.kind} ${a.label} (${mib(a.bytes)})`).join(', ') : 'none'],
    ['device', `${mib(m.deviceBytes)} in ${m.deviceTensors} tensors`],
  ];
}

/** What the engine holds now (EngineApi.memory), refreshed after loads and runs. */
export function EngineMemory() {
  const m = useStore((s) => s.memory);
  if (!m) return null;
  return (
    <div className="engine-memory" data-testid="engine-memory">
      <h4>Engine holds</h4>
      <dl>
        {memoryLines(m).map(([k, v]) => (
          <div key={k}><dt>{k}</dt><dd data-testid={`memory-${k.replace(/[^a-z]+/g, '-')}`}>{v}</dd></div>
        ))}
      </dl>
    </div>
  );
}
