/** The CKA view's settings as a permalink carries them (src/state/cka-slice.ts CkaSettings), bounded. Model B is not in the link (as in the Compare view). */
import { z } from 'zod';

export const ckaLinkSchema = z.object({
  mode: z.enum(['layers', 'model', 'path']),
  hooks: z.string().max(400),
  position: z.enum(['last', 'mean', 'all']),
  kind: z.enum(['linear', 'debiased']),
  limit: z.number().int().min(0).max(1e9),
  minibatch: z.number().int().min(0).max(1e6),
  passes: z.number().int().min(1).max(1000),
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  linearMap: z.boolean(),
  ridge: z.number().min(0).max(1e6),
  holdout: z.number().gt(0).lt(1),
});
