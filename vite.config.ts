import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * COOP/COEP make the page cross-origin isolated (SharedArrayBuffer for wasm threads).
 * The CSP allows only our own scripts plus wasm compilation; model files may come from
 * the Hugging Face hub (https) or a local hub mirror used by the tests.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
const csp = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Two pages: the app, and the method notes (opened in a tab of their own at #anchor, so
    // the app's own fragment stays the permalink).
    rolldownOptions: { input: { main: fileURLToPath(new URL('./index.html', import.meta.url)), methods: fileURLToPath(new URL('./methods.html', import.meta.url)) } },
  },
  server: { headers: isolation },
  preview: { headers: { ...isolation, 'Content-Security-Policy': csp } },
});
