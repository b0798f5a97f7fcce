/** `--spec run.json`: a RunSpec's `path`, `interventions` and `quantize`, checked field by field (quantize's bits against the model in the engine). */
import { readFile } from 'node:fs/promises';
import type { Intervention, InterventionKind, QuantizeSpec, SaeSplice } from '../../src/contracts/run';
import { fail } from '../engine/errors';
import { intList } from './cli-args';

export interface SpecFile {
  path?: number[];
  interventions?: Intervention[];
  quantize?: QuantizeSpec;
}

const KINDS: InterventionKind[] = ['zero', 'mean', 'patch', 'add', 'sae'];

function intArray(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && (x as number) >= 0)) fail(`${where} must be a list of non-negative integers`);
  return v as number[];
}

/** Kind sae: {id?, keepError?, features?: [{id, op, value?}]}; a missing id means the command's --sae. */
function saeSplice(v: unknown, w: string): SaeSplice {
  if (v === undefined) return { id: '' };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${w} must be an object {"id"?, "keepError"?, "features"?}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['id', 'keepError', 'features'].includes(k)) fail(`${w}: unknown key "${k}" (id, keepError, features)`);
  if (o['id'] !== undefined && typeof o['id'] !== 'string') fail(`${w}.id must be an SAE artifact id (a string)`);
  if (o['keepError'] !== undefined && typeof o['keepError'] !== 'boolean') fail(`${w}.keepError must be true or false`);
  const out: SaeSplice = { id: (o['id'] as string | undefined) ?? '', ...(o['keepError'] !== undefined ? { keepError: o['keepError'] as boolean } : {}) };
  if (o['features'] !== undefined) {
    if (!Array.isArray(o['features'])) fail(`${w}.features must be a list of {id, op, value?}`);
    out.features = o['features'].map((f: unknown, i) => {
      const fw = `${w}.features[${i}]`;
      const r = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
      if (!Number.isInteger(r['id']) || (r['id'] as number) < 0) fail(`${fw}.id must be a non-negative integer (a feature index)`);
      if (!['ablate', 'clamp', 'scale'].includes(r['op'] as string)) fail(`${fw}.op must be one of ablate, clamp, scale`);
      if (r['op'] !== 'ablate' && !(typeof r['value'] === 'number' && Number.isFinite(r['value']))) fail(`${fw}.value must be a finite number for ${String(r['op'])}`);
      return { id: r['id'] as number, op: r['op'] as 'ablate' | 'clamp' | 'scale', ...(typeof r['value'] === 'number' ? { value: r['value'] } : {}) };
    });
  }
  return out;
}

export function parseSpec(text: string, file: string): SpecFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return fail(`--spec ${file} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`--spec ${file} must hold a JSON object {"path": [...], "interventions": [...]}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'path' && k !== 'interventions' && k !== 'quantize') fail(`--spec ${file}: unknown key "${k}" (keys: path, interventions, quantize)`);
  const out: SpecFile = {};
  if (o['quantize'] !== undefined) {
    const q = o['quantize'];
    if (typeof q !== 'object' || q === null || Array.isArray(q)) fail(`--spec ${file}: quantize must be an object {"bits": {"layer": bits}, "group"?, "scheme"?}`);
    out.quantize = q as QuantizeSpec;
  }
  if (o['path'] !== undefined) out.path = intArray(o['path'], `--spec ${file}: path`);
  if (o['interventions'] !== undefined) {
    const ivs = o['interventions'];
    if (!Array.isArray(ivs)) fail(`--spec ${file}: interventions must be a list`);
    out.interventions = ivs.map((iv: unknown, i) => {
      const w = `--spec ${file}: interventions[${i}]`;
      if (typeof iv !== 'object' || iv === null) fail(`${w} must be an object`);
      const r = iv as Record<string, unknown>;
      if (typeof r['hook'] !== 'string') fail(`${w}.hook must be a hook name`);
      if (!KINDS.includes(r['kind'] as InterventionKind)) fail(`${w}.kind must be one of ${KINDS.join(', ')}`);
      const x: Intervention = { hook: r['hook'], kind: r['kind'] as InterventionKind };
      if (r['heads'] !== undefined) x.heads = intArray(r['heads'], `${w}.heads`);
      if (r['positions'] !== undefined) x.positions = intArray(r['positions'], `${w}.positions`);
      if (r['value'] !== undefined) {
        const val = r['value'] as Record<string, unknown>;
        const shape = intArray(val?.['shape'], `${w}.value.shape`);
        const data = val?.['data'];
        if (!Array.isArray(data) || !data.every((d) => typeof d === 'number' && Number.isFinite(d))) fail(`${w}.value.data must be a list of finite numbers`);
        x.value = { shape, data: Float32Array.from(data as number[]) };
      }
      if (r['sae'] !== undefined || x.kind === 'sae') x.sae = saeSplice(r['sae'], `${w}.sae`);
      return x;
    });
  }
  return out;
}

export async function readSpec(file: string | undefined): Promise<SpecFile> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return fail(`--spec ${file} could not be read`);
  }
  return parseSpec(text, file);
}

/** --path, or the spec file's path (never both), and the spec's interventions. */
export async function runSpecArgs(values: { path?: string | boolean | (string | boolean)[]; spec?: string | boolean | (string | boolean)[] }): Promise<{ path?: number[]; interventions: Intervention[]; quantize?: QuantizeSpec }> {
  const spec = await readSpec(typeof values.spec === 'string' ? values.spec : undefined);
  const flag = typeof values.path === 'string' ? intList('path', values.path) : undefined;
  if (flag && spec.path) fail('give the path once: either --path or "path" in --spec');
  const path = flag ?? spec.path;
  return { ...(path ? { path } : {}), interventions: spec.interventions ?? [], ...(spec.quantize ? { quantize: spec.quantize } : {}) };
}
