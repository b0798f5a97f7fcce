// Package boundaries from DESIGN.md are enforced here as lint errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const reactAndDom = ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'd3', 'd3-*'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is environment-agnostic: no React, no DOM-only UI, nothing from src/ but contracts, no comlink.
    files: ['workers/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: reactAndDom, message: 'workers/engine must not import UI libraries (DESIGN.md).' },
          { group: ['comlink'], message: 'Only workers/engine.worker.ts and src/services/engine.ts import comlink.' },
          { group: ['**/src/app/**', '**/src/features/**', '**/src/charts/**', '**/src/state/**', '**/src/services/**'], message: 'workers/engine may import only src/contracts.' },
          { group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process'], message: 'workers/engine runs in a browser worker too: Node APIs belong in workers/node or workers/cli.ts.' },
        ],
      }],
      'no-restricted-globals': ['error', 'document', 'window'],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/services/engine.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/workers/engine/**', '**/workers/engine'], message: 'src/ never imports the engine; talk to it through src/services/engine.ts.' },
          { group: ['comlink'], message: 'Only src/services/engine.ts wraps the worker.' },
        ],
      }],
    },
  },
  {
    files: ['src/charts/**/*.ts', 'src/charts/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/state/**', 'zustand', 'zustand/*'], message: 'charts take data and callbacks; they never read the store.' },
          { group: ['**/workers/**', 'comlink'], message: 'charts never touch the engine.' },
        ],
      }],
    },
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['react', 'zustand', 'd3', 'comlink', '@tensorflow/*', '**/workers/**'], message: 'contracts are types and tiny guards only.' }],
      }],
    },
  },
);
