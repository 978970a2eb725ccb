// ESLint: typescript-eslint's strict type-checked rules over the product, its tests, the
// benchmark and the fuzzer (`npm run lint`, part of `npm run check`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'packages/*/dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '**/*.mjs', '**/*.cjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file's nearest tsconfig.json (the root one, packages/kite-simulator's own); the
        // fuzzer is outside the root one's include, so it gets the root's options as a default.
        projectService: { allowDefaultProject: ['fuzz/*.ts'], defaultProject: 'tsconfig.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Numbers in messages and names print as expected; anything else still needs String().
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => resolve()`-style arrow shorthands are ordinary callbacks, not a confused value.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['test/**'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.stringMatching, ...) are typed `any`; the
      // tests' other `any`s (JSON.parse, once()) are typed where they arise.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
