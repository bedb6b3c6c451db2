// Lint for every workspace's TypeScript: typescript-eslint's strict set, run by `npm test` (pretest).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'sidecar/console/**', 'examples/**', 'tools/**', 'charts/**'] },
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      // Ferry asserts presence where the code has just checked it (a Map entry set a line above, a validated config
      // field); spelling each out again would add branches that can never run.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
);
