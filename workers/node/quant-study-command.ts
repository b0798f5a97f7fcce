/**
 * `strata quant-study`: the layer-wise quantization study (METHODS §7, §11) over a dataset:
 * perplexity as a growing fraction of layers (least important first, by LIM, ZD, random or
 * reverse order) moves from the high to the low bit width, with LIM and ZD per layer.
 */
import { parseArgs } from 'node:util';
import { QUANT_STUDY_DEFAULTS, type QuantOrder, type QuantScheme, type QuantStudyOptions, type QuantStudyResult } from '../../src/contracts/quant-study';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, intFlag, loadEngine, modelJson, type Command } from './cli-args';
import { DATASET_OPTIONS, datasetRunArgs, readDatasetArgs } from './dataset-args';

const USAGE = 'strata quant-study --model DIR --dataset FILE [--low-bits 4] [--high-bits 8] [--order lim,zd,random,reverse] [--seed 0] [--seeds 3] [--group G] [--scheme auto|symmetric|asymmetric] [--fractions 0,0.1,...,1] [--context 128] [--json]';
const ORDERS: readonly QuantOrder[] = ['lim', 'zd', 'random', 'reverse'];

function choice<T extends string>(flag: string, v: string | undefined, options: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(options as readonly string[]).includes(v)) fail(`--${flag} must be ${options.join(', ').replace(/, ([^,]*)$/, ' or $1')}, got "${v}"`);
  return v as T;
}

function orderList(v: string | undefined): QuantOrder[] {
  if (v === undefined) return ['lim', 'zd', 'random'];
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) fail('--order is empty: give lim, zd, random or reverse (comma-separated for several)');
  return list.map((s) => choice('order', s, ORDERS, 'lim'));
}

function fractionList(v: string | undefined): number[] {
  if (v === undefined) return QUANT_STUDY_DEFAULTS.fractions;
  return v.split(',').map((s) => {
    const f = Number(s.trim());
    if (s.trim() === '' || !(f >= 0 && f <= 1)) fail(`--fractions: "${s.trim()}" is not a number in [0, 1]`);
    return f;
  });
}

function table(r: QuantStudyResult): string {
  const head = `  ${'fraction'.padEnd(9)}${r.curves.map((c) => c.order.padStart(c.order === 'random' ? 22 : 12)).join('')}`;
  const rows = (r.curves[0]?.points ?? []).map((_, i) => {
    const cells = r.curves.map((c) => {
      const p = c.points[i];
      if (!p) return ''.padStart(12);
      return c.order === 'random' ? `${fmt(p.perplexity, 6)} ± ${fmt(p.sd, 3)}`.padStart(22) : fmt(p.perplexity, 6).padStart(12);
    });
    return `  ${`${Math.round((r.curves[0]?.points[i]?.fraction ?? 0) * 100)}%`.padEnd(9)}${cells.join('')}`;
  });
  return [head, ...rows].join('\n');
}

export const quantStudyCommand: Command = {
  usage: USAGE,
  about: 'layer-wise RTN quantization study: perplexity vs fraction of layers at low bits, by LIM, ZD, random or reverse order',
  flags: [
    ...COMMON_FLAGS.filter(([f]) => !f.startsWith('--prompt') && !f.startsWith('--spec')),
    ['--dataset FILE', 'CSV, TSV, JSON, JSONL or TXT rows of text or ids (as strata extract); --text-column / --ids-column pick the column'],
    ['--limit N', 'only the first N rows'],
    ['--low-bits B', 'bits of the layers lowered (default 4)'],
    ['--high-bits B', 'bits of the other layers (default 8; 0 = full precision)'],
    ['--order O[,O...]', 'lim, zd, random, reverse (default lim,zd,random): least important layers first'],
    ['--seed S', 'first seed of the random orders (default 0)'],
    ['--seeds N', 'random orders: N seeds, mean ± sd (default 3)'],
    ['--group G', 'inputs per RTN group of an output row (default 0: Quanto\'s, 128 lowered by 32 until it divides; 8+ bits the whole row)'],
    ['--scheme S', 'auto (default: symmetric at 8+ bits, asymmetric below), symmetric or asymmetric'],
    ['--fractions F,...', 'fractions of layers at low bits (default 0,0.1,...,1)'],
    ['--context N', 'tokens kept per row (default 128)'],
    ['--lim-kind K', 'mean (default: per-token cosine averaged) or flatten (all tokens stacked) orders the lim curve'],
    ['--zd-direction D', 'low-first (default: the smallest |z|>1 fraction is least important) or high-first'],
  ],
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...commonOptions(), ...DATASET_OPTIONS, 'low-bits': { type: 'string' }, 'high-bits': { type: 'string' }, order: { type: 'string' }, seed: { type: 'string' },
        seeds: { type: 'string' }, group: { type: 'string' }, scheme: { type: 'string' }, fractions: { type: 'string' }, context: { type: 'string' },
        'lim-kind': { type: 'string' }, 'zd-direction': { type: 'string' },
      },
      strict: true,
    });
    const { model: modelDir, dataset, backend } = datasetRunArgs(values, USAGE);
    const d = QUANT_STUDY_DEFAULTS;
    const options: Partial<QuantStudyOptions> = {
      lowBits: intFlag('low-bits', values['low-bits'], d.lowBits, 2), highBits: intFlag('high-bits', values['high-bits'], d.highBits, 0),
      orders: orderList(values.order), seed: intFlag('seed', values.seed, d.seed, 0), seeds: intFlag('seeds', values.seeds, d.seeds, 1),
      group: intFlag('group', values.group, d.group, 0), scheme: choice<QuantScheme>('scheme', values.scheme, ['auto', 'symmetric', 'asymmetric'], d.scheme),
      fractions: fractionList(values.fractions), context: intFlag('context', values.context, d.context, 2), limit: intFlag('limit', values.limit, d.limit, 0),
      limKind: choice('lim-kind', values['lim-kind'], ['mean', 'flatten'] as const, d.limKind),
      zdDirection: choice('zd-direction', values['zd-direction'], ['low-first', 'high-first'] as const, d.zdDirection),
    };
    const file = await readDatasetArgs(values, dataset);
    const engine = await loadEngine(modelDir, backend);
    const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
    const r = await engine.analyze('quant-study', { options: { ...options, dataset: ds.id } });
    const json: Record<string, unknown> = { model: modelJson(engine), dataset: ds.name, ...r };
    const layers = r.limMean.map((_, l) => `  L${l}: LIM mean ${fmt(r.limMean[l] as number, 4)}  flatten ${fmt(r.limFlat[l] as number, 4)}  ZD ${fmt(r.zd[l] as number, 4)}`);
    const hb = r.highBits === 0 ? 'full precision' : `${r.highBits} bits`;
    const summary = [
      `quant-study: ${r.layers} layers, ${r.rows} rows (${r.tokens} tokens) of ${ds.name}; low ${r.lowBits} bits, high ${hb}, ${r.scheme} RTN, group ${r.group || 'default'}; ${r.configs} configurations in ${fmt(r.seconds, 3)} s`,
      `perplexity: full precision ${fmt(r.fp, 6)}, all layers at ${hb} ${fmt(r.high, 6)}`,
      table(r),
      ...r.curves.map((c) => `order ${c.order}: ${c.layers.join(' ')}`),
      'scores per layer:',
      ...layers,
    ].join('\n');
    return { json, summary };
  },
};
