/**
 * Which section of the method notes the in-page panel shows (null = closed). Kept out of
 * the app store on purpose: it is not part of the experiment, so it never reaches the
 * permalink, and opening the notes never touches location.hash.
 */
import { useSyncExternalStore } from 'react';

export interface NotesState {
  anchor: string;
  /** Grows on every open, so opening the same anchor again scrolls to it again. */
  seq: number;
}

let state: NotesState | null = null;
let seq = 0;
const listeners = new Set<() => void>();

function emit(): void {
  for (const l of listeners) l();
}

/** Opens the notes panel at the heading with id `anchor` (docs/methods.md `{#anchor}`). */
export function openNotes(anchor: string): void {
  state = { anchor, seq: ++seq };
  emit();
}

export function closeNotes(): void {
  if (state === null) return;
  state = null;
  emit();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useNotes(): NotesState | null {
  return useSyncExternalStore(subscribe, () => state, () => null);
}

/** The standalone notes page at `anchor` (a separate page: the app's fragment stays the permalink). */
export function notesHref(anchor: string): string {
  return `${import.meta.env.BASE_URL}methods.html#${anchor}`;
}
