// Deployment artefacts: Dockerfile, docker-compose.yml and the kustomizations under k8s/.
// Renders every kustomization (kubectl kustomize where kubectl exists, else kustomize-lite, and
// both where possible so the fallback stays honest), then checks the workloads, the environment
// each app gets against the zod schema it validates at start, and the NetworkPolicies by
// evaluating the connections docs/design.md §1 needs (and some it must not allow).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { configSchema as bookingsSchema } from '../../apps/bookings/src/config';
import { configSchema as sandboxSchema } from '../../apps/chapa-sandbox/src/config';
import { configSchema as gatewaySchema } from '../../apps/gateway/src/config';
import { configSchema as notificationsSchema } from '../../apps/notifications/src/config';
import { configSchema as paymentsSchema } from '../../apps/payments/src/config';
import { configSchema as sessionsSchema } from '../../apps/sessions/src/config';
import { kustomizeLite } from './kustomize-lite';
import {
  allowed,
  containerEnv,
  containersOf,
  type Endpoint,
  type EnvEntry,
  find,
  kubectlAvailable,
  name,
  ofKind,
  parseQuantity,
  podLabels,
  podSpec,
  render,
  type Renderer,
  runCli,
} from './manifests';
import { arr, isObject, type Json, type JsonObject, obj, objs, parseYamlDocuments, str } from './yaml-docs';

const ROOT = resolve(__dirname, '..', '..');
const K8S = join(ROOT, 'k8s');

interface AppInfo {
  schema: z.ZodType;
  port: number;
  /** Owns a Postgres schema, so it has a migration step. */
  migrates: boolean;
}
const APPS: Record<string, AppInfo> = {
  gateway: { schema: gatewaySchema, port: 3000, migrates: true },
  bookings: { schema: bookingsSchema, port: 3001, migrates: true },
  sessions: { schema: sessionsSchema, port: 3002, migrates: true },
  payments: { schema: paymentsSchema, port: 3003, migrates: true },
  notifications: { schema: notificationsSchema, port: 3004, migrates: true },
  'chapa-sandbox': { schema: sandboxSchema, port: 3099, migrates: false },
};
const SERVICES = Object.keys(APPS).filter((a) => APPS[a].migrates);

/** Read by the Node runtime itself rather than by an app's config schema. */
const RUNTIME_VARS = new Set(['NODE_OPTIONS']);
/**
 * Variables whose code default is a development value (or machine-local address) that a
 * deployment must never run on; every deployment sets each one the app reads.
 */
const DEPLOYMENT_MUST_SET = [
  'NODE_ENV',
  'PORT',
  'DATABASE_URL',
  'AMQP_URL',
  'MIGRATE_ON_START',
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'AGORA_APP_ID',
  'AGORA_APP_CERTIFICATE',
  'CHAPA_BASE_URL',
  'CHAPA_SECRET_KEY',
  'CHAPA_WEBHOOK_SECRET',
  'CHAPA_WEBHOOK_URL',
  'PUBLIC_BASE_URL',
];
/** The keys of the Secret CloudNativePG generates for the application user (`<cluster>-app`). */
const CNPG_APP_SECRET_KEYS = new Set([
  'username',
  'user',
  'password',
  'dbname',
  'host',
  'port',
  'pgpass',
  'uri',
  'jdbc-uri',
  'fqdn-uri',
  'fqdn-jdbc-uri',
]);

function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  let s: unknown = schema;
  for (let i = 0; i < 5; i++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    if (s instanceof z.ZodPipe) {
      s = s.in;
      continue;
    }
    break;
  }
  throw new Error('a config schema is not a z.object()');
}
const keysOf = (app: string) => Object.keys(objectShape(APPS[app].schema));
const withoutDefault = (app: string) =>
  Object.entries(objectShape(APPS[app].schema))
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([k]) => k);
const mustSet = (app: string) => [
  ...new Set([...withoutDefault(app), ...DEPLOYMENT_MUST_SET.filter((k) => keysOf(app).includes(k))]),
];
const defaultPort = (app: string) => Number(objectShape(APPS[app].schema).PORT.parse(undefined));

function appOfImage(image: string | undefined): string | undefined {
  const m = /(?:^|\/)tutorhub\/([a-z-]+)(?:[:@]|$)/.exec(image ?? '');
  return m && m[1] in APPS ? m[1] : undefined;
}

/** Problems with the environment `app` gets (key set and, where every value is known, values). */
function envProblems(
  where: string,
  app: string,
  env: Map<string, EnvEntry | string | undefined>,
  validateValues: boolean,
): string[] {
  // Values from Secrets outside the output are unknown here: issues about them cannot be judged.
  const unknown = new Set(
    [...env].filter(([, v]) => typeof v !== 'string' && v?.external !== undefined).map(([k]) => k),
  );
  const problems: string[] = [];
  const keys = new Set(keysOf(app));
  for (const k of env.keys()) {
    if (!keys.has(k) && !RUNTIME_VARS.has(k)) problems.push(`${where}: sets ${k}, which ${app} does not read`);
  }
  for (const k of mustSet(app)) if (!env.has(k)) problems.push(`${where}: does not set ${k}`);
  if (validateValues) {
    const known: Record<string, string> = {};
    for (const [k, v] of env) {
      const value = typeof v === 'string' ? v : v?.value;
      if (value !== undefined && keys.has(k)) known[k] = value;
    }
    const parsed = APPS[app].schema.safeParse(known);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        // Cross-field refinements report without a path and name the variable in the message.
        const about =
          issue.path.length > 0 ? [String(issue.path[0])] : [...unknown].filter((k) => issue.message.includes(k));
        if (!about.some((k) => unknown.has(k)))
          problems.push(`${where}: ${issue.path.join('.') || '(config)'}: ${issue.message}`);
      }
    }
  }
  return problems;
}

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    isObject(v as Json)
      ? Object.fromEntries(Object.entries(v as JsonObject).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function kustomizationDirs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...kustomizationDirs(full));
    else if (entry === 'kustomization.yaml' || entry === 'kustomization.yml') out.push(dir);
  }
  return out.sort();
}

