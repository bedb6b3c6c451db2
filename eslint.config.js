// Lint for every workspace's TypeScript and the console's TSX: typescript-eslint's `strict` set, run by `npm test`
// (pretest, after the build). `strict` rather than `strictTypeChecked`: the type-aware set needs the whole program
// per run (minutes on the shared CI machine, 10x the syntactic pass) and reported 561 findings in sidecar/src alone,
// mostly style (template-expression types, void returns in arrows) rather than defects; `tsc -b` already runs
// strict with noUnusedLocals/noUnusedParameters.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'examples/**', 'tools/**', 'charts/**'] },
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts', '**/*.tsx'],
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
  {
    // no line over 140 columns, URLs included (ignoreUrls would pass any line that merely holds a URL)
    rules: { 'max-len': ['error', { code: 140, tabWidth: 2, ignoreUrls: false }] },
  },
);
