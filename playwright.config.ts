import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser) with WebGPU
 * through SwiftShader. The production build is served by `vite preview`.
 */
const PORT = Number(process.env['E2E_PORT'] ?? 4180);
/** E2E_DIST: build into another folder, so several runs on one checkout do not overwrite each other's dist/. */
const DIST = process.env['E2E_DIST'];
const outDir = DIST ? ` --outDir ${DIST}` : '';

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--enable-unsafe-webgpu'],
    },
    viewport: { width: 1400, height: 900 },
  },
  webServer: {
    command: `npx vite build${outDir} && npx vite preview${outDir} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    timeout: 180_000,
    reuseExistingServer: false,
  },
});