// DEPLOYMENT_TEST_NO_KUBECTL=1 exercises the fallback renderer on a machine that has kubectl.
const HAS_KUBECTL = process.env.DEPLOYMENT_TEST_NO_KUBECTL !== '1' && kubectlAvailable(ROOT);
const RENDERER: Renderer = HAS_KUBECTL ? 'kubectl' : 'kustomize-lite';

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({
    image: m[1],
    name: m[2],
  }));

  it('is multi-stage on a Node 24 slim base', () => {
    const base = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)?.[1] ?? '';
    expect(base).toMatch(/^node:24(\.\d+)*(-[a-z]+)?-slim$/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toBe('${NODE_IMAGE}');
  });

  it('installs with npm install (never npm ci), and only production dependencies in the image', () => {
    const instructions = dockerfile
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'))
      .join('\n');
    expect(instructions).not.toMatch(/npm ci\b/);
    expect(dockerfile).toMatch(/npm install --no-audit/);
    expect(dockerfile).toMatch(/npm install --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/COPY --from=prod-deps \/app\/node_modules/);
    expect(runtime).not.toMatch(/COPY --from=builder \S*node_modules/);
  });

  it('builds the app named by ARG APP, keeps APP at run time, runs as a numeric non-root user with a health check', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^ARG APP$/m);
    expect(runtime).toMatch(/^ENV APP=\$\{APP\}/m);
    expect(runtime).toMatch(/COPY --from=builder \/src\/dist\/apps\/\$\{APP\} \.\/dist\/apps\/\$\{APP\}/);
    // …which holds the gateway's committed OpenAPI document, served at /docs/openapi.json (ADR 0021).
    expect(dockerfile).toContain('test -f dist/apps/gateway/openapi.json');
    expect((require(join(ROOT, 'tools/runtime-files.cjs')) as { RUNTIME_FILES: string[] }).RUNTIME_FILES).toContain('apps/gateway/openapi.json');
    expect(readFileSync(join(ROOT, 'tools/build.cjs'), 'utf8')).toContain("require('./runtime-files.cjs')");
    const user = /^USER (\S+)/m.exec(runtime)?.[1] ?? 'root';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*healthcheck\.cjs/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/tutorhub-entrypoint"\]/m);
  });

  it('the image runs the apps with the V8 flags of tools/runtime-flags.cjs (what npm start and the harnesses use)', () => {
    const entrypoint = readFileSync(join(ROOT, 'tools/deployment/docker-entrypoint.sh'), 'utf8');
    const { NODE_RUNTIME_FLAGS } = require(join(ROOT, 'tools/runtime-flags.cjs')) as { NODE_RUNTIME_FLAGS: string[] };
    expect(NODE_RUNTIME_FLAGS.length).toBeGreaterThan(0);
    expect(entrypoint).toContain(`flags="${NODE_RUNTIME_FLAGS.join(' ')}"`);
    const runAll = readFileSync(join(ROOT, 'tools/run-all.cjs'), 'utf8');
    expect(runAll).toContain('[...NODE_RUNTIME_FLAGS, path.join(root,');
  });

  it('entrypoint serves by default, runs migrate with the argument `migrate` and the DLQ tool with `dlq`', () => {
    const entrypoint = readFileSync(join(ROOT, 'tools/deployment/docker-entrypoint.sh'), 'utf8');
    expect(entrypoint).toContain('main="dist/apps/${APP:?');
    expect(entrypoint).toMatch(/serve\) exec node \$flags "\$main" ;;/);
    expect(entrypoint).toMatch(/migrate\) shift; exec node \$flags "\$main" migrate "\$@" ;;/);
    expect(entrypoint).toMatch(/dlq\) shift; exec node \$flags "\$main" dlq "\$@" ;;/);
    expect(entrypoint).toMatch(/\*\) exec "\$@" ;;/);
  });

  it('health check knows every app and its default PORT', () => {
    const { DEFAULT_PORTS } = createRequire(__filename)('./healthcheck.cjs') as {
      DEFAULT_PORTS: Record<string, number>;
    };
    expect(Object.keys(DEFAULT_PORTS).sort()).toEqual(Object.keys(APPS).sort());
    for (const app of Object.keys(APPS)) {
      expect([app, DEFAULT_PORTS[app]]).toEqual([app, defaultPort(app)]);
      expect([app, APPS[app].port]).toEqual([app, defaultPort(app)]);
    }
  });

  it('.dockerignore keeps host dependencies, build output and VCS data out of the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', 'dist', '.git']) expect(ignore).toContain(entry);
    for (const needed of ['package.json', 'package-lock.json', 'apps', 'libs', 'tools', 'tsconfig.base.json']) {
      expect(ignore).not.toContain(needed);
    }
  });
});

