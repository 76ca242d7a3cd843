import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads the project graph Nx caches under .nx/workspace-data; when
// that cache is missing it skips itself with only a warning, and when it is stale it judges
// against yesterday's projects and tags. Computing the graph here, once per ESLint start (about
// a second; no daemon, see nx.json), makes `npm run lint`, plain `npx eslint .` and an editor's
// ESLint server enforce the same boundaries.
await createProjectGraphAsync({ exitOnError: true });

// Layers of the shared libraries, innermost first: each may depend only on layers to its left.
//   contracts ← platform ← persistence ← messaging ← service
const LAYERS = ['contracts', 'platform', 'persistence', 'messaging', 'service'];
const layerConstraints = LAYERS.map((layer, i) => ({
  sourceTag: `layer:${layer}`,
  onlyDependOnLibsWithTags: LAYERS.slice(0, i + 1).map((l) => `layer:${l}`),
}));

// Services, and the whole-system suites: each scope sees itself and the shared libraries only.
const SCOPES = ['gateway', 'bookings', 'sessions', 'payments', 'notifications', 'chapa-sandbox', 'system'];
const scopeConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ...SCOPES.map((scope) => ({ sourceTag: `scope:${scope}`, onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'] })),
];

// Where test code lives; only these files may import @tutorhub/testing (a `type:testing` lib).
// Nx constraints are per project, not per file, so this half is a no-restricted-imports rule below.
const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  '**/*.e2e-spec.ts',
  '**/*.rel-spec.ts',
  '**/*.slow-spec.ts',
  'apps/*/test/**',
  'libs/testing/**',
  'libs/backbone-tests/**',
  'e2e/**',
  'reliability/**',
];

export default [
  // libs/client/src/openapi.ts is generated from the OpenAPI document (npm run openapi:generate).
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.nx/**', '**/*.cjs', '**/*.js', '**/*.mjs', 'libs/client/src/openapi.ts'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      // Layering is enforced, not hoped for (tags in each project.json; docs/DEVELOPING.md):
      // an app never imports another app, contracts depend on nothing of ours, the platform libs
      // stack in one order, the API client knows the HTTP contract only.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:testing', 'type:client', 'type:journey'] },
            // The scripted lesson journeys (tools/journey) drive the platform over HTTP only.
            { sourceTag: 'type:journey', onlyDependOnLibsWithTags: ['type:client'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:test-suite', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            ...layerConstraints,
            ...scopeConstraints,
            // The API client is generated from the OpenAPI document and imports nothing of ours.
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Test helpers (test databases, brokers, child processes) never ship in a service.
    files: ['**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tutorhub/testing', '@tutorhub/testing/*'],
              message: '@tutorhub/testing is for test files only (*.spec.ts, *.int-spec.ts, test/, e2e/, reliability/).',
            },
          ],
        },
      ],
    },
  },
  {
    // The running gateway and the services never load @nestjs/swagger (≈ 530 modules of idle
    // memory, issue 15, ADR 0021): routes take the recording decorators of
    // apps/gateway/src/http/openapi-decorators.ts, and only openapi.ts, which builds the document
    // for `npm run openapi:generate` and the tests, imports swagger itself. Types and tests are free.
    files: ['apps/*/src/**/*.ts', 'libs/**/*.ts'],
    ignores: ['apps/gateway/src/http/openapi.ts', ...TEST_FILES],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/swagger', '@nestjs/swagger/*'],
              allowTypeImports: true,
              message: 'Take the OpenAPI decorators from apps/gateway/src/http (openapi-decorators.ts): @nestjs/swagger is loaded only to build the document (ADR 0021).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
