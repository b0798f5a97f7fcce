/** The method notes' Markdown, bundled with the site (vite `?raw`): docs/methods.md. */
import notes from '../../../docs/methods.md?raw';

export const METHOD_NOTES: string = notes;
