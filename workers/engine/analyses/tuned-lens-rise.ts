/**
 * When a tuned-lens training counts as diverged (tuned-lens-train.ts stops there and says why).
 * The check runs after every step (losses are batch losses; translators start at zero, so
 * losses[0] is the logit lens): training stops when a loss is not finite, when one exceeds
 * RISE_SPIKE × losses[0], or (from step 2·RISE_WINDOW on) when the mean of the last RISE_WINDOW
 * losses exceeds RISE_FACTOR × the largest of the first RISE_WINDOW. A batch of 64 tokens is one
 * or two documents, and batches differ by up to ~60% in loss, so the rules leave room for that:
 * over 47 healthy runs on the demo model and stories260K (lr 0.01–1, 10–60 steps of 64–256
 * tokens, wasm) a loss reached at most 1.65 × losses[0] and the windowed mean at most 1.14 × the
 * reference. A run that rose 1.40 → 2.2 nats (the WebGPU clip bug fixed in tuned-lens-train.ts) stops at step 6.
 */
export const RISE_WINDOW = 3;
export const RISE_FACTOR = 1.5;
export const RISE_SPIKE = 2.5;

/** Why the losses so far count as diverged (see RISE_FACTOR), or undefined. */
export function riseOf(losses: readonly number[]): string | undefined {
  const n = losses.length;
  const last = losses[n - 1] as number;
  if (!Number.isFinite(last)) return `the loss became ${last}`;
  const first = losses[0] as number;
  if (n > 1 && last > RISE_SPIKE * first) return `the loss rose from ${first.toFixed(3)} to ${last.toFixed(3)} nats`;
  if (n < 2 * RISE_WINDOW) return undefined;
  const ref = Math.max(...losses.slice(0, RISE_WINDOW));
  const recent = losses.slice(n - RISE_WINDOW).reduce((a, v) => a + v, 0) / RISE_WINDOW;
  return recent > RISE_FACTOR * ref ? `the loss rose from ${ref.toFixed(3)} to ${recent.toFixed(3)} nats (mean of the last ${RISE_WINDOW} steps)` : undefined;
}
