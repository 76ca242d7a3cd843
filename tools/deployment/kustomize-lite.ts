// A small, strict kustomize for machines without kubectl: it renders exactly the features the
// kustomizations under k8s/ use and throws on anything else, so it can never silently render
// something kubectl would not. Where kubectl exists, deployment.spec.ts renders with both and
// checks they agree (apart from the content hashes kustomize appends to generated ConfigMaps).
//
// Supported: resources (files and directories), namespace, labels (pairs, includeTemplates),
// configMapGenerator (envs, files, literals; behavior create/merge/replace; options labels,
// annotations, disableNameSuffixHash — names are never hashed here, see above), patches (strategic merge
// of mappings incl. `$patch: delete` and null deletions; JSON 6902 add/remove/replace/test;
// targets by kind, name and labelSelector), images (newName, newTag, digest).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isObject, type Json, type JsonObject, objs, parseYaml, parseYamlDocuments, str } from './yaml-docs';

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'labels',
  'resources',
  'configMapGenerator',
  'patches',
  'images',
]);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function kustomizeLite(dir: string): JsonObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const k = parseYaml(readFileSync(file, 'utf8'));
  if (!isObject(k)) throw new Error(`${file}: not a mapping`);
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${file}: kustomize-lite does not support "${key}"`);
  }

  let resources: JsonObject[] = [];
  for (const entry of (k.resources as Json[] | undefined) ?? []) {
    if (typeof entry !== 'string') throw new Error(`${file}: resource entries must be paths`);
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    resources = resources.concat(
      statSync(path).isDirectory() ? kustomizeLite(path) : parseYamlDocuments(readFileSync(path, 'utf8'), path),
    );
  }

  for (const gen of objs(k.configMapGenerator)) resources = generateConfigMap(dir, gen, resources);

  for (const patch of objs(k.patches)) resources = applyPatch(dir, patch, resources);

  const namespace = str(k.namespace);
  if (namespace) {
    for (const r of resources) {
      if (!CLUSTER_SCOPED.has(String(r.kind))) meta(r).namespace = namespace;
    }
  }

  for (const entry of objs(k.labels)) {
    if (entry.includeSelectors === true) throw new Error(`${file}: labels.includeSelectors is not supported`);
    const pairs = entry.pairs;
    if (!isObject(pairs)) throw new Error(`${file}: labels entry without pairs`);
    for (const r of resources) {
      Object.assign(child(meta(r), 'labels'), pairs);
      if (entry.includeTemplates === true && POD_TEMPLATE_KINDS.has(String(r.kind))) {
        const template = child(child(r, 'spec'), 'template');
        Object.assign(child(child(template, 'metadata'), 'labels'), pairs);
      }
    }
  }

  for (const image of objs(k.images)) {
    for (const r of resources) setImages(r, image);
  }
  return resources;
}

function meta(r: JsonObject): JsonObject {
  return child(r, 'metadata');
}

function child(o: JsonObject, key: string): JsonObject {
  const existing = o[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  o[key] = created;
  return created;
}

function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${path}: not KEY=VALUE: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function generateConfigMap(dir: string, gen: JsonObject, resources: JsonObject[]): JsonObject[] {
  const name = str(gen.name);
  if (!name) throw new Error(`${dir}: configMapGenerator entry without name`);
  const data: Record<string, string> = {};
  for (const env of (gen.envs as Json[] | undefined) ?? []) Object.assign(data, readEnvFile(join(dir, String(env))));
  for (const entry of (gen.files as Json[] | undefined) ?? []) {
    // `path` (key = file name) or `key=path`, as in kustomize.
    const text = String(entry);
    const eq = text.indexOf('=');
    const [key, path] = eq > 0 ? [text.slice(0, eq), text.slice(eq + 1)] : [basename(text), text];
    data[key] = readFileSync(join(dir, path), 'utf8');
  }
  for (const literal of (gen.literals as Json[] | undefined) ?? []) {
    const text = String(literal);
    data[text.slice(0, text.indexOf('='))] = text.slice(text.indexOf('=') + 1);
  }
  const options = isObject(gen.options) ? gen.options : {};
  for (const key of Object.keys(options)) {
    if (!['labels', 'annotations', 'disableNameSuffixHash'].includes(key)) {
      throw new Error(`${dir}: configMapGenerator option ${key} is not supported`);
    }
  }
  const behavior = str(gen.behavior) ?? 'create';
  const existing = resources.find((r) => r.kind === 'ConfigMap' && meta(r).name === name);
  if (behavior === 'create') {
    if (existing) throw new Error(`${dir}: ConfigMap ${name} already exists`);
    const metadata: JsonObject = { name };
    if (isObject(options.labels)) metadata.labels = { ...options.labels };
    if (isObject(options.annotations)) metadata.annotations = { ...options.annotations };
    return [...resources, { apiVersion: 'v1', kind: 'ConfigMap', metadata, data }];
  }
  if (!existing) throw new Error(`${dir}: configMapGenerator ${behavior} of missing ConfigMap ${name}`);
  if (Object.keys(options).length > 0) throw new Error(`${dir}: configMapGenerator options with behavior ${behavior} are not supported`);
  if (behavior === 'merge') Object.assign(child(existing, 'data'), data);
  else if (behavior === 'replace') existing.data = data;
  else throw new Error(`${dir}: unknown behavior ${behavior}`);
  return resources;
}

interface Target {
  kind?: string;
  name?: string;
  labelSelector?: string;
}

function matches(r: JsonObject, target: Target): boolean {
  if (target.kind && r.kind !== target.kind) return false;
  if (target.name && meta(r).name !== target.name) return false;
  if (target.labelSelector) {
    const labels = child(meta(r), 'labels');
    for (const term of target.labelSelector.split(',')) {
      const [key, value] = term.split('=');
      if (labels[key.trim()] !== value?.trim()) return false;
    }
  }
  return true;
}

function applyPatch(dir: string, entry: JsonObject, resources: JsonObject[]): JsonObject[] {
  const text = str(entry.patch) ?? (str(entry.path) ? readFileSync(join(dir, String(entry.path)), 'utf8') : undefined);
  if (text === undefined) throw new Error(`${dir}: patch without patch or path`);
  const target: Target | undefined = isObject(entry.target)
    ? { kind: str(entry.target.kind), name: str(entry.target.name), labelSelector: str(entry.target.labelSelector) }
    : undefined;
  const parsed = parseYaml(text);
  if (Array.isArray(parsed)) {
    if (!target) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
    const selected = resources.filter((r) => matches(r, target));
    if (selected.length === 0) throw new Error(`${dir}: patch target matches nothing: ${JSON.stringify(target)}`);
    for (const r of selected) applyJson6902(r, objs(parsed));
    return resources;
  }
  const docs = parseYamlDocuments(text, `${dir} patch`);
  if (docs.length !== 1) throw new Error(`${dir}: one strategic-merge patch per entry (kustomize crashes on more)`);
  const patch = docs[0];
  const selector: Target = target ?? { kind: str(patch.kind), name: str(meta(patch).name) };
  const selected = resources.filter((r) => matches(r, selector));
  if (selected.length === 0) throw new Error(`${dir}: patch target matches nothing: ${JSON.stringify(selector)}`);
  if (patch.$patch === 'delete') return resources.filter((r) => !selected.includes(r));
  for (const r of selected) {
    const body = { ...patch, metadata: { ...meta(patch), name: meta(r).name } };
    mergeInto(r, body, `${dir} patch`);
  }
  return resources;
}

function mergeInto(target: JsonObject, patch: JsonObject, where: string): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`${where}: directive ${key} is not supported`);
    if (value === null) {
      delete target[key];
    } else if (isObject(value)) {
      const sub = child(target, key);
      mergeInto(sub, value, where);
      if (Object.keys(sub).length === 0) delete target[key];
    } else if (Array.isArray(value)) {
      throw new Error(`${where}: lists in strategic-merge patches are not supported (use a JSON 6902 patch)`);
    } else {
      target[key] = value;
    }
  }
}

function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`bad JSON pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyJson6902(doc: JsonObject, ops: JsonObject[]): void {
  for (const op of ops) {
    const parts = pointer(String(op.path));
    const last = parts.pop() as string;
    let parent: Json = doc;
    for (const p of parts) {
      parent = Array.isArray(parent) ? parent[Number(p)] : isObject(parent) ? parent[p] : null;
      if (parent === null || parent === undefined) throw new Error(`JSON patch: ${String(op.path)} does not exist`);
    }
    const container = parent;
    const value = op.value as Json;
    switch (op.op) {
      case 'test': {
        const current = Array.isArray(container)
          ? container[Number(last)]
          : isObject(container)
            ? container[last]
            : undefined;
        if (JSON.stringify(current) !== JSON.stringify(value)) {
          throw new Error(`JSON patch test failed at ${String(op.path)}: ${JSON.stringify(current)}`);
        }
        break;
      }
      case 'add':
        if (Array.isArray(container)) {
          if (last === '-') container.push(value);
          else container.splice(Number(last), 0, value);
        } else if (isObject(container)) container[last] = value;
        break;
      case 'replace':
        if (Array.isArray(container)) {
          if (container[Number(last)] === undefined) throw new Error(`JSON patch: ${String(op.path)} does not exist`);
          container[Number(last)] = value;
        } else if (isObject(container)) {
          if (!(last in container)) throw new Error(`JSON patch: ${String(op.path)} does not exist`);
          container[last] = value;
        }
        break;
      case 'remove':
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else if (isObject(container)) {
          if (!(last in container)) throw new Error(`JSON patch: ${String(op.path)} does not exist`);
          delete container[last];
        }
        break;
      default:
        throw new Error(`JSON patch op ${String(op.op)} is not supported`);
    }
  }
}

function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > withoutDigest.lastIndexOf('/')) {
    return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  }
  return { name: withoutDigest, digest };
}

function setImages(node: Json, rule: JsonObject): void {
  if (Array.isArray(node)) {
    node.forEach((n) => setImages(n, rule));
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const c of objs(value)) {
        const image = str(c.image);
        if (!image) continue;
        const parts = splitImage(image);
        if (parts.name !== rule.name) continue;
        const name = str(rule.newName) ?? parts.name;
        const digest = str(rule.digest);
        const tag = str(rule.newTag) ?? parts.tag;
        c.image = digest ? `${name}@${digest}` : tag ? `${name}:${tag}` : name;
      }
    } else {
      setImages(value, rule);
    }
  }
}
