/**
 * Every fuzz target, by name. To add one (a GGUF reader, npz, SAE cfg.json, probes…),
 * write tests/fuzz/targets/<name>.ts exporting a FuzzTarget (tests/fuzz/harness.ts says
 * what each field does) and list it here: the seeded suite and `npm run fuzz` run it.
 */
import type { FuzzTarget } from '../harness';
import { configTarget } from './config';
import { datasetsTarget } from './datasets';
import { ggufTarget } from './gguf';
import { permalinkTarget } from './permalink';
import { saeTarget } from './sae';
import { safetensorsTarget } from './safetensors';
import { selftestTarget } from './selftest';
import { shardIndexTarget } from './shard-index';
import { tokenizerTarget } from './tokenizer';
import { tunedLensTarget } from './tuned-lens';

export const TARGETS: readonly FuzzTarget[] = [safetensorsTarget, shardIndexTarget, configTarget, tokenizerTarget, permalinkTarget, datasetsTarget, tunedLensTarget, ggufTarget, saeTarget];

/** Named only explicitly: the harness's own check (tests/fuzz/pool.test.ts). */
const HIDDEN: readonly FuzzTarget[] = [selftestTarget];

export function targetNamed(name: string): FuzzTarget {
  const t = [...TARGETS, ...HIDDEN].find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target "${name}" (targets: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
