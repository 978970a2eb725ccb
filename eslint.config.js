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
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
);
