/**
 * An SAE as an artifact of a loaded model: read (artifacts/sae.ts), checked against the
 * model (its hook exists, its layer is in range, its d_in is the hook's width: one line
 * naming both otherwise), registered. Dropping the model drops and disposes it.
 */
import type { SaeInfo } from '../../../src/contracts/sae';
import { fail } from '../errors';
import { checkHookName, hookWidth } from '../forward/hooks';
import type { FileSet } from '../io/source';
import type { Registry } from '../registry';
import { disposeSae, loadSae, type SaeLoadOptions } from './sae';

export async function addSae(registry: Registry, files: FileSet, o: SaeLoadOptions = {}, model?: string): Promise<SaeInfo> {
  const m = registry.model(model);
  const sae = await loadSae(files, o);
  try {
    const { hook, dIn, sourceHook } = sae.info;
    const layers = m.model.arch.layers;
    const layer = /^blocks\.(\d+)\./.exec(hook)?.[1];
    if (layer !== undefined && Number(layer) >= layers) fail(`the SAE reads ${sourceHook} (layer ${layer}) but ${m.label} has ${layers} layers (0..${layers - 1})`);
    checkHookName(hook, layers);
    const path = Array.from({ length: layers }, (_, i) => i);
    const width = hookWidth(m.model, hook, path);
    if (width !== dIn) fail(`the SAE's d_in is ${dIn} (${sourceHook}) but ${m.label}'s ${hook} is ${width} wide: the SAE was made for another model or hook`);
    // MODELS.md: HF's last hidden_states entry is final-normed; TransformerLens's resid_post is not.
    if (hook === `blocks.${layers - 1}.hook_resid_post`) sae.info.warnings.push(`${hook} is the last block's output before the final norm (TransformerLens); Hugging Face's last hidden state is already final-normed, so an SAE trained on that would not match here`);
  } catch (e) {
    disposeSae(sae);
    throw e;
  }
  const label = o.path ?? files.label;
  const a = registry.addArtifact({ kind: 'sae', model: m.id, label, sae });
  return { id: a.id, ...sae.info };
}
