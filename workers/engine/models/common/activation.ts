import { fail } from '../../errors';
import type { Activation } from './types';

/** Maps HF activation names onto the engine's; refuses unknown ones by name. */
export function parseActivation(name: string, where: string): Activation {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
    case 'gelu_tanh':
      return 'gelu_tanh';
    case 'gelu':
      return 'gelu';
    case 'silu':
    case 'swish':
      return 'silu';
    case 'relu':
      return 'relu';
    default:
      return fail(`config.json (${where}): activation "${name}" is not supported`);
  }
}
