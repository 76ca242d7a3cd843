import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  // libs/client/src/openapi.ts is generated from the OpenAPI document (npm run openapi:generate).
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.nx/**', '**/*.cjs', '**/*.js', '**/*.mjs', 'libs/client/src/openapi.ts'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      // Layering is enforced, not hoped for: an app never imports another app, contracts
      // depend on nothing of ours, platform libs never reach into apps.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            // The API client knows the HTTP contract only (generated from the OpenAPI document).
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
