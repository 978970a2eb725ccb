import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { CronJob, type ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

/**
 * deploy/kubernetes: every document is checked against the Kubernetes schemas
 * (kubernetes-models), then against what this tool needs: no Kubernetes retries, the IST
 * schedule, a locked-down container, credentials only as mounted files.
 */

const dir = resolve('deploy/kubernetes');
type Doc = Record<string, unknown>;
interface Manifest { file: string; index: number; doc: Doc }

/** kubectl reads YAML 1.1 (`0440` is octal, `no` is false): parse it the same way. */
function parseManifests(file: string, text: string): Manifest[] {
  return parseAllDocuments(text, { version: '1.1' }).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${file} document ${String(index)}: ${document.errors.map((e) => e.message).join('; ')}`);
    const doc: unknown = document.toJS();
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file} document ${String(index)} is not a mapping`);
    return { file, index, doc: doc as Doc };
  });
}

/** Not a Kubernetes API object: checked by hand (kubernetes-models has no schema for it). */
function validateKustomization(doc: Doc): void {
  const listed: unknown = doc['resources'];
  const resources = Array.isArray(listed) ? listed.filter((r): r is string => typeof r === 'string') : [];
  if (!Array.isArray(listed) || resources.length === 0 || resources.length !== listed.length) {
    throw new Error('Kustomization: resources must be a non-empty list of file names');
  }
  for (const r of resources) {
    if (!existsSync(resolve(dir, r))) throw new Error(`Kustomization: resource ${r} does not exist`);
  }
}

const validators = new Map<string, (doc: Doc) => void>([
  ['batch/v1 CronJob', (doc) => { new CronJob(doc).validate(); }],
  ['batch/v1 Job', (doc) => { new Job(doc).validate(); }],
  ['v1 ConfigMap', (doc) => { new ConfigMap(doc).validate(); }],
  ['v1 Secret', (doc) => { new Secret(doc).validate(); }],
  ['v1 PersistentVolumeClaim', (doc) => { new PersistentVolumeClaim(doc).validate(); }],
  ['kustomize.config.k8s.io/v1beta1 Kustomization', validateKustomization],
]);

