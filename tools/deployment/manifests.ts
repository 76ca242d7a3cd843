import { spawnSync } from 'node:child_process';
import { kustomizeLite } from './kustomize-lite';
import { arr, isObject, type Json, type JsonObject, obj, objs, parseYamlDocuments, str } from './yaml-docs';

export type Renderer = 'kubectl' | 'kustomize-lite';

/** Runs a CLI; `undefined` when the binary does not exist on this machine. */
export function runCli(
  cmd: string,
  args: string[],
  cwd: string,
): { status: number; stdout: string; stderr: string } | undefined {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

export function kubectlAvailable(cwd: string): boolean {
  return runCli('kubectl', ['version', '--client'], cwd)?.status === 0;
}

/** `kubectl kustomize <dir>` where kubectl exists, else the built-in renderer. */
export function render(dir: string, renderer: Renderer): JsonObject[] {
  if (renderer === 'kustomize-lite') return kustomizeLite(dir);
  const out = runCli('kubectl', ['kustomize', dir], dir);
  if (!out) throw new Error('kubectl disappeared');
  if (out.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${out.stderr}`);
  return parseYamlDocuments(out.stdout, `kubectl kustomize ${dir}`);
}

export function name(r: JsonObject): string {
  return String(obj(r.metadata).name);
}

export function ofKind(docs: JsonObject[], kind: string): JsonObject[] {
  return docs.filter((d) => d.kind === kind);
}

export function find(docs: JsonObject[], kind: string, n: string): JsonObject | undefined {
  return docs.find((d) => d.kind === kind && name(d) === n);
}

export function podSpec(workload: JsonObject): JsonObject {
  return obj(obj(obj(workload.spec).template).spec);
}

export function podLabels(workload: JsonObject): Record<string, string> {
  return obj(obj(obj(obj(workload.spec).template).metadata).labels) as Record<string, string>;
}

export function containersOf(workload: JsonObject): { init: JsonObject[]; main: JsonObject[] } {
  const spec = podSpec(workload);
  return { init: objs(spec.initContainers), main: objs(spec.containers) };
}

/** A ConfigMap of the output by the name a container refers to (hashed names included). */
export function configMapByRef(docs: JsonObject[], ref: string): JsonObject | undefined {
  return ofKind(docs, 'ConfigMap').find((c) => name(c) === ref);
}

export interface EnvEntry {
  /** Literal value, or the value found in a ConfigMap/Secret of the rendered output. */
  value?: string;
  /** Set from a Secret that is not part of the output (created out of band or by an operator). */
  external?: { secret: string; key: string; optional: boolean };
  source: string;
}

function secretValue(secret: JsonObject, key: string): string | undefined {
  const stringData = obj(secret.stringData);
  if (typeof stringData[key] === 'string') return stringData[key] as string;
  const data = obj(secret.data);
  if (typeof data[key] === 'string') return Buffer.from(data[key] as string, 'base64').toString('utf8');
  return undefined;
}

/**
 * The environment a container gets: `envFrom` ConfigMaps/Secrets then `env` (later wins, as in
 * Kubernetes). Throws on a reference to a ConfigMap or key that does not exist in the output.
 */
export function containerEnv(docs: JsonObject[], container: JsonObject): Map<string, EnvEntry> {
  const env = new Map<string, EnvEntry>();
  for (const from of objs(container.envFrom)) {
    if (isObject(from.configMapRef)) {
      const ref = String(from.configMapRef.name);
      const cm = configMapByRef(docs, ref);
      if (!cm) throw new Error(`container ${String(container.name)}: ConfigMap ${ref} is not in the output`);
      for (const [k, v] of Object.entries(obj(cm.data))) env.set(k, { value: String(v), source: `configmap ${ref}` });
    } else if (isObject(from.secretRef)) {
      const ref = String(from.secretRef.name);
      const secret = find(docs, 'Secret', ref);
      if (!secret)
        throw new Error(`container ${String(container.name)}: envFrom of Secret ${ref} (not in output) is not allowed`);
      for (const k of [...Object.keys(obj(secret.stringData)), ...Object.keys(obj(secret.data))]) {
        env.set(k, { value: secretValue(secret, k), source: `secret ${ref}` });
      }
    } else {
      throw new Error(`container ${String(container.name)}: unsupported envFrom ${JSON.stringify(from)}`);
    }
  }
  for (const e of objs(container.env)) {
    const key = String(e.name);
    if (typeof e.value === 'string') {
      env.set(key, { value: e.value, source: 'literal' });
      continue;
    }
    const valueFrom = obj(e.valueFrom);
    if (isObject(valueFrom.configMapKeyRef)) {
      const ref = valueFrom.configMapKeyRef;
      const cm = configMapByRef(docs, String(ref.name));
      const value = obj(cm?.data)[String(ref.key)];
      if (typeof value !== 'string')
        throw new Error(`${key}: ConfigMap key ${String(ref.name)}/${String(ref.key)} missing`);
      env.set(key, { value, source: `configmap ${String(ref.name)}` });
    } else if (isObject(valueFrom.secretKeyRef)) {
      const ref = valueFrom.secretKeyRef;
      const secret = find(docs, 'Secret', String(ref.name));
      if (secret) {
        const value = secretValue(secret, String(ref.key));
        if (value === undefined && ref.optional !== true) {
          throw new Error(`${key}: key ${String(ref.key)} missing from Secret ${String(ref.name)}`);
        }
        // An optional key absent from the Secret leaves the variable unset; the name is still listed.
        env.set(
          key,
          value !== undefined
            ? { value, source: `secret ${String(ref.name)}` }
            : { source: `absent optional key of ${String(ref.name)}` },
        );
      } else {
        env.set(key, {
          external: { secret: String(ref.name), key: String(ref.key), optional: ref.optional === true },
          source: `external secret ${String(ref.name)}`,
        });
      }
    } else {
      throw new Error(`${key}: unsupported env source ${JSON.stringify(e)}`);
    }
  }
  return env;
}

export function parseQuantity(q: Json | undefined): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|K|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`bad quantity ${String(q)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const factor: Record<string, number> = {
    '': 1,
    m: 0.001,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return n * factor[unit];
}

// ---- NetworkPolicy evaluation --------------------------------------------------------------------

export interface Endpoint {
  /** For pods: their namespace; external addresses have none. */
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  labels?: Record<string, string>;
  /** Container port names of a pod (for named ports in policies). */
  ports?: Record<string, number>;
  ip: string;
  describe: string;
}

function selectorMatches(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  for (const [k, v] of Object.entries(obj(selector.matchLabels))) if (labels[k] !== v) return false;
  for (const expr of objs(selector.matchExpressions)) {
    const key = String(expr.key);
    const values = arr(expr.values).map(String);
    const has = key in labels;
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${String(expr.operator)}`);
    }
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

function peerMatches(peer: JsonObject, other: Endpoint, policyNamespace: string): boolean {
  if (isObject(peer.ipBlock)) {
    if (!inCidr(other.ip, String(peer.ipBlock.cidr))) return false;
    return !arr(peer.ipBlock.except).some((c) => inCidr(other.ip, String(c)));
  }
  if (other.namespace === undefined) return false; // selectors only select pods
  if (peer.namespaceSelector !== undefined) {
    if (!selectorMatches(peer.namespaceSelector, other.namespaceLabels ?? {})) return false;
  } else if (other.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector === undefined || selectorMatches(peer.podSelector, other.labels ?? {});
}

function portMatches(ports: JsonObject[], port: number, protocol: string, target: Endpoint): boolean {
  if (ports.length === 0) return true;
  return ports.some((p) => {
    if ((str(p.protocol) ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'string' ? target.ports?.[p.port] : Number(p.port);
    if (number === undefined) return false;
    const end = typeof p.endPort === 'number' ? p.endPort : number;
    return port >= number && port <= end;
  });
}

function directionAllows(
  policies: JsonObject[],
  subject: Endpoint,
  other: Endpoint,
  port: number,
  protocol: string,
  direction: 'Ingress' | 'Egress',
  portOwner: Endpoint,
): boolean {
  if (subject.namespace === undefined) return true; // outside the cluster: not ours to police
  const selecting = policies.filter((p) => {
    const spec = obj(p.spec);
    const types = arr(spec.policyTypes).map(String);
    const applies = types.length > 0 ? types.includes(direction) : direction === 'Ingress' || isObject(spec.egress);
    return (
      String(obj(p.metadata).namespace ?? subject.namespace) === subject.namespace &&
      applies &&
      selectorMatches(spec.podSelector, subject.labels ?? {})
    );
  });
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    objs(obj(p.spec)[direction === 'Ingress' ? 'ingress' : 'egress']).some((rule) => {
      const peers = objs(rule[direction === 'Ingress' ? 'from' : 'to']);
      const peerOk = peers.length === 0 || peers.some((peer) => peerMatches(peer, other, subject.namespace as string));
      return peerOk && portMatches(objs(rule.ports), port, protocol, portOwner);
    }),
  );
}

/** Whether `from` may open a connection to `to` on `port` under these NetworkPolicies. */
export function allowed(policies: JsonObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  return (
    directionAllows(policies, from, to, port, protocol, 'Egress', to) &&
    directionAllows(policies, to, from, port, protocol, 'Ingress', to)
  );
}