describe('docker-compose.yml', () => {
  const file = join(ROOT, 'docker-compose.yml');
  const text = readFileSync(file, 'utf8');
  const compose = parseYamlDocuments(text, file)[0];
  const services = obj(compose.services);

  const envOf = (service: string): Map<string, string> => {
    const env = obj(services[service]).environment;
    const map = new Map<string, string>();
    if (Array.isArray(env)) {
      for (const line of env.map(String)) map.set(line.split('=')[0], line.slice(line.indexOf('=') + 1));
    } else {
      for (const [k, v] of Object.entries(obj(env))) map.set(k, v === null ? '' : String(v));
    }
    return map;
  };
  const dependsOn = (service: string) => obj(obj(services[service]).depends_on);

  it('passes `docker-compose config` where a compose CLI exists, and parses with its anchors', () => {
    // docker-compose (v1) or the docker compose plugin (v2), whichever this machine has.
    const cli = [['docker-compose'], ['docker', 'compose']].find(
      ([cmd, ...sub]) => runCli(cmd, [...sub, 'version'], ROOT)?.status === 0,
    );
    if (cli) {
      const [cmd, ...sub] = cli;
      const result = runCli(cmd, [...sub, '-f', file, 'config', '-q'], ROOT);
      expect({ status: result?.status, stderr: result?.stderr }).toEqual({ status: 0, stderr: '' });
    }
    expect(text).toMatch(/^x-service-env: &service-env$/m);
    expect((text.match(/<<: \*service-env|<<: \[\*service-env/g) ?? []).length).toBe(SERVICES.length);
    expect(Object.keys(services).length).toBeGreaterThan(0);
  });

  it('runs Postgres 16 and RabbitMQ 3.13 with the management UI, with health checks and volumes', () => {
    const volumes = Object.keys(obj(compose.volumes));
    for (const [svc, image, mount] of [
      ['postgres', 'postgres:16', '/var/lib/postgresql/data'],
      ['rabbitmq', 'rabbitmq:3.13-management', '/var/lib/rabbitmq'],
    ]) {
      const s = obj(services[svc]);
      expect(s.image).toBe(image);
      expect(arr(obj(s.healthcheck).test).length).toBeGreaterThan(1);
      const volume = arr(s.volumes)
        .map(String)
        .find((v) => v.endsWith(`:${mount}`));
      expect(volume && volumes.includes(volume.split(':')[0])).toBe(true);
    }
    expect(arr(obj(services.rabbitmq).ports).map(String)).toContain('127.0.0.1:15672:15672');
  });

  it('has every app, built from the Dockerfile with its APP, on its port', () => {
    for (const app of Object.keys(APPS)) {
      const s = obj(services[app]);
      expect([app, obj(obj(s.build).args).APP]).toEqual([app, app]);
      expect([app, s.image]).toEqual([app, `tutorhub/${app}:dev`]);
      expect(arr(s.ports).map(String)).toContain(`${APPS[app].port}:${APPS[app].port}`);
    }
  });

  it('runs one migration step per service that the service waits for', () => {
    for (const app of SERVICES) {
      const migrate = obj(services[`${app}-migrate`]);
      expect([app, migrate.command]).toEqual([app, ['node', `dist/apps/${app}/src/main.js`, 'migrate']]);
      expect([app, migrate.image]).toEqual([app, obj(services[app]).image]);
      expect(obj(dependsOn(`${app}-migrate`).postgres).condition).toBe('service_healthy');
      expect([app, obj(dependsOn(app)[`${app}-migrate`]).condition]).toEqual([app, 'service_completed_successfully']);
      expect([app, obj(dependsOn(app).postgres).condition, obj(dependsOn(app).rabbitmq).condition]).toEqual([
        app,
        'service_healthy',
        'service_healthy',
      ]);
      expect([app, envOf(app).get('MIGRATE_ON_START')]).toEqual([app, 'false']);
    }
    expect(
      Object.keys(services)
        .filter((s) => s.endsWith('-migrate'))
        .sort(),
    ).toEqual(SERVICES.map((a) => `${a}-migrate`).sort());
  });

  it('gives each app (and migration step) exactly the variables it reads, all set that must be, all valid', () => {
    const problems: string[] = [];
    for (const app of Object.keys(APPS)) {
      problems.push(...envProblems(`compose ${app}`, app, envOf(app), true));
      if (APPS[app].migrates) {
        const migrateEnv = envOf(`${app}-migrate`);
        for (const k of migrateEnv.keys())
          if (!keysOf(app).includes(k)) problems.push(`compose ${app}-migrate: sets ${k}`);
        if (!APPS[app].schema.safeParse(Object.fromEntries(migrateEnv)).success)
          problems.push(`compose ${app}-migrate: invalid env`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('wires the services together by compose hostname', () => {
    for (const app of [...SERVICES, ...SERVICES.map((a) => `${a}-migrate`)]) {
      expect([app, envOf(app).get('DATABASE_URL')]).toEqual([
        app,
        'postgres://postgres:postgres@postgres:5432/tutorhub',
      ]);
    }
    for (const app of SERVICES)
      expect([app, envOf(app).get('AMQP_URL')]).toEqual([app, 'amqp://guest:guest@rabbitmq:5672']);
    expect(envOf('payments').get('CHAPA_BASE_URL')).toBe('http://chapa-sandbox:3099');
    const sandbox = envOf('chapa-sandbox');
    expect(sandbox.get('CHAPA_WEBHOOK_URL')).toBe('http://gateway:3000/api/webhooks/chapa');
    expect(sandbox.get('CHAPA_SANDBOX_PUBLIC_URL')).toBe('http://localhost:3099');
    for (const k of ['CHAPA_SECRET_KEY', 'CHAPA_WEBHOOK_SECRET'])
      expect([k, sandbox.get(k)]).toEqual([k, envOf('payments').get(k)]);
  });
});

describe('k8s kustomizations', () => {
  const dirs = kustomizationDirs(K8S).map((d) => relative(K8S, d));

  it('are base, overlays/dev and overlays/prod', () => {
    expect(dirs).toEqual(expect.arrayContaining(['base', 'overlays/dev', 'overlays/prod']));
  });

  it.each(kustomizationDirs(K8S).map((d) => [relative(K8S, d)]))('%s builds', (dir) => {
    const docs = render(join(K8S, dir), RENDERER);
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect([d.kind, typeof obj(d.metadata).name]).toEqual([d.kind, 'string']);
  });

  it.each(kustomizationDirs(K8S).map((d) => [relative(K8S, d)]))(
    '%s: the built-in renderer agrees with kubectl kustomize where kubectl exists',
    (dir) => {
      const lite = kustomizeLite(join(K8S, dir));
      expect(lite.length).toBeGreaterThan(0);
      if (!HAS_KUBECTL) return;
      const generated = ofKind(lite, 'ConfigMap').map(name);
      const unhash = (docs: JsonObject[]) =>
        docs
          .map((d) => sortedJson(d).replace(new RegExp(`"(${generated.join('|')})-[a-z0-9]{10}"`, 'g'), '"$1"'))
          .sort();
      expect(unhash(lite)).toEqual(unhash(render(join(K8S, dir), 'kubectl')));
    },
  );
});

/** Checks every overlay (and the base) must pass. */
function workloadProblems(docs: JsonObject[]): string[] {
  const problems: string[] = [];
  const workloads = docs.filter((d) =>
    ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(String(d.kind)),
  );
  for (const w of workloads) {
    const where = `${String(w.kind)} ${name(w)}`;
    const spec = podSpec(w);
    const podSc = obj(spec.securityContext);
    const { init, main } = containersOf(w);
    for (const c of [...init, ...main]) {
      const at = `${where}/${String(c.name)}`;
      const sc = obj(c.securityContext);
      const res = obj(c.resources);
      for (const [kind, field] of [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'cpu'],
        ['limits', 'memory'],
      ]) {
        if (obj(res[kind])[field] === undefined) problems.push(`${at}: no ${kind}.${field}`);
      }
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) problems.push(`${at}: not runAsNonRoot`);
      if (Number(sc.runAsUser ?? podSc.runAsUser ?? 0) === 0) problems.push(`${at}: runs as uid 0 or an unknown uid`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem not read-only`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: privilege escalation allowed`);
      if (!arr(obj(sc.capabilities).drop).includes('ALL')) problems.push(`${at}: capabilities not dropped`);
      if (str(obj(sc.seccompProfile ?? podSc.seccompProfile).type) !== 'RuntimeDefault')
        problems.push(`${at}: no RuntimeDefault seccomp`);
    }
    if (w.kind === 'Deployment') {
      for (const c of main) {
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          if (!isObject(c[probe])) problems.push(`${where}/${String(c.name)}: no ${probe}`);
        }
      }
    }
  }
  return problems;
}

/** Checks of the tutorhub app Deployments (images tutorhub/<app>). */
function appProblems(
  docs: JsonObject[],
  validateValues: boolean,
  allowExternal: (ref: NonNullable<EnvEntry['external']>) => boolean,
): string[] {
  const problems: string[] = [];
  for (const d of ofKind(docs, 'Deployment')) {
    const { init, main } = containersOf(d);
    const app = appOfImage(str(main[0]?.image));
    if (!app) continue;
    const where = `Deployment ${name(d)}`;
    const c = main[0];
    const spec = podSpec(d);
    const env = containerEnv(docs, c);
    problems.push(...envProblems(where, app, env, validateValues));
    for (const [k, e] of env)
      if (e.external && !allowExternal(e.external))
        problems.push(`${where}: ${k} from unknown Secret ${e.external.secret}/${e.external.key}`);

    const port = Number(env.get('PORT')?.value ?? defaultPort(app));
    const ports = objs(c.ports);
    const http = ports.find((p) => p.name === 'http');
    if (Number(http?.containerPort) !== port) problems.push(`${where}: container port 'http' is not PORT ${port}`);
    const probePath = (probe: string) => str(obj(obj(c[probe]).httpGet).path);
    const probePort = (probe: string) => obj(obj(c[probe]).httpGet).port;
    if (probePath('startupProbe') !== '/health/live') problems.push(`${where}: startupProbe is not GET /health/live`);
    if (probePath('livenessProbe') !== '/health/live') problems.push(`${where}: livenessProbe is not GET /health/live`);
    if (probePath('readinessProbe') !== '/health/ready')
      problems.push(`${where}: readinessProbe is not GET /health/ready`);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      if (probePort(probe) !== 'http' && probePort(probe) !== port)
        problems.push(`${where}: ${probe} not on the app port`);
    }
    const annotations = obj(obj(obj(obj(d.spec).template).metadata).annotations);
    if (
      annotations['prometheus.io/scrape'] !== 'true' ||
      annotations['prometheus.io/port'] !== String(port) ||
      annotations['prometheus.io/path'] !== '/metrics'
    ) {
      problems.push(`${where}: Prometheus scrape annotations missing or not on ${port}/metrics`);
    }
    const tmp = objs(c.volumeMounts).find((m) => m.mountPath === '/tmp');
    const tmpVolume = objs(spec.volumes).find((v) => v.name === tmp?.name);
    if (!tmpVolume || !isObject(tmpVolume.emptyDir)) problems.push(`${where}: no emptyDir at /tmp`);
    const preStop = arr(obj(obj(obj(c.lifecycle).preStop).exec).command).map(String);
    const sleep = preStop[0] === 'sleep' ? Number(preStop[1]) : NaN;
    if (!(sleep > 0)) problems.push(`${where}: no preStop sleep`);
    const shutdownMs = Number(env.get('SHUTDOWN_TIMEOUT_MS')?.value ?? 15000);
    const graceS = Number(spec.terminationGracePeriodSeconds ?? 30);
    if (!(graceS * 1000 > sleep * 1000 + shutdownMs))
      problems.push(`${where}: terminationGracePeriodSeconds ${graceS} <= preStop ${sleep} s + ${shutdownMs} ms`);
    if (parseQuantity(obj(obj(c.resources).requests).memory) > parseQuantity('150Mi'))
      problems.push(`${where}: memory request above the 150 Mi idle budget`);

    if (APPS[app].migrates) {
      const migrate = init.find((i) => i.name === 'migrate');
      if (!migrate) problems.push(`${where}: no migrate init container`);
      else {
        if (migrate.image !== c.image) problems.push(`${where}: migrate runs another image`);
        const runs = [...arr(migrate.command), ...arr(migrate.args)].map(String);
        if (runs.join(' ') !== 'migrate' && runs.join(' ') !== `node dist/apps/${app}/src/main.js migrate`)
          problems.push(`${where}: migrate runs ${runs.join(' ')}`);
        if (sortedJson([...containerEnv(docs, migrate)]) !== sortedJson([...env]))
          problems.push(`${where}: migrate gets another environment than the app`);
      }
    }

    const service = ofKind(docs, 'Service').find(
      (s) =>
        Object.entries(obj(obj(s.spec).selector)).every(([k, v]) => podLabels(d)[k] === v) &&
        Object.keys(obj(obj(s.spec).selector)).length > 0,
    );
    const svcPort = objs(obj(service?.spec).ports)[0];
    if (!service || (svcPort.targetPort !== 'http' && Number(svcPort.targetPort) !== port))
      problems.push(`${where}: no Service to the app port`);
    else if (name(service) !== app || Number(svcPort.port) !== port)
      problems.push(`${where}: Service is not ${app}:${port}`);
  }

  for (const pdb of ofKind(docs, 'PodDisruptionBudget')) {
    const selector = obj(obj(pdb.spec).selector).matchLabels;
    const selects = (labels: Record<string, string>) =>
      Object.entries(obj(selector)).every(([k, v]) => labels[k] === v);
    const targets = [
      ...ofKind(docs, 'Deployment').map(podLabels),
      ...ofKind(docs, 'RabbitmqCluster').map((r) => ({ 'app.kubernetes.io/name': name(r) })),
    ];
    if (!targets.some(selects)) problems.push(`PodDisruptionBudget ${name(pdb)} selects no pods`);
  }
  for (const hpa of ofKind(docs, 'HorizontalPodAutoscaler')) {
    const ref = obj(obj(hpa.spec).scaleTargetRef);
    if (!find(docs, String(ref.kind), String(ref.name)))
      problems.push(`HorizontalPodAutoscaler ${name(hpa)} targets nothing`);
  }
  for (const ing of ofKind(docs, 'Ingress')) {
    const annotations = obj(obj(ing.metadata).annotations);
    if (annotations['nginx.ingress.kubernetes.io/proxy-buffering'] !== 'off')
      problems.push(`Ingress ${name(ing)}: response buffering on (breaks SSE)`);
    if (!(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600))
      problems.push(`Ingress ${name(ing)}: read timeout below 1 h`);
    for (const rule of objs(obj(ing.spec).rules)) {
      for (const path of objs(obj(rule.http).paths)) {
        const backend = obj(obj(path.backend).service);
        if (backend.name !== 'gateway' || !find(docs, 'Service', 'gateway'))
          problems.push(`Ingress ${name(ing)}: ${String(path.path)} not to the gateway Service`);
      }
      const paths = objs(obj(rule.http).paths).map((p) => p.path);
      if (paths.some((p) => p === '/' || p === '/metrics' || p === '/health'))
        problems.push(`Ingress ${name(ing)}: exposes /metrics or /health`);
    }
  }
  return problems;
}

function secretTemplateKeys(): string[] {
  const base = render(join(K8S, 'base'), RENDERER);
  return Object.keys(obj(find(base, 'Secret', 'tutorhub-secrets')?.stringData));
}

// ---- NetworkPolicy flows -------------------------------------------------------------------------

const NS = 'tutorhub';
const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });
let podIp = 10;
function podOf(
  labels: Record<string, string>,
  ports: Record<string, number>,
  describe: string,
  namespace = NS,
): Endpoint {
  return { namespace, namespaceLabels: nsLabels(namespace), labels, ports, ip: `10.244.0.${podIp++}`, describe };
}
function podsOf(docs: JsonObject[]): Record<string, Endpoint> {
  const pods: Record<string, Endpoint> = {};
  for (const d of ofKind(docs, 'Deployment')) {
    const ports: Record<string, number> = {};
    for (const c of containersOf(d).main)
      for (const p of objs(c.ports)) if (typeof p.name === 'string') ports[p.name] = Number(p.containerPort);
    pods[name(d)] = podOf(podLabels(d), ports, `pod of ${name(d)}`);
  }
  for (const c of ofKind(docs, 'Cluster'))
    pods[name(c)] = podOf({ 'cnpg.io/cluster': name(c), 'cnpg.io/podRole': 'instance' }, {}, `CNPG ${name(c)}`);
  for (const r of ofKind(docs, 'RabbitmqCluster')) {
    pods[name(r)] = podOf(
      {
        'app.kubernetes.io/name': name(r),
        'app.kubernetes.io/component': 'rabbitmq',
        'app.kubernetes.io/part-of': 'rabbitmq',
      },
      {},
      `RabbitMQ ${name(r)}`,
    );
  }
  return pods;
}
const INGRESS_CONTROLLER = podOf(
  { 'app.kubernetes.io/name': 'ingress-nginx' },
  {},
  'ingress controller',
  'ingress-nginx',
);
const PROMETHEUS = podOf({ 'app.kubernetes.io/name': 'prometheus' }, {}, 'Prometheus', 'monitoring');
const KUBE_DNS = podOf({ 'k8s-app': 'kube-dns' }, {}, 'kube-dns', 'kube-system');
const CNPG_OPERATOR = podOf({ 'app.kubernetes.io/name': 'cloudnative-pg' }, {}, 'CNPG operator', 'cnpg-system');
const RABBIT_OPERATOR = podOf(
  { 'app.kubernetes.io/component': 'rabbitmq-operator' },
  {},
  'RabbitMQ operator',
  'rabbitmq-system',
);
const OTHER_TENANT = podOf({ app: 'something-else' }, {}, 'a pod of another namespace', 'other');
const PUBLIC_HOST: Endpoint = { ip: '203.0.113.10', describe: 'a public address (api.chapa.co)' };
const PRIVATE_HOST: Endpoint = { ip: '10.20.30.40', describe: 'a private address' };

