import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The import boundaries of eslint.config.mjs, shown to refuse what they are meant to refuse: the
 * repository's own ESLint configuration lints small in-memory files placed in real projects.
 * ESLint runs in a child process because its flat config is an ES module that computes the Nx
 * project graph on load (Jest's module sandbox is not the place for that).
 */
type Finding = { rule: string | null; message: string };

const root = resolve(__dirname, '../..');

const lintScript = `
const { ESLint } = require('eslint');
const fixtures = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const findings = [];
  for (const { path, code } of fixtures) {
    const [result] = await eslint.lintText(code, { filePath: path });
    findings.push(result.messages.map((m) => ({ rule: m.ruleId, message: m.message })));
  }
  process.stdout.write(JSON.stringify(findings));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Each fixture imports one module and uses it, so that only the import can be at fault. */
const importing = (module: string): string => `import * as imported from '${module}';\n\nexport const used = imported;\n`;

const fixtures: Record<string, { path: string; code: string }> = {
  appImportsTesting: { path: 'apps/bookings/src/boundary-fixture.ts', code: importing('@tutorhub/testing') },
  libImportsTesting: { path: 'libs/platform/src/boundary-fixture.ts', code: importing('@tutorhub/testing') },
  unitSpecImportsTesting: { path: 'apps/bookings/src/boundary-fixture.spec.ts', code: importing('@tutorhub/testing') },
  appTestDirImportsTesting: { path: 'apps/bookings/test/boundary-fixture.ts', code: importing('@tutorhub/testing') },
  appImportsApp: { path: 'apps/gateway/src/boundary-fixture.ts', code: importing('../../bookings/src/config') },
  appImportsLib: { path: 'apps/bookings/src/boundary-fixture.ts', code: importing('@tutorhub/service') },
  platformImportsPersistence: { path: 'libs/platform/src/boundary-fixture.ts', code: importing('@tutorhub/persistence') },
  persistenceImportsMessaging: { path: 'libs/persistence/src/boundary-fixture.ts', code: importing('@tutorhub/messaging') },
  messagingImportsService: { path: 'libs/messaging/src/boundary-fixture.ts', code: importing('@tutorhub/service') },
  contractsImportsPersistence: { path: 'libs/contracts/src/boundary-fixture.ts', code: importing('@tutorhub/persistence') },
  contractsImportsPlatform: { path: 'libs/contracts/src/boundary-fixture.ts', code: importing('@tutorhub/platform') },
  serviceImportsMessaging: { path: 'libs/service/src/boundary-fixture.ts', code: importing('@tutorhub/messaging') },
  clientImportsContracts: { path: 'libs/client/src/boundary-fixture.ts', code: importing('@tutorhub/contracts') },
  e2eImportsApp: { path: 'e2e/boundary-fixture.e2e-spec.ts', code: importing('../apps/bookings/src/config') },
  e2eImportsTestingAndJourney: {
    path: 'e2e/boundary-fixture.e2e-spec.ts',
    code: `import * as testing from '@tutorhub/testing';\nimport * as journey from '@tutorhub/journey/api-client';\n\nexport const used = [testing, journey];\n`,
  },
  reliabilityImportsApp: { path: 'reliability/boundary-fixture.rel-spec.ts', code: importing('../apps/payments/src/config') },
  reliabilityImportsMessaging: { path: 'reliability/boundary-fixture.rel-spec.ts', code: importing('@tutorhub/messaging') },
};

let findings: Record<string, Finding[]>;

beforeAll(() => {
  const names = Object.keys(fixtures);
  const output = execFileSync(process.execPath, ['-e', lintScript], {
    cwd: root,
    input: JSON.stringify(names.map((name) => fixtures[name])),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const perFixture = JSON.parse(output) as Finding[][];
  findings = Object.fromEntries(names.map((name, i) => [name, perFixture[i]]));
}, 120_000);

const rulesOf = (name: string): (string | null)[] => findings[name].map((f) => f.rule);

describe('test helpers stay in test files', () => {
  it('refuses @tutorhub/testing in service code and in shared libraries', () => {
    expect(rulesOf('appImportsTesting')).toEqual(['no-restricted-imports']);
    expect(rulesOf('libImportsTesting')).toContain('no-restricted-imports');
  });

  it('allows @tutorhub/testing in specs and in an app test directory', () => {
    expect(findings.unitSpecImportsTesting).toEqual([]);
    expect(findings.appTestDirImportsTesting).toEqual([]);
  });
});

describe('apps', () => {
  it('never import another app', () => {
    expect(rulesOf('appImportsApp')).toEqual(['@nx/enforce-module-boundaries']);
  });

  it('may import the shared libraries', () => {
    expect(findings.appImportsLib).toEqual([]);
  });
});

describe('the platform libraries stack contracts ← platform ← persistence ← messaging ← service', () => {
  // Each library to the right already imports the one on its left, so Nx reports the cycle
  // before the layer (messaging imports persistence's transaction helpers since ADR 0019;
  // persistence imports platform's test for a transient database error, for start-up migrations).
  it.each(['platformImportsPersistence', 'contractsImportsPersistence', 'messagingImportsService', 'contractsImportsPlatform', 'persistenceImportsMessaging'])(
    '%s is refused',
    (name) => {
      expect(rulesOf(name)).toEqual(['@nx/enforce-module-boundaries']);
      expect(findings[name][0].message).toMatch(/^(Circular dependency between|A project tagged with "layer:\w+" can only depend on)/);
    },
  );

  it('a library may import one to its left', () => {
    expect(findings.serviceImportsMessaging).toEqual([]);
  });

  it('the API client imports nothing of ours', () => {
    expect(rulesOf('clientImportsContracts')).toEqual(['@nx/enforce-module-boundaries']);
  });
});

describe('e2e/ and reliability/ are under the boundaries', () => {
  it('refuses an app import', () => {
    expect(rulesOf('e2eImportsApp')).toEqual(['@nx/enforce-module-boundaries']);
    expect(rulesOf('reliabilityImportsApp')).toEqual(['@nx/enforce-module-boundaries']);
  });

  it('allows the shared libraries, the test helpers and the lesson journeys', () => {
    expect(findings.e2eImportsTestingAndJourney).toEqual([]);
    expect(findings.reliabilityImportsMessaging).toEqual([]);
  });
});
