/**
 * `strata sae --dataset FILE`: the SAE over a dataset's rows (METHODS §9.3, §9.4): L0,
 * FVE (sums and x̄ over the whole set), mean cos, dead fraction, log10-density histogram,
 * and with --feature F that feature's dashboard. BOS at position 0 is left out. --ce adds the
 * CE loss recovered over the set (clean, reconstruction spliced, hook zeroed; `sae-ce`).
 */
import { addSae } from '../engine/artifacts/sae-load';
import { fail } from '../engine/errors';
import { fmt, intFlag, loadEngine, type CommandOutput } from './cli-args';
import { datasetRunArgs, readDatasetArgs } from './dataset-args';
import { saeFiles } from './sae-command';
import { runSpecArgs } from './spec-file';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export async function saeDatasetMode(values: Values, usage: string): Promise<CommandOutput> {
  const { model, dataset, backend } = datasetRunArgs(values, usage);
  if (values['prompt'] !== undefined || values['ids'] !== undefined) fail('give either --dataset or --prompt/--ids, not both');
  if (typeof values['sae'] !== 'string') fail(`--sae PATH is required; usage: ${usage}`);
  const limit = intFlag('limit', values['limit'] as string | undefined, 0, 0);
  const feature = values['feature'] === undefined ? undefined : intFlag('feature', values['feature'] as string, 0, 0);
  const hook = typeof values['hook'] === 'string' ? values['hook'] : undefined;
  const normScale = values['norm-scale'] === undefined ? undefined : Number(values['norm-scale']);
  if (normScale !== undefined && !(normScale > 0)) fail(`--norm-scale must be a positive number, got "${String(values['norm-scale'])}"`);
  const spec = await runSpecArgs(values);
  const file = await readDatasetArgs(values, dataset);
  const { files, label } = await saeFiles(values['sae']);
  const engine = await loadEngine(model, backend);
  const info = await addSae(engine.registry, files, { path: label, ...(hook ? { hook } : {}), ...(normScale !== undefined ? { normScale } : {}) });
  for (const iv of spec.interventions) if (iv.kind === 'sae' && iv.sae && !iv.sae.id) iv.sae.id = info.id;
  const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
  const r = await engine.analyze('sae-dataset', { run: { tokens: [], ...spec }, options: { sae: info.id, dataset: ds.id, limit } });
  const d = feature === undefined ? undefined : await engine.analyze('sae-feature', { options: { stats: r.artifact, feature } });
  const ce = values['ce'] === true ? await engine.analyze('sae-ce', { run: { tokens: [], ...spec }, options: { sae: info.id, dataset: ds.id, limit } }) : undefined;
  const { artifact: _a, ...set } = r;
  const json = { ...set, sourceHook: info.sourceHook, format: info.format, warnings: info.warnings, ...(d ? { feature: d } : {}), ...(ce ? { ce } : {}) };
  const lines = [
    `sae: ${info.format} ${info.architecture} ${info.dIn}→${info.dSae} at ${r.hook} over ${r.rows} rows of ${ds.name}: ${r.tokens} tokens (${r.bosSkipped} BOS positions left out) in ${fmt(r.seconds, 3)} s`,
    `  L0 ${fmt(r.l0, 4)}  FVE ${fmt(r.fve)}  cos ${fmt(r.cos)}  dead ${r.dead}/${r.dSae} (${fmt(100 * r.deadFraction, 3)} %)`,
    `  log10 density: ${r.density.counts.map((c, i) => `${fmt(r.density.edges[i] as number, 2)}:${c}`).join(' ')}`,
    `  densest: ${r.topByDensity.slice(0, 8).map((s) => `${s.id} (${fmt(100 * s.density, 3)} %)`).join(', ')}`,
    ...(ce ? [`  CE loss recovered ${fmt(ce.recovered)} over ${ce.predictions} predictions: clean ${fmt(ce.clean, 5)}, SAE spliced ${fmt(ce.sae, 5)}, hook zeroed ${fmt(ce.zero, 5)} nats`] : []),
    ...info.warnings.map((w) => `  note: ${w}`),
  ];
  if (d) {
    lines.push(`feature ${d.feature}: fires on ${d.stat.fires} tokens (${fmt(100 * d.stat.density, 3)} %), max ${fmt(d.stat.max, 4)}, mean when active ${fmt(d.stat.meanActive, 4)}`);
    for (const c of d.contexts.slice(0, 10)) lines.push(`  ${fmt(c.act, 4).padStart(9)}  row ${c.row} pos ${c.position}: ${c.tokens.map((t, i) => (c.from + i === c.position ? `[[${t}]]` : t)).join('')}`);
    for (const q of d.quantiles) lines.push(`  quantile [${fmt(q.min, 3)}, ${fmt(q.max, 3)}): ${fmt(100 * q.contains, 3)} % of tokens, ${q.examples.length} examples`);
    if (d.logits) lines.push(`  top logits: ${d.logits.top.map((l) => `${JSON.stringify(l.text)} ${fmt(l.logit, 3)}`).join(', ')} (final norm gain not applied)`);
  }
  return { json, summary: lines.join('\n') };
}
