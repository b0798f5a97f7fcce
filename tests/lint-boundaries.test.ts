// Proves each package-boundary rule in eslint.config.js fires (DESIGN.md, "Who may import
// what"): the code is linted as if it lived at a virtual path inside the folder concerned.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd });
});

interface Found { ruleId: string | null; message: string }

async function errors(filePath: string, code: string): Promise<Found[]> {
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
  if (!result) throw new Error(`no lint result for ${filePath}`);
  return result.messages.filter((m) => m.severity === 2).map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

async function expectRule(filePath: string, code: string, ruleId: string, mentions: RegExp): Promise<void> {
  const found = await errors(filePath, code);
  expect(found, `${filePath}: expected ${ruleId}`).toContainEqual({ ruleId, message: expect.stringMatching(mentions) });
}

async function expectClean(filePath: string, code: string): Promise<void> {
  expect(await errors(filePath, code), filePath).toEqual([]);
}

describe('workers/engine imports no host', () => {
  it.each([
    ['workers/engine/probe.ts', '../node/host'],
    ['workers/engine/io/probe.ts', '../../node/fs-source'],
    ['workers/engine/models/llama/probe.ts', '../../../browser/opfs-cache'],
    ['workers/engine/probe.ts', '../browser/platform'],
    ['workers/engine/probe.ts', '../../workers/node/host'],
  ])('%s importing %s', async (file, from) => {
    await expectRule(file, `import { x } from '${from}';\nexport const y = x;\n`, 'no-restricted-imports', /workers\/node, workers\/browser.*inject/);
  });

  it('still refuses Node built-ins and UI libraries', async () => {
    await expectRule('workers/engine/io/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n", 'no-restricted-imports', /workers\/node/);
    await expectRule('workers/engine/probe.ts', "import { useState } from 'react';\nexport const u = useState;\n", 'no-restricted-imports', /UI libraries/);
    await expectRule('workers/engine/probe.ts', "import { s } from '../../src/state/store';\nexport const x = s;\n", 'no-restricted-imports', /only src\/contracts/);
  });

  it('allows src/contracts, its own files and tfjs', async () => {
    await expectClean('workers/engine/io/probe.ts', [
      "import type { EngineApi } from '../../../src/contracts/engine-api';",
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { fail } from '../errors';",
      'export type A = EngineApi;',
      'export const f = [tf, fail];',
      '',
    ].join('\n'));
  });
});

describe('workers/engine uses no host globals', () => {
  it.each(['process', 'self', 'navigator', 'document', 'window'])('%s', async (name) => {
    await expectRule('workers/engine/analyses/probe.ts', `export const g = ${name};\n`, 'no-restricted-globals', /workers\/engine/);
  });

  it('allows the platform globals both hosts have, and locals that shadow a name', async () => {
    await expectClean('workers/engine/io/probe.ts', [
      "export const bytes = new TextEncoder().encode('x');",
      'export const ctl = new AbortController();',
      'export function masked(window: number): number { return window + 1; }',
      '',
    ].join('\n'));
  });
});

describe('src/ never imports TensorFlow.js', () => {
  it.each([
    'src/features/lens/Probe.tsx',
    'src/state/probe.ts',
    'src/charts/probe.ts',
    'src/contracts/probe.ts',
    'src/services/engine.ts',
  ])('%s', async (file) => {
    await expectRule(file, "import * as tf from '@tensorflow/tfjs-core';\nexport const t = tf;\n", 'no-restricted-imports', /./);
  });
});

describe('only src/services/engine.ts creates a Worker', () => {
  const code = "export const w = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });\n";

  it.each([
    'src/features/lens/probe.ts',
    'src/state/probe.ts',
    'src/app/Probe.tsx',
    'workers/engine/probe.ts',
    'workers/node/probe.ts',
    'workers/cli.ts',
    'tests/probe.test.ts',
  ])('%s', async (file) => {
    await expectRule(file, code, 'no-restricted-syntax', /src\/services\/engine\.ts/);
  });

  it('refuses globalThis.Worker too', async () => {
    await expectRule('src/features/lens/probe.ts', "export const w = new globalThis.Worker('x.js');\n", 'no-restricted-syntax', /src\/services\/engine\.ts/);
  });

  it('allows it in src/services/engine.ts, with comlink', async () => {
    await expectClean('src/services/engine.ts', [
      "import * as Comlink from 'comlink';",
      "import type { EngineApi } from '../contracts/engine-api';",
      code.trim(),
      'export const api = Comlink.wrap<EngineApi>(w);',
      '',
    ].join('\n'));
  });
});

describe('src/charts never reach the services or the store', () => {
  it.each([
    ['../services/engine', /src\/features/],
    ['../state/store', /store/],
    ['../../workers/engine/api', /engine/],
  ])('importing %s', async (from, mentions) => {
    await expectRule('src/charts/probe.ts', `import { x } from '${from}';\nexport const y = x;\n`, 'no-restricted-imports', mentions);
  });

  it('allows d3 and contracts types', async () => {
    await expectClean('src/charts/probe.ts', [
      "import * as d3 from 'd3';",
      "import type { ModelInfo } from '../contracts/model';",
      'export type M = ModelInfo;',
      'export const scale = d3.scaleLinear();',
      '',
    ].join('\n'));
  });
});

describe('the rest of src/', () => {
  it('never imports the engine or comlink outside src/services/engine.ts', async () => {
    await expectRule('src/features/lens/probe.ts', "import { x } from '../../../workers/engine/api';\nexport const y = x;\n", 'no-restricted-imports', /src\/services\/engine\.ts/);
    await expectRule('src/features/lens/probe.ts', "import * as Comlink from 'comlink';\nexport const c = Comlink;\n", 'no-restricted-imports', /src\/services\/engine\.ts/);
  });

  it('views never set the store; they read it and call actions', async () => {
    await expectRule('src/features/lens/probe.tsx', "import { set } from '../../state/store';\nexport const f = (): void => set({});\n", 'no-restricted-imports', /call an action/);
    await expectClean('src/features/lens/probe.tsx', "import { useStore } from '../../state/store';\nimport { setMetric } from '../../state/lens';\nexport const f = (): unknown => [useStore, setMetric];\n");
    await expectClean('src/state/probe.ts', "import { set } from './store';\nexport const f = (): void => set({});\n");
  });

  it('may import the engine service', async () => {
    await expectClean('src/features/lens/probe.ts', "import * as svc from '../../services/engine';\nexport const s = svc;\n");
  });
});

describe('known-bad tfjs ops are lint errors', () => {
  it('tf.addN (wrong on WebGPU past 7 tensors) is refused in the engine', async () => {
    await expectRule('workers/engine/analyses/probe-x.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const s = (xs: tf.Tensor[]) => tf.addN(xs);\n", 'no-restricted-syntax', /addN is wrong on WebGPU/);
    await expectClean('workers/engine/analyses/probe-x.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const s = (xs: tf.Tensor[]) => tf.sum(tf.stack(xs), 0);\n");
  });
});
