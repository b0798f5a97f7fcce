/** Page-wide messages from views that have no action of their own (exports, file pickers). */
import { set } from './store';

/** Shows the one error line (data-testid="error") near the top of the page. */
export function showError(message: string): void {
  set({ error: message });
}