type Flow = [Endpoint, Endpoint, number, boolean, string?];
function flowProblems(docs: JsonObject[], flows: Flow[]): string[] {
  const policies = ofKind(docs, 'NetworkPolicy');
  return flows
    .filter(([from, to, port, expected, protocol]) => allowed(policies, from, to, port, protocol ?? 'TCP') !== expected)
    .map(
      ([from, to, port, expected]) =>
        `${from.describe} -> ${to.describe}:${port} should be ${expected ? 'allowed' : 'denied'}`,
    );
}
function commonFlows(pods: Record<string, Endpoint>, postgres: Endpoint, rabbitmq: Endpoint): Flow[] {
  const flows: Flow[] = [
    [INGRESS_CONTROLLER, pods.gateway, 3000, true],
    [INGRESS_CONTROLLER, pods.bookings, 3001, false],
    [INGRESS_CONTROLLER, postgres, 5432, false],
    [OTHER_TENANT, pods.gateway, 3000, false],
    [OTHER_TENANT, postgres, 5432, false],
    [pods.payments, PUBLIC_HOST, 443, true],
    [pods.payments, PRIVATE_HOST, 443, false],
    [pods.payments, PUBLIC_HOST, 80, false],
    [pods.bookings, PUBLIC_HOST, 443, false],
    [pods.gateway, PUBLIC_HOST, 443, false],
    [pods.gateway, pods.bookings, 3001, false],
    [pods.bookings, pods.payments, 3003, false],
  ];
  for (const app of SERVICES) {
    flows.push(
      [pods[app], postgres, 5432, true],
      [pods[app], rabbitmq, 5672, true],
      [pods[app], rabbitmq, 15672, false],
    );
  }
  for (const [n, pod] of Object.entries(pods)) {
    flows.push([pod, KUBE_DNS, 53, true, 'UDP']);
    const app = appOfImage(`tutorhub/${n}`);
    if (app) flows.push([PROMETHEUS, pod, APPS[app].port, true]);
  }
  return flows;
}

