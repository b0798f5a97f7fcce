// Package boundaries from DESIGN.md ("Who may import what") are enforced here as lint
// errors; tests/lint-boundaries.test.ts proves each one fires. Every message says what
// the rule is and where the code belongs instead.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const reactAndDom = ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'd3', 'd3-*'];
const tsFiles = ['**/*.ts', '**/*.tsx'];

// Import patterns, composed per folder below: in a flat config the last block that sets
// no-restricted-imports for a file replaces the earlier options, so each folder's block
// lists everything that applies to it.
const srcNoEngine = {
  group: ['**/workers/engine/**', '**/workers/engine'],
  message: 'src/ never imports the engine (workers/engine): talk to it through src/services/engine.ts, with types from src/contracts.',
};
const srcNoTensorflow = {
  group: ['@tensorflow/*'],
  message: 'src/ never imports TensorFlow.js: tensors live in the engine (workers/engine); the page gets plain typed arrays through src/services/engine.ts.',
};
const srcNoComlink = {
  group: ['comlink'],
  message: 'Only src/services/engine.ts wraps the worker with comlink; elsewhere in src/ call the wrapper it exports.',
};

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
    // Ambient globals (workers/engine/platform-globals.d.ts) must be `declare var` to merge with lib.dom's.
    files: ['**/*.d.ts'],
    rules: { 'no-var': 'off' },
  },
  {
    // One worker, created in one place.
    files: tsFiles,
    ignores: ['src/services/engine.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        {
          selector: "NewExpression[callee.name='Worker']",
          message: 'Only src/services/engine.ts creates the engine worker: use the engine service it exports (src/services/engine.ts).',
        },
        {
          selector: "NewExpression[callee.type='MemberExpression'][callee.property.name='Worker']",
          message: 'Only src/services/engine.ts creates the engine worker: use the engine service it exports (src/services/engine.ts).',
        },
        {
          // Measured: on WebGPU (tfjs 4.22) addN of more than 7 tensors sums only the first 7.
          selector: "CallExpression[callee.property.name='addN']",
          message: 'tf.addN is wrong on WebGPU for more than 7 tensors (tfjs 4.22): use tf.sum(tf.stack(...)) or a running tf.add.',
        },
      ],
    },
  },
  {
    // The engine is environment-agnostic: it runs in a Web Worker and in Node.
    files: ['workers/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: reactAndDom, message: 'workers/engine must not import UI libraries (DESIGN.md): UI code belongs in src/features or src/charts.' },
          { group: ['comlink'], message: 'Only workers/engine.worker.ts and src/services/engine.ts import comlink; the engine exposes plain functions (workers/engine/api.ts).' },
          { group: ['**/src/app/**', '**/src/features/**', '**/src/charts/**', '**/src/state/**', '**/src/services/**'], message: 'workers/engine may import only src/contracts: shared types belong in src/contracts.' },
          { group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process'], message: 'workers/engine runs in a browser worker too: Node APIs belong in workers/node or workers/cli.ts.' },
          {
            // Relative imports that climb out of workers/engine into a host folder, or any path naming one.
            regex: '(^|/)workers/(node|browser)(/|$)|^(\\.\\./)+(node|browser)(/|$)',
            message: 'workers/engine never imports a host (workers/node, workers/browser): declare what it needs in the engine (e.g. the Platform interface) and let the host inject it.',
          },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'document', message: 'workers/engine has no DOM (it runs in a Worker and in Node): UI belongs in src/.' },
        { name: 'window', message: 'workers/engine has no window (it runs in a Worker and in Node): UI belongs in src/; a host-specific value is injected by workers/browser or workers/node.' },
        { name: 'self', message: 'workers/engine must not touch the worker global: worker wiring belongs in workers/engine.worker.ts, browser-only APIs in workers/browser (injected).' },
        { name: 'navigator', message: 'workers/engine must not read navigator (Node has none): adapter limits and browser-only APIs belong in workers/browser and are injected.' },
        { name: 'process', message: 'workers/engine must not read process (a Worker has none): Node-only code belongs in workers/node or workers/cli.ts and is injected.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/services/engine.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [srcNoEngine, srcNoTensorflow, srcNoComlink] }],
    },
  },
  {
    // Views call actions (src/state/<feature>.ts); they never write the store themselves.
    files: ['src/features/**/*.ts', 'src/features/**/*.tsx', 'src/app/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [srcNoEngine, srcNoTensorflow, srcNoComlink, {
          group: ['**/state/store'], importNames: ['set'],
          message: 'views never set the store: call an action from src/state/<feature>.ts (which owns the write).',
        }],
      }],
    },
  },
  {
    // The one file that wraps the worker may import comlink, and nothing else from the boundary list.
    files: ['src/services/engine.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [srcNoEngine, srcNoTensorflow] }],
    },
  },
  {
    files: ['src/charts/**/*.ts', 'src/charts/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/state/**', '**/state', 'zustand', 'zustand/*'], message: 'charts take data and callbacks; they never read the store: the view in src/features/<view> reads it and passes props.' },
          { group: ['**/services/**', '**/services'], message: 'charts never call services (src/services): the view in src/features/<view> fetches the data and passes it in.' },
          { group: ['**/workers/**', 'comlink'], message: 'charts never touch the engine: the view in src/features/<view> asks src/services/engine.ts and passes plain data in.' },
          srcNoTensorflow,
        ],
      }],
    },
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'zustand', 'd3', 'comlink', '@tensorflow/*', '**/workers/**'], message: 'contracts are types and tiny guards only: behaviour belongs in workers/engine (engine side) or src/features (page side).' },
        ],
      }],
    },
  },
);
