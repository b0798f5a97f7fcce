import { fail } from '../errors';
import { gemma } from './gemma/index';
import { gpt2 } from './gpt2/index';
import { llama } from './llama/index';
import { neox } from './neox/index';
import type { Family } from './registry-types';

const FAMILIES: Family[] = [gpt2, llama, gemma, neox];

export const SUPPORTED_MODEL_TYPES = FAMILIES.flatMap((f) => f.modelTypes);

/** The family for config.json's model_type, or a clear refusal naming it. */
export function familyFor(config: Record<string, unknown>, where: string): { family: Family; arch: string } {
  const mt = config['model_type'];
  if (typeof mt !== 'string') fail(`config.json in ${where} has no model_type`);
  const family = FAMILIES.find((f) => f.modelTypes.includes(mt));
  if (!family) fail(`config.json in ${where}: unknown model_type "${mt}" (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  return { family, arch: mt };
}