describe('k8s/base', () => {
  const docs = render(join(K8S, 'base'), RENDERER);

  it('has the namespace (restricted Pod Security), a Secret template of placeholders, the ConfigMaps, the Ingress', () => {
    expect(obj(obj(find(docs, 'Namespace', 'tutorhub')?.metadata).labels)['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    const secret = find(docs, 'Secret', 'tutorhub-secrets');
    expect(Object.keys(obj(secret?.stringData)).sort()).toEqual(
      [
        'ADMIN_PASSWORD',
        'AGORA_APP_CERTIFICATE',
        'AMQP_URL',
        'CHAPA_SECRET_KEY',
        'CHAPA_WEBHOOK_SECRET',
        'DATABASE_URL',
        'JWT_SECRET',
      ].sort(),
    );
    for (const v of Object.values(obj(secret?.stringData))) expect(String(v)).toMatch(/^CHANGE-ME/);
    expect(ofKind(docs, 'ConfigMap').length).toBeGreaterThanOrEqual(SERVICES.length + 1);
    expect(find(docs, 'Ingress', 'gateway')).toBeDefined();
  });

  it('has a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget per service', () => {
    for (const app of SERVICES) {
      for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
        expect([kind, app, find(docs, kind, app) !== undefined]).toEqual([kind, app, true]);
      }
    }
    expect(find(docs, 'Deployment', 'chapa-sandbox')).toBeUndefined();
  });

  it('workloads: probes, resources, non-root, read-only root filesystem, no capabilities', () => {
    expect(workloadProblems(docs)).toEqual([]);
  });

  it('apps: environment keys, health probes on PORT, graceful termination, migrations, Services', () => {
    expect(appProblems(docs, false, () => false)).toEqual([]);
  });

  it('NetworkPolicies: default deny for everything, DNS for everyone', () => {
    const deny = ofKind(docs, 'NetworkPolicy').find(
      (p) =>
        Object.keys(obj(obj(p.spec).podSelector)).length === 0 &&
        arr(obj(p.spec).policyTypes).length === 2 &&
        !obj(p.spec).ingress &&
        !obj(p.spec).egress,
    );
    expect(deny).toBeDefined();
    const pods = podsOf(docs);
    expect(
      flowProblems(docs, [
        [pods.bookings, KUBE_DNS, 53, true, 'UDP'],
        [pods.bookings, PUBLIC_HOST, 443, false],
        [INGRESS_CONTROLLER, pods.gateway, 3000, true],
      ]),
    ).toEqual([]);
  });
});

describe('k8s/overlays/dev', () => {
  const docs = render(join(K8S, 'overlays/dev'), RENDERER);

  it('runs one replica of everything, without autoscaling, with the Chapa sandbox and in-cluster Postgres and RabbitMQ', () => {
    for (const d of ofKind(docs, 'Deployment')) expect([name(d), obj(d.spec).replicas]).toEqual([name(d), 1]);
    expect(ofKind(docs, 'HorizontalPodAutoscaler')).toEqual([]);
    for (const n of ['chapa-sandbox', 'postgres', 'rabbitmq']) {
      expect([n, find(docs, 'Deployment', n) !== undefined, find(docs, 'Service', n) !== undefined]).toEqual([
        n,
        true,
        true,
      ]);
    }
    expect(str(containersOf(find(docs, 'Deployment', 'postgres') as JsonObject).main[0].image)).toMatch(/^postgres:16/);
    expect(str(containersOf(find(docs, 'Deployment', 'rabbitmq') as JsonObject).main[0].image)).toMatch(
      /^rabbitmq:3\.13-management/,
    );
  });

  it('workloads: probes, resources, non-root, read-only root filesystem, no capabilities', () => {
    expect(workloadProblems(docs)).toEqual([]);
  });

  it('apps: exactly the variables each reads, every value valid for its schema, probes, termination, migrations', () => {
    expect(appProblems(docs, true, () => false)).toEqual([]);
  });

  it('wires the apps to the in-cluster services and the sandbox', () => {
    const envOf = (app: string) =>
      containerEnv(docs, containersOf(find(docs, 'Deployment', app) as JsonObject).main[0]);
    for (const app of SERVICES) {
      expect(new URL(String(envOf(app).get('DATABASE_URL')?.value)).host).toBe('postgres:5432');
      expect(new URL(String(envOf(app).get('AMQP_URL')?.value)).host).toBe('rabbitmq:5672');
      expect([app, envOf(app).get('NODE_ENV')?.value]).toEqual([app, 'development']);
    }
    expect(envOf('payments').get('CHAPA_BASE_URL')?.value).toBe('http://chapa-sandbox:3099');
    expect(envOf('chapa-sandbox').get('CHAPA_WEBHOOK_URL')?.value).toBe('http://gateway:3000/api/webhooks/chapa');
    for (const k of ['CHAPA_SECRET_KEY', 'CHAPA_WEBHOOK_SECRET']) {
      expect([k, envOf('chapa-sandbox').get(k)?.value]).toEqual([k, envOf('payments').get(k)?.value]);
    }
  });

  it('NetworkPolicies allow what docs/design.md §1 needs and nothing else that was probed', () => {
    const pods = podsOf(docs);
    const flows: Flow[] = [
      ...commonFlows(pods, pods.postgres, pods.rabbitmq),
      [pods.payments, pods['chapa-sandbox'], 3099, true],
      [pods['chapa-sandbox'], pods.gateway, 3000, true],
      [pods.gateway, pods['chapa-sandbox'], 3099, false],
      [pods['chapa-sandbox'], pods.postgres, 5432, false],
      [pods['chapa-sandbox'], PUBLIC_HOST, 443, false],
      [pods.postgres, PUBLIC_HOST, 443, false],
    ];
    expect(flowProblems(docs, flows)).toEqual([]);
  });
});

describe('k8s/overlays/prod', () => {
  const docs = render(join(K8S, 'overlays/prod'), RENDERER);
  const templateKeys = secretTemplateKeys();
  const clusters = ofKind(docs, 'Cluster');
  const allowExternal = (ref: NonNullable<EnvEntry['external']>) =>
    (ref.secret === 'tutorhub-secrets' && (templateKeys.includes(ref.key) || ref.optional)) ||
    (clusters.some((c) => ref.secret === `${name(c)}-app`) && CNPG_APP_SECRET_KEYS.has(ref.key));

  it('uses a CloudNativePG Cluster of 3 and a RabbitmqCluster of 3 instead of home-made StatefulSets', () => {
    expect(clusters.map((c) => [c.apiVersion, obj(c.spec).instances])).toEqual([['postgresql.cnpg.io/v1', 3]]);
    const rabbit = ofKind(docs, 'RabbitmqCluster');
    expect(rabbit.map((r) => [r.apiVersion, obj(r.spec).replicas])).toEqual([['rabbitmq.com/v1beta1', 3]]);
    expect(ofKind(docs, 'StatefulSet')).toEqual([]);
    for (const d of ofKind(docs, 'Deployment'))
      expect([name(d), appOfImage(str(containersOf(d).main[0].image)) !== undefined]).toEqual([name(d), true]);
  });

  it('replicates the database synchronously (a failover never loses an acknowledged payment)', () => {
    expect(clusters.map((c) => [obj(c.spec).minSyncReplicas, obj(c.spec).maxSyncReplicas])).toEqual([[1, 1]]);
  });

  it('has no Chapa sandbox and talks to the real Chapa API', () => {
    expect(docs.filter((d) => name(d).includes('sandbox'))).toEqual([]);
    expect(JSON.stringify(docs)).not.toContain('chapa-sandbox');
    const payments = containerEnv(docs, containersOf(find(docs, 'Deployment', 'payments') as JsonObject).main[0]);
    expect(payments.get('CHAPA_BASE_URL')?.value).toBe('https://api.chapa.co');
  });

  it('runs NODE_ENV=production, at least 2 replicas per service under autoscaling, release image tags', () => {
    for (const app of SERVICES) {
      const d = find(docs, 'Deployment', app) as JsonObject;
      const env = containerEnv(docs, containersOf(d).main[0]);
      expect([app, env.get('NODE_ENV')?.value]).toEqual([app, 'production']);
      const hpa = obj(find(docs, 'HorizontalPodAutoscaler', app)?.spec);
      expect([app, Number(hpa.minReplicas) >= 2, Number(hpa.maxReplicas) >= Number(hpa.minReplicas)]).toEqual([
        app,
        true,
        true,
      ]);
      // No `replicas` in the Deployment (the HPA owns it), or at least 2.
      expect([app, obj(d.spec).replicas === undefined || Number(obj(d.spec).replicas) >= 2]).toEqual([app, true]);
      for (const c of [...containersOf(d).init, ...containersOf(d).main]) {
        expect(str(c.image)).toMatch(
          /^[a-z0-9.-]+\.[a-z]+\/tutorhub\/[a-z-]+(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/,
        );
      }
    }
  });

  it('never applies the placeholder Secret; secrets come from out-of-band or operator Secrets', () => {
    expect(ofKind(docs, 'Secret')).toEqual([]);
    for (const app of SERVICES) {
      const env = containerEnv(docs, containersOf(find(docs, 'Deployment', app) as JsonObject).main[0]);
      expect([app, env.get('DATABASE_URL')?.external]).toEqual([
        app,
        { secret: 'tutorhub-pg-app', key: 'uri', optional: false },
      ]);
      expect([app, env.get('AMQP_URL')?.external?.secret]).toEqual([app, 'tutorhub-secrets']);
    }
  });

  it('workloads: probes, resources, non-root, read-only root filesystem, no capabilities', () => {
    expect(workloadProblems(docs)).toEqual([]);
  });

  it('apps: exactly the variables each reads, known values valid, secrets only from known Secrets', () => {
    expect(appProblems(docs, true, allowExternal)).toEqual([]);
  });

  it('PUBLIC_BASE_URL of gateway and payments is the https Ingress host', () => {
    const host = str(objs(obj(find(docs, 'Ingress', 'gateway')?.spec).rules)[0]?.host);
    for (const app of ['gateway', 'payments']) {
      const env = containerEnv(docs, containersOf(find(docs, 'Deployment', app) as JsonObject).main[0]);
      expect([app, env.get('PUBLIC_BASE_URL')?.value]).toEqual([app, `https://${host}`]);
    }
  });

  it('NetworkPolicies allow what docs/design.md §1 and the operators need and nothing else that was probed', () => {
    const pods = podsOf(docs);
    const postgres = pods[name(clusters[0])];
    const rabbitmq = pods[name(ofKind(docs, 'RabbitmqCluster')[0])];
    const flows: Flow[] = [
      ...commonFlows(pods, postgres, rabbitmq),
      [CNPG_OPERATOR, postgres, 8000, true],
      [CNPG_OPERATOR, postgres, 5432, true],
      [postgres, postgres, 5432, true],
      [PROMETHEUS, postgres, 9187, true],
      [RABBIT_OPERATOR, rabbitmq, 15672, true],
      [rabbitmq, rabbitmq, 25672, true],
      [rabbitmq, rabbitmq, 4369, true],
      [PROMETHEUS, rabbitmq, 15692, true],
      [pods.gateway, postgres, 8000, false],
      [OTHER_TENANT, rabbitmq, 5672, false],
    ];
    expect(flowProblems(docs, flows)).toEqual([]);
  });
});

/** The metric names a PromQL expression reads (a name followed by a selector or a range). */
function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*[{[]/g)].map((m) => m[1]))];
}