/** Throws on a schema error, and on any apiVersion + kind it has no schema for. */
function validateManifest(doc: Doc): void {
  const key = `${String(doc['apiVersion'])} ${String(doc['kind'])}`;
  const validate = validators.get(key);
  if (!validate) throw new Error(`no schema for apiVersion/kind "${key}"`);
  validate(doc);
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
const manifests = files.flatMap((file) => parseManifests(file, readFileSync(resolve(dir, file), 'utf8')));
const ofKind = <T>(kind: string): (T & { file: string })[] =>
  manifests.filter((m) => m.doc['kind'] === kind).map((m) => ({ ...(m.doc as T), file: m.file }));

const cronJobs = ofKind<ICronJob>('CronJob');
const jobs = ofKind<IJob>('Job');
const secrets = ofKind<ISecret>('Secret');
const configMaps = ofKind<IConfigMap>('ConfigMap');
const claims = ofKind<{ metadata?: { name?: string } }>('PersistentVolumeClaim');

/** Every Job spec: the Jobs', and those the CronJobs make. */
const jobSpecs: { where: string; spec: IJobSpec; viaCron: boolean }[] = [
  ...cronJobs.map((c) => ({ where: `${c.file} CronJob`, spec: c.spec?.jobTemplate.spec ?? ({} as IJobSpec), viaCron: true })),
  ...jobs.map((j) => ({ where: `${j.file} Job`, spec: j.spec ?? ({} as IJobSpec), viaCron: false })),
];
const pods: { where: string; pod: IPodSpec; viaCron: boolean }[] = jobSpecs.map(({ where, spec, viaCron }) => ({
  where, viaCron, pod: spec.template.spec ?? { containers: [] },
}));
const containersOf = (pod: IPodSpec): IContainer[] => [...(pod.initContainers ?? []), ...pod.containers];

/** Names whose value is a credential: allowed only as NAME_FILE, a path to a mounted file. */
const CREDENTIAL = /PASSWORD|SECRET|TOTP|REDIS_URL|BOT_TOKEN|WEBHOOK_URL|HEARTBEAT_URL/;

const exampleSecret = (name: string): Record<string, string> => {
  const secret = secrets.find((s) => s.metadata?.name === name);
  if (!secret) throw new Error(`no Secret named ${name} in deploy/kubernetes`);
  return { ...secret.stringData, ...secret.data };
};

/** The volume behind `path` in this container: the longest mountPath that holds it. */
function mountOf(pod: IPodSpec, container: IContainer, path: string) {
  const mount = (container.volumeMounts ?? [])
    .filter((m) => path.startsWith(m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return undefined;
  const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
  return { mount, volume, rest: path.slice(mount.mountPath.length).replace(/^\//, '') };
}

/** Every `*_file` path in the accounts list (defaults and each account). */
function accountFilePaths(accounts: unknown): string[] {
  const shape = accounts as { defaults?: Record<string, unknown>; accounts?: Record<string, unknown>[] };
  return [shape.defaults ?? {}, ...(shape.accounts ?? [])].flatMap((entry) =>
    Object.entries(entry).filter(([key]) => key.endsWith('_file')).map(([, value]) => String(value)));
}

describe('deploy/kubernetes: the Kubernetes schemas', () => {
  it('finds the manifests', () => {
    expect(files).toEqual(expect.arrayContaining(['cronjob.yaml', 'secret.example.yaml', 'configmap.yaml', 'indexed-job.yaml', 'pvc.yaml']));
    for (const file of files) expect(manifests.filter((m) => m.file === file).length, file).toBeGreaterThan(0);
  });

  it.each(manifests.map((m) => [`${m.file} #${String(m.index)} ${String(m.doc['kind'])}`, m] as const))('%s is valid', (_, m) => {
    expect(() => { validateManifest(m.doc); }).not.toThrow();
  });

  it('fails on a broken manifest, so the check above can fail', () => {
    const pod = { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'kite-autologin:latest' }] } };
    const cron = (spec: Doc): Doc => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' }, spec });
    expect(() => { validateManifest(cron({ schedule: '45 7 * * 1-5', jobTemplate: { spec: { template: pod } } })); }).not.toThrow();
    expect(() => { validateManifest(cron({ schedule: '45 7 * * 1-5', concurrencyPolicy: 123, jobTemplate: { spec: { template: pod } } })); })
      .toThrow(/concurrencyPolicy/);
    expect(() => { validateManifest(cron({ schedule: '45 7 * * 1-5' })); }).toThrow(/jobTemplate/);
    expect(() => { validateManifest({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Sometimes', template: pod } }); })
      .toThrow(/completionMode/);
    expect(() => { validateManifest({ apiVersion: 'batch/v1', kind: 'CronTab', spec: {} }); }).toThrow(/no schema/);
    expect(() => { validateManifest({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['gone.yaml'] }); })
      .toThrow(/gone\.yaml/);
  });

  it('fails when one of our own manifests is broken deep inside, or unquoted YAML turns a setting into a boolean', () => {
    const real = manifests.find((m) => m.file === 'cronjob.yaml' && m.doc['kind'] === 'CronJob');
    expect(real).toBeDefined();
    const broken = structuredClone(real?.doc ?? {}) as unknown as ICronJob;
    const container = broken.spec?.jobTemplate.spec?.template.spec?.containers[0];
    expect(container).toBeDefined();
    if (container) container.volumeMounts = [{ name: 'data' } as never];
    expect(() => { validateManifest(broken as unknown as Doc); }).toThrow(/mountPath/);

    const [configMap] = parseManifests('inline', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  NOTIFY_ON_SUCCESS: no\n');
    expect(() => { validateManifest(configMap?.doc ?? {}); }).toThrow(/NOTIFY_ON_SUCCESS must be string/);
  });
});

describe('deploy/kubernetes: what the tool needs', () => {
  it('each CronJob starts one pod at a time before the market opens, in IST', () => {
    expect(cronJobs.length).toBeGreaterThan(0);
    for (const c of cronJobs) {
      expect(c.spec?.timeZone, c.file).toBe('Asia/Kolkata');
      expect(c.spec?.concurrencyPolicy, c.file).toBe('Forbid');
      expect(c.spec?.startingDeadlineSeconds, c.file).toBeGreaterThan(0);
      expect(c.spec?.successfulJobsHistoryLimit, c.file).toBeGreaterThan(0);
      expect(c.spec?.failedJobsHistoryLimit, c.file).toBeGreaterThan(0);
      const [minute, hour, ...rest] = (c.spec?.schedule ?? '').split(' ');
      expect(rest, c.file).toHaveLength(3);
      expect(Number(hour) * 60 + Number(minute), `${c.file}: before 09:00`).toBeLessThan(9 * 60);
    }
    // The alternatives share one name: applying one replaces the other, never two schedules.
    expect(new Set(cronJobs.map((c) => c.metadata?.name)).size).toBe(1);
  });

  it('no Job is ever retried by Kubernetes, and each has a hard time limit', () => {
    expect(jobSpecs.length).toBeGreaterThan(1);
    for (const { where, spec } of jobSpecs) {
      const indexedNoRetry = spec.completionMode === 'Indexed' && spec.backoffLimitPerIndex === 0;
      expect(spec.backoffLimit === 0 || indexedNoRetry, `${where}: backoffLimit 0 (or Indexed with backoffLimitPerIndex 0)`).toBe(true);
      expect(spec.template.spec?.restartPolicy, where).toBe('Never');
      expect(spec.activeDeadlineSeconds, where).toBeGreaterThan(0);
    }
  });

  it('the pods run one morning (calendar and own retries) from a CronJob, a login from the one-off Job', () => {
    for (const { where, pod, viaCron } of pods) {
      for (const c of pod.containers) {
        expect(c.image, where).toMatch(/kite-autologin/);
        expect(c.command, `${where}: the image's entrypoint (tini) stays`).toBeUndefined();
        expect(c.args, where).toEqual(viaCron ? ['run', '--once'] : ['login']);
      }
    }
  });

  it('the Indexed variants have one pod per account of the example accounts file', () => {
    const indexed = jobSpecs.filter(({ spec }) => spec.completionMode === 'Indexed');
    expect(indexed.map((i) => i.where)).toEqual(expect.arrayContaining([expect.stringMatching(/^indexed-job\.yaml Job/)]));
    expect(indexed.some((i) => i.viaCron)).toBe(true);
    const accounts = (parseYaml(exampleSecret('kite-credentials')['accounts.yaml'] ?? '') as { accounts?: unknown[] }).accounts ?? [];
    expect(accounts.length).toBeGreaterThan(1);
    for (const { where, spec } of indexed) {
      expect(spec.completions, where).toBe(accounts.length);
      expect(spec.parallelism, where).toBeGreaterThan(0);
      const env = spec.template.spec?.containers.flatMap((c) => c.env ?? []) ?? [];
      expect(env.map((e) => e.name), `${where}: the account comes from ACCOUNTS_FILE`).toContain('ACCOUNTS_FILE');
    }
  });

  it('every pod is locked down: non-root, read-only, no privilege, no capabilities, default seccomp, bounded memory', () => {
    expect(pods.length).toBeGreaterThan(0);
    for (const { where, pod } of pods) {
      expect(pod.automountServiceAccountToken, where).toBe(false);
      expect(pod.securityContext?.runAsUser, where).toBe(1000);
      for (const c of containersOf(pod)) {
        const at = `${where} container ${c.name}`;
        const sc = c.securityContext ?? {};
        expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, at).toBe(true);
        expect(sc.readOnlyRootFilesystem, at).toBe(true);
        expect(sc.allowPrivilegeEscalation, at).toBe(false);
        expect(sc.capabilities?.drop, at).toContain('ALL');
        expect(sc.capabilities?.add ?? [], at).toEqual([]);
        expect(sc.privileged ?? false, at).toBe(false);
        expect((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type, at).toBe('RuntimeDefault');
        expect(c.resources?.requests?.['memory'], at).toBeDefined();
        expect(c.resources?.limits?.['memory'], at).toBeDefined();
      }
    }
  });

  it('every pod writes only to its volumes: /data, a TMPDIR emptyDir at /data/tmp, /dev/shm in memory', () => {
    for (const { where, pod } of pods) {
      for (const c of pod.containers) {
        const tmp = mountOf(pod, c, '/data/tmp/x');
        expect(tmp?.mount.mountPath, where).toBe('/data/tmp');
        expect(tmp?.volume?.emptyDir, where).toBeDefined();
        const shm = mountOf(pod, c, '/dev/shm/x');
        expect(shm?.mount.mountPath, where).toBe('/dev/shm');
        expect(shm?.volume?.emptyDir?.medium, where).toBe('Memory');
        const data = mountOf(pod, c, '/data/kite-token.json');
        expect(data?.mount.mountPath, where).toBe('/data');
        expect(data?.mount.readOnly ?? false, where).toBe(false);
        expect(data?.volume?.emptyDir ?? data?.volume?.persistentVolumeClaim, where).toBeDefined();
      }
    }
  });

  it('no credential is an environment value: only *_FILE paths to mounted secrets', () => {
    for (const { where, pod } of pods) {
      for (const c of containersOf(pod)) {
        expect(c.envFrom?.filter((e) => e.secretRef) ?? [], `${where}: no envFrom secretRef`).toEqual([]);
        for (const e of c.env ?? []) {
          expect(e.valueFrom?.secretKeyRef, `${where} ${e.name}: no secretKeyRef`).toBeUndefined();
          if (!e.name.endsWith('_FILE')) expect(e.name, `${where}: ${e.name} must be ${e.name}_FILE`).not.toMatch(CREDENTIAL);
        }
      }
    }
    for (const m of configMaps) {
      for (const key of Object.keys(m.data ?? {})) if (!key.endsWith('_FILE')) expect(key, `${m.file}: ${key}`).not.toMatch(CREDENTIAL);
    }
  });

  it('every *_FILE path is under a volume mounted in that container, and a secret file names a key the Secret has', () => {
    let checked = 0;
    for (const { where, pod } of pods) {
      for (const c of containersOf(pod)) {
        for (const e of (c.env ?? []).filter((v) => v.name.endsWith('_FILE'))) {
          const at = `${where} ${e.name}=${e.value ?? ''}`;
          expect(e.value, at).toMatch(/^\//);
          const found = mountOf(pod, c, e.value ?? '');
          expect(found, `${at}: no volumeMount holds it`).toBeDefined();
          const secretName = found?.volume?.secret?.secretName;
          if (found && secretName) {
            expect(found.mount.readOnly, at).toBe(true);
            expect(Object.keys(exampleSecret(secretName)), at).toContain(found.rest);
          } else {
            expect(found?.volume?.emptyDir ?? found?.volume?.persistentVolumeClaim, `${at}: a volume of this pod`).toBeDefined();
          }
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(pods.length);
  });

  it('the accounts file points only at keys of the mounted Secret, and holds no password or TOTP secret itself', () => {
    const credentials = exampleSecret('kite-credentials');
    const accounts: unknown = parseYaml(credentials['accounts.yaml'] ?? '');
    const paths = accountFilePaths(accounts);
    expect(paths.length).toBeGreaterThan(2);
    for (const path of paths) {
      expect(posix.dirname(path), path).toBe('/run/secrets/kite');
      expect(Object.keys(credentials), path).toContain(posix.basename(path));
    }
    const entries = [(accounts as { defaults?: Doc }).defaults ?? {}, ...((accounts as { accounts?: Doc[] }).accounts ?? [])];
    for (const entry of entries) {
      for (const key of ['password', 'totp_secret', 'api_secret']) expect(entry, key).not.toHaveProperty(key);
    }
    for (const entry of (accounts as { accounts?: Doc[] }).accounts ?? []) expect(entry['user_id']).toEqual(expect.any(String));
  });

  it('the example secrets hold only placeholders, and every reference between manifests resolves', () => {
    for (const s of secrets) {
      expect(s.file).toBe('secret.example.yaml');
      for (const [key, value] of Object.entries(s.stringData ?? {})) expect(value, `${s.metadata?.name ?? ''}/${key}`).toMatch(/CHANGE_ME/);
    }
    const names = (list: { metadata?: { name?: string } }[]) => list.map((x) => x.metadata?.name);
    for (const { where, pod } of pods) {
      for (const v of pod.volumes ?? []) {
        if (v.secret) expect(names(secrets), `${where} volume ${v.name}`).toContain(v.secret.secretName);
        if (v.persistentVolumeClaim) expect(names(claims), `${where} volume ${v.name}`).toContain(v.persistentVolumeClaim.claimName);
        if (v.secret) expect(v.secret.defaultMode, `${where} ${v.name}: 0440`).toBe(0o440);
      }
      for (const c of pod.containers) {
        for (const from of c.envFrom ?? []) expect(names(configMaps), where).toContain(from.configMapRef?.name);
      }
    }
    const kustomization = manifests.find((m) => m.doc['kind'] === 'Kustomization');
    if (kustomization) expect(kustomization.doc['resources'], 'placeholders are never applied').not.toContain('secret.example.yaml');
  });
});