/** A histogram's series names its base metric. */
const baseMetric = (series: string) => series.replace(/_(bucket|count|sum)$/, '');

/** Metric names registered in the code (counter/gauge/histogram/sampledGauge('name', …)). */
function metricsInCode(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const full = join(dir, e);
      if (statSync(full).isDirectory()) {
        if (e !== 'node_modules' && e !== 'test') walk(full);
      } else if (/\.ts$/.test(e) && !/\.(spec|int-spec)\.ts$/.test(e)) {
        const text = readFileSync(full, 'utf8');
        for (const m of text.matchAll(/\b(?:counter|gauge|histogram|sampledGauge)\(\s*'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]);
      }
    }
  };
  walk(join(ROOT, 'apps'));
  walk(join(ROOT, 'libs'));
  return names;
}

/** Metrics the alerts read that tutorhub's code does not register: Prometheus' own `up` and kube-state-metrics. */
const EXTERNAL_METRICS = new Set(['up', 'kube_pod_container_status_restarts_total']);

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

describe('k8s/overlays/prod monitoring', () => {
  const docs = render(join(K8S, 'overlays/prod'), RENDERER);
  const rules = ofKind(docs, 'PrometheusRule');
  const alerts = rules.flatMap((r) => objs(obj(r.spec).groups).flatMap((g) => objs(g.rules))).filter((r) => r.alert);
  const alertExprs = alerts.map((a) => String(a.expr));
  const dashboards = ofKind(docs, 'ConfigMap').filter((c) => obj(obj(c.metadata).labels).grafana_dashboard === '1');

  it('includes a PrometheusRule whose alerts cover what issue 17 asks for', () => {
    expect(rules.map((r) => [r.apiVersion, name(r)])).toEqual([['monitoring.coreos.com/v1', 'tutorhub-alerts']]);
    const covering = (metric: string, pattern?: RegExp) =>
      alerts.filter((a) => metricNames(String(a.expr)).map(baseMetric).includes(metric) && (!pattern || pattern.test(String(a.expr))));
    const required: Array<[string, string, RegExp?]> = [
      ['a dead-letter queue is not empty', 'dlq_messages', />\s*0\b/],
      ['outbox rows older than a minute', 'outbox_oldest_unpublished_seconds', />\s*60\b/],
      ['event lag p99 over target', 'event_lag_seconds', /histogram_quantile\(0\.99/],
      ['due escrows not released for 5 minutes', 'payments_escrow_due_unreleased_oldest_seconds', />\s*300\b/],
      ['refunds stuck in failed', 'payments_refunds_needing_attention', /status="failed"/],
      ['payouts failing', 'payments_payouts_total', /outcome=~"failed/],
      ['webhook signature failure rate', 'payments_chapa_webhooks_total', /bad_signature/],
      ['5xx rate', 'http_server_requests_total', /5\.\./],
      ['a pod restarting', 'kube_pod_container_status_restarts_total'],
    ];
    for (const [what, metric, pattern] of required) expect([what, covering(metric, pattern).length > 0]).toEqual([what, true]);
  });

  it('every alert has an expression, a severity, a summary and a runbook entry in docs/operations.md', () => {
    const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const anchors = new Set([...operations.matchAll(/^#{2,6} (.+)$/gm)].map((m) => anchorOf(m[1])));
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const a of alerts) {
      const alert = String(a.alert);
      const annotations = obj(a.annotations);
      const runbook = String(annotations.runbook_url);
      expect([alert, String(a.expr).length > 0, obj(a.labels).severity]).toEqual([alert, true, expect.stringMatching(/^(critical|warning)$/)]);
      expect([alert, typeof annotations.summary]).toEqual([alert, 'string']);
      expect([alert, runbook]).toEqual([alert, expect.stringMatching(new RegExp(`docs/operations\\.md#${alert.toLowerCase()}$`))]);
      expect([alert, anchors.has(alert.toLowerCase())]).toEqual([alert, true]);
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it('alerts only on metrics that exist: defined in the code, or by Prometheus, kube-state-metrics or the HTTP layer', () => {
    const defined = metricsInCode();
    for (const metric of alertExprs.flatMap(metricNames).map(baseMetric)) {
      expect([metric, defined.has(metric) || EXTERNAL_METRICS.has(metric)]).toEqual([metric, true]);
    }
  });

  it('includes the Grafana dashboard as a ConfigMap for the sidecar, showing every alerted quantity plus lessons and escrow amounts', () => {
    expect(dashboards.map(name)).toEqual(['tutorhub-grafana-dashboard']);
    const data = obj(dashboards[0].data);
    expect(Object.keys(data)).toEqual(['tutorhub-dashboard.json']);
    const dashboard = JSON.parse(String(data['tutorhub-dashboard.json'])) as JsonObject;
    expect(dashboard.uid).toBe('tutorhub-overview');
    const panels = objs(dashboard.panels);
    const exprs = panels.flatMap((p) => objs(p.targets).map((t) => String(t.expr)));
    const shown = new Set(exprs.flatMap(metricNames).map(baseMetric));
    for (const metric of new Set(alertExprs.flatMap(metricNames).map(baseMetric))) {
      expect([metric, shown.has(metric)]).toEqual([metric, true]);
    }
    const titles = panels.map((p) => String(p.title));
    expect(titles).toEqual(expect.arrayContaining(['Lessons per minute', 'Escrow held', 'Escrow released (last hour)']));
    for (const metric of ['payments_escrow_held_minor', 'payments_escrow_released_last_hour_minor', 'events_consumed_total']) {
      expect([metric, shown.has(metric)]).toEqual([metric, true]);
    }
    // Panels do not overlap on the grid.
    const cells = new Set<string>();
    for (const p of panels) {
      const g = obj(p.gridPos);
      for (let x = Number(g.x); x < Number(g.x) + Number(g.w); x++) {
        for (let y = Number(g.y); y < Number(g.y) + Number(g.h); y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('has Prometheus scrape every service on its http port, and RabbitMQ per queue', () => {
    const monitors = ofKind(docs, 'PodMonitor');
    const services = monitors.find((m) => name(m) === 'tutorhub-services') as JsonObject;
    const selector = obj(obj(obj(services.spec).selector).matchLabels) as Record<string, string>;
    for (const app of SERVICES) {
      const d = find(docs, 'Deployment', app) as JsonObject;
      const labels = podLabels(d);
      expect([app, Object.entries(selector).every(([k, v]) => labels[k] === v)]).toEqual([app, true]);
      const ports = objs(containersOf(d).main[0].ports).map((p) => p.name);
      expect([app, ports]).toEqual([app, expect.arrayContaining(objs(obj(services.spec).podMetricsEndpoints).map((e) => e.port))]);
    }
    const rabbit = monitors.find((m) => name(m) === 'tutorhub-rabbitmq') as JsonObject;
    expect(obj(obj(rabbit.spec).selector).matchLabels).toEqual({ 'app.kubernetes.io/name': name(ofKind(docs, 'RabbitmqCluster')[0]) });
    expect(objs(obj(rabbit.spec).podMetricsEndpoints).map((e) => e.path)).toEqual(['/metrics', '/metrics/detailed']);
  });

  it('is built by the prod overlay only', () => {
    const dev = render(join(K8S, 'overlays/dev'), RENDERER);
    expect(dev.filter((d) => ['PrometheusRule', 'PodMonitor'].includes(String(d.kind)))).toEqual([]);
    expect(ofKind(dev, 'ConfigMap').filter((c) => obj(obj(c.metadata).labels).grafana_dashboard)).toEqual([]);
  });
});

describe('overlay files', () => {
  it('every file under k8s/ is used by a kustomization', () => {
    const referenced = new Set<string>();
    for (const dir of kustomizationDirs(K8S)) {
      const k = parseYamlDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), dir)[0];
      referenced.add(join(dir, 'kustomization.yaml'));
      for (const r of arr(k.resources)) referenced.add(join(dir, String(r)));
      for (const g of objs(k.configMapGenerator)) {
        for (const e of arr(g.envs)) referenced.add(join(dir, String(e)));
        // `files` entries are `path` or `key=path`.
        for (const f of arr(g.files)) referenced.add(join(dir, String(f).slice(String(f).indexOf('=') + 1)));
      }
      for (const p of objs(k.patches)) if (typeof p.path === 'string') referenced.add(join(dir, p.path));
    }
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? files(join(dir, e)) : [join(dir, e)]));
    const unused = files(K8S).filter((f) => !referenced.has(f) && existsSync(f));
    expect(unused.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
