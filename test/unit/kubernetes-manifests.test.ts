import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { CronJob, type ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { PersistentVolumeClaim, type IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

/**
 * deploy/kubernetes: every document is checked against the Kubernetes schemas
 * (kubernetes-models), then against what this tool needs: no Kubernetes retries, the IST
 * schedule, a locked-down container, credentials only as mounted files, and a home for each
 * account's ledger that outlives the pod (the database, or a PersistentVolumeClaim).
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
const texts = new Map(files.map((file) => [file, readFileSync(resolve(dir, file), 'utf8')]));
const manifests = files.flatMap((file) => parseManifests(file, texts.get(file) ?? ''));
const ofKind = <T>(kind: string): (T & { file: string })[] =>
  manifests.filter((m) => m.doc['kind'] === kind).map((m) => ({ ...(m.doc as T), file: m.file }));

const cronJobs = ofKind<ICronJob>('CronJob');
const secrets = ofKind<ISecret>('Secret');
const configMaps = ofKind<IConfigMap>('ConfigMap');
type Claim = IPersistentVolumeClaim & { file: string };
const claims: Claim[] = ofKind<IPersistentVolumeClaim>('PersistentVolumeClaim');

/** One pod template: a Job's, or the one a CronJob's Jobs get. */
interface PodEntry { file: string; where: string; spec: IJobSpec; pod: IPodSpec; viaCron: boolean; concurrencyPolicy: string | undefined }

function podsOf(file: string, doc: Doc): PodEntry[] {
  const entry = (where: string, spec: IJobSpec, viaCron: boolean, concurrencyPolicy?: string): PodEntry =>
    ({ file, where: `${file} ${where}`, spec, pod: spec.template.spec ?? { containers: [] }, viaCron, concurrencyPolicy });
  if (doc['kind'] === 'CronJob') {
    const cron = doc as unknown as ICronJob;
    return [entry('CronJob', cron.spec?.jobTemplate.spec ?? ({} as IJobSpec), true, cron.spec?.concurrencyPolicy)];
  }
  if (doc['kind'] === 'Job') return [entry('Job', (doc as unknown as IJob).spec ?? ({} as IJobSpec), false)];
  return [];
}

const entries = manifests.flatMap((m) => podsOf(m.file, m.doc));
/** Every Job spec and its pod: the Jobs', and those the CronJobs make. */
const jobSpecs = entries;
const pods = entries;
const containersOf = (pod: IPodSpec): IContainer[] => [...(pod.initContainers ?? []), ...pod.containers];

/** Names whose value is a credential: allowed only as NAME_FILE, a path to a mounted file. */
const CREDENTIAL = /PASSWORD|SECRET|TOTP|REDIS_URL|DATABASE_URL|BOT_TOKEN|WEBHOOK_URL|HEARTBEAT_URL/;

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

/**
 * Where each manifest keeps the accounts' ledgers, locks, morning records and tokens. A pod
 * that forgets them is a new host, and a new host may send a rejected password again, so:
 * - the database home (DATABASE_URL_FILE, from a Secret mounted as a file): the ledgers live
 *   in PostgreSQL, and a pod's own folder is scratch. STATE_DIR and the token file may then
 *   sit on an emptyDir, only if the token also goes where programs read it (REDIS_URL_FILE)
 *   and the manifest says so in words: DURABLE_COPY.
 * - the files home (one host): STATE_DIR and the token file on a PersistentVolumeClaim that
 *   one pod at a time mounts, and no DATABASE_URL at all.
 */
const DATABASE_HOME = ['cronjob.yaml', 'cronjob-indexed.yaml', 'indexed-job.yaml'];
const VOLUME_HOME = ['cronjob-volume.yaml'];
const DURABLE_COPY = "the durable copy is the database's";

const envOf = (c: IContainer, name: string): IEnvVar | undefined => c.env?.find((e) => e.name === name);
const isDatabaseVar = (name: string): boolean => name === 'DATABASE_URL' || name === 'DATABASE_URL_FILE';

/** The volume that holds `folder` itself (a file in it), in this container. */
const folderVolume = (pod: IPodSpec, c: IContainer, folder: string) => mountOf(pod, c, `${folder.replace(/\/$/, '')}/x`);

/** STATE_DIR and TOKEN_FILE's folder: set, and on a volume that outlives the pod (or, with the database home, scratch said to be scratch). */
function storageProblems(entry: PodEntry, text: string): string[] {
  const problems: string[] = [];
  for (const c of entry.pod.containers) {
    const at = `${entry.where} container ${c.name}`;
    const database = envOf(c, 'DATABASE_URL_FILE') !== undefined;
    const stateDir = envOf(c, 'STATE_DIR')?.value;
    const tokenFile = envOf(c, 'TOKEN_FILE')?.value;
    if (!stateDir?.startsWith('/')) problems.push(`${at}: STATE_DIR must be set, an absolute path`);
    if (!tokenFile?.startsWith('/')) problems.push(`${at}: TOKEN_FILE must be set, an absolute path`);
    const places: [string, string | undefined][] = [['STATE_DIR', stateDir], ["TOKEN_FILE's folder", tokenFile && posix.dirname(tokenFile)]];
    for (const [name, folder] of places) {
      if (!folder?.startsWith('/')) continue;
      const found = folderVolume(entry.pod, c, folder);
      const volume = found?.volume;
      if (!found || !volume) problems.push(`${at}: ${name} ${folder} is on no mounted volume (the root filesystem is read-only)`);
      else if (found.mount.readOnly === true) problems.push(`${at}: ${name} ${folder} is on a read-only mount`);
      else if (volume.persistentVolumeClaim) continue;
      else if (!volume.emptyDir) problems.push(`${at}: ${name} ${folder} is on the volume ${volume.name}, neither a PersistentVolumeClaim nor an emptyDir`);
      else if (!database) problems.push(`${at}: ${name} ${folder} is on the emptyDir ${volume.name}: every pod would be a new host (a PersistentVolumeClaim, or the database home)`);
      else if (!envOf(c, 'REDIS_URL_FILE')) problems.push(`${at}: ${name} ${folder} is on the emptyDir ${volume.name} and no REDIS_URL_FILE: the token would reach no program`);
      else if (!text.includes(DURABLE_COPY)) problems.push(`${at}: ${name} ${folder} is on the emptyDir ${volume.name}: the manifest must say "${DURABLE_COPY}"`);
    }
  }
  return problems;
}

/** The database home: DATABASE_URL_FILE, a key of a Secret mounted read-only; never DATABASE_URL itself. */
function databaseProblems(entry: PodEntry): string[] {
  const problems: string[] = [];
  for (const c of containersOf(entry.pod)) {
    const at = `${entry.where} container ${c.name}`;
    if (envOf(c, 'DATABASE_URL')) problems.push(`${at}: DATABASE_URL in the environment (a value or a secretKeyRef): use DATABASE_URL_FILE, a mounted Secret file`);
    for (const from of c.envFrom ?? []) {
      const data = configMaps.find((m) => m.metadata?.name === from.configMapRef?.name)?.data ?? {};
      if (Object.keys(data).some(isDatabaseVar)) problems.push(`${at}: the ConfigMap ${from.configMapRef?.name ?? ''} sets DATABASE_URL*`);
    }
    if (!entry.pod.containers.includes(c)) continue;
    const path = envOf(c, 'DATABASE_URL_FILE')?.value;
    if (!path) {
      problems.push(`${at}: no DATABASE_URL_FILE: this variant's ledgers live in the database`);
      continue;
    }
    const found = mountOf(entry.pod, c, path);
    const secretName = found?.volume?.secret?.secretName;
    if (!found || !secretName) problems.push(`${at}: DATABASE_URL_FILE ${path} is not in a Secret volume`);
    else {
      if (found.mount.readOnly !== true) problems.push(`${at}: the Secret volume holding DATABASE_URL_FILE is not mounted read-only`);
      const keys = Object.keys({ ...secrets.find((x) => x.metadata?.name === secretName)?.stringData });
      if (!keys.includes(found.rest)) problems.push(`${at}: the Secret ${secretName} has no key ${found.rest}`);
    }
  }
  return problems;
}

/** The files home on a PersistentVolumeClaim: one host, one pod at a time, no database. */
function volumeProblems(entry: PodEntry, claimsHere: Claim[]): string[] {
  const problems: string[] = [];
  if (!entry.viaCron || entry.concurrencyPolicy !== 'Forbid') problems.push(`${entry.where}: one pod at a time: a CronJob with concurrencyPolicy Forbid`);
  if (entry.spec.completionMode === 'Indexed' || (entry.spec.parallelism ?? 1) > 1 || (entry.spec.completions ?? 1) > 1) {
    problems.push(`${entry.where}: one pod at a time: no Indexed Job, no parallelism or completions above 1`);
  }
  for (const c of containersOf(entry.pod)) {
    const at = `${entry.where} container ${c.name}`;
    for (const e of (c.env ?? []).filter((v) => isDatabaseVar(v.name))) problems.push(`${at}: ${e.name} is set: this variant's home is the volume`);
    for (const from of c.envFrom ?? []) {
      const data = configMaps.find((m) => m.metadata?.name === from.configMapRef?.name)?.data ?? {};
      if (Object.keys(data).some(isDatabaseVar)) problems.push(`${at}: the ConfigMap ${from.configMapRef?.name ?? ''} sets DATABASE_URL*`);
    }
  }
  for (const c of entry.pod.containers) {
    const at = `${entry.where} container ${c.name}`;
    const tokenFile = envOf(c, 'TOKEN_FILE')?.value;
    for (const [name, folder] of [['STATE_DIR', envOf(c, 'STATE_DIR')?.value], ["TOKEN_FILE's folder", tokenFile && posix.dirname(tokenFile)]] as const) {
      const claimName = folder ? folderVolume(entry.pod, c, folder)?.volume?.persistentVolumeClaim?.claimName : undefined;
      if (!claimName) {
        problems.push(`${at}: ${name} is not on a PersistentVolumeClaim`);
        continue;
      }
      const claim = claimsHere.find((x) => x.metadata?.name === claimName);
      if (!claim) problems.push(`${at}: ${name}: no PersistentVolumeClaim named ${claimName}`);
      else if (!['ReadWriteOnce', 'ReadWriteOncePod'].includes(claim.spec?.accessModes?.join(',') ?? '')) {
        problems.push(`${at}: ${name}: the claim ${claimName} must be ReadWriteOnce (or ReadWriteOncePod), one node`);
      }
    }
  }
  return problems;
}

/** A real manifest's first document of this kind, cloned and changed: the rules must catch it. */
function broken(file: string, change: (pod: IPodSpec, spec: IJobSpec, doc: Doc) => void): PodEntry {
  const real = manifests.find((m) => m.file === file && (m.doc['kind'] === 'CronJob' || m.doc['kind'] === 'Job'));
  if (!real) throw new Error(`no CronJob or Job in ${file}`);
  const copy = structuredClone(real.doc);
  const [entry] = podsOf(file, copy);
  if (!entry) throw new Error(`no pod in ${file}`);
  change(entry.pod, entry.spec, copy);
  const [changed] = podsOf(file, copy);
  return changed ?? entry;
}
const mainContainer = (pod: IPodSpec): IContainer => {
  const [c] = pod.containers;
  if (!c) throw new Error('no container');
  return c;
};
const setEnv = (pod: IPodSpec, name: string, value: string | undefined): void => {
  const c = mainContainer(pod);
  const rest = (c.env ?? []).filter((e) => e.name !== name);
  c.env = value === undefined ? rest : [...rest, { name, value }];
};
const textOf = (file: string): string => texts.get(file) ?? '';

describe('deploy/kubernetes: the Kubernetes schemas', () => {
  it('finds the manifests', () => {
    expect(files).toEqual(expect.arrayContaining([
      'cronjob.yaml', 'cronjob-indexed.yaml', 'cronjob-volume.yaml', 'indexed-job.yaml', 'pvc.yaml',
      'secret.example.yaml', 'configmap.yaml', 'kustomization.yaml',
    ]));
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

describe('deploy/kubernetes: a home for the ledgers that outlives the pod', () => {
  it('every manifest with a pod is a database variant or the volume variant, and each exists', () => {
    expect(entries.length).toBeGreaterThan(3);
    for (const { file, where } of entries) {
      expect([DATABASE_HOME.includes(file), VOLUME_HOME.includes(file)].filter(Boolean), `${where}: which home?`).toHaveLength(1);
    }
    for (const file of [...DATABASE_HOME, ...VOLUME_HOME]) expect(entries.map((e) => e.file), file).toContain(file);
  });

  it('no pod keeps STATE_DIR or the token file on an emptyDir, except the database variants\' scratch, said so', () => {
    for (const entry of entries) expect(storageProblems(entry, textOf(entry.file)), entry.where).toEqual([]);
    // The rule's one exception is used, and only where the database is the home.
    const scratch = entries.filter((e) => e.pod.containers.some((c) => folderVolume(e.pod, c, envOf(c, 'STATE_DIR')?.value ?? '/')?.volume?.emptyDir));
    expect(scratch.map((e) => e.file).sort()).toEqual([...DATABASE_HOME].sort());
  });

  it('the database variants take DATABASE_URL_FILE from a Secret volume, and set no DATABASE_URL', () => {
    const database = entries.filter((e) => DATABASE_HOME.includes(e.file));
    expect(database).toHaveLength(DATABASE_HOME.length);
    for (const entry of database) expect(databaseProblems(entry), entry.where).toEqual([]);
    expect(exampleSecret('kite-database')).toHaveProperty('database_url', expect.stringMatching(/^postgres(ql)?:\/\/[^@]*CHANGE_ME@[^/]+\.invalid[:/]/));
  });

  it('the volume variant keeps STATE_DIR and the token on its ReadWriteOnce claim, one pod at a time, with no DATABASE_URL', () => {
    const volume = entries.filter((e) => VOLUME_HOME.includes(e.file));
    expect(volume).toHaveLength(VOLUME_HOME.length);
    for (const entry of volume) expect(volumeProblems(entry, claims), entry.where).toEqual([]);
  });

  it('the default (kustomization) is a database variant', () => {
    const kustomization = manifests.find((m) => m.doc['kind'] === 'Kustomization');
    const resources = (kustomization?.doc['resources'] ?? []) as string[];
    expect(resources.filter((r) => DATABASE_HOME.includes(r) || VOLUME_HOME.includes(r))).toEqual(['cronjob.yaml']);
  });

  // Each rule, broken on purpose in a copy of a real manifest: the checks above can fail.
  const failures: [string, () => string[], RegExp][] = [
    ['a database variant without DATABASE_URL_FILE: its scratch would be the home', () => {
      const entry = broken('cronjob.yaml', (pod) => { setEnv(pod, 'DATABASE_URL_FILE', undefined); });
      return [...storageProblems(entry, textOf('cronjob.yaml')), ...databaseProblems(entry)];
    }, /STATE_DIR \/data is on the emptyDir scratch: every pod would be a new host[\s\S]*no DATABASE_URL_FILE/],
    ['DATABASE_URL with a value in the environment', () =>
      databaseProblems(broken('cronjob-indexed.yaml', (pod) => { setEnv(pod, 'DATABASE_URL', 'postgresql://u:p@db/kite'); })),
    /DATABASE_URL in the environment/],
    ['DATABASE_URL from a secretKeyRef', () => databaseProblems(broken('indexed-job.yaml', (pod) => {
      mainContainer(pod).env?.push({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'kite-database', key: 'database_url' } } });
    })), /DATABASE_URL in the environment/],
    ['DATABASE_URL_FILE in a folder that is not a Secret', () =>
      databaseProblems(broken('cronjob.yaml', (pod) => { setEnv(pod, 'DATABASE_URL_FILE', '/data/database_url'); })),
    /DATABASE_URL_FILE \/data\/database_url is not in a Secret volume/],
    ['DATABASE_URL_FILE naming a key the Secret lacks', () =>
      databaseProblems(broken('cronjob.yaml', (pod) => { setEnv(pod, 'DATABASE_URL_FILE', '/run/secrets/database/url'); })),
    /the Secret kite-database has no key url/],
    ['the database Secret mounted writable', () => databaseProblems(broken('cronjob.yaml', (pod) => {
      const mount = mainContainer(pod).volumeMounts?.find((m) => m.mountPath === '/run/secrets/database');
      if (mount) mount.readOnly = false;
    })), /not mounted read-only/],
    ['the token on scratch and no Redis to take it to programs', () =>
      storageProblems(broken('cronjob.yaml', (pod) => { setEnv(pod, 'REDIS_URL_FILE', undefined); }), textOf('cronjob.yaml')),
    /no REDIS_URL_FILE/],
    ['scratch the manifest does not call scratch', () =>
      storageProblems(broken('cronjob-indexed.yaml', () => undefined), textOf('cronjob-indexed.yaml').replaceAll(DURABLE_COPY, 'kept')),
    /must say "the durable copy is the database's"/],
    ['no STATE_DIR', () => storageProblems(broken('indexed-job.yaml', (pod) => { setEnv(pod, 'STATE_DIR', undefined); }), textOf('indexed-job.yaml')),
      /STATE_DIR must be set/],
    ['the volume variant on an emptyDir', () => {
      const entry = broken('cronjob-volume.yaml', (pod) => {
        const data = pod.volumes?.find((v) => v.name === 'data');
        if (data) { delete data.persistentVolumeClaim; data.emptyDir = {}; }
      });
      return [...storageProblems(entry, textOf('cronjob-volume.yaml')), ...volumeProblems(entry, claims)];
    }, /STATE_DIR \/data is on the emptyDir data: every pod would be a new host[\s\S]*STATE_DIR is not on a PersistentVolumeClaim/],
    ['the volume variant\'s STATE_DIR in the TMPDIR emptyDir', () => {
      const entry = broken('cronjob-volume.yaml', (pod) => { setEnv(pod, 'STATE_DIR', '/data/tmp/state'); });
      return [...storageProblems(entry, textOf('cronjob-volume.yaml')), ...volumeProblems(entry, claims)];
    }, /STATE_DIR \/data\/tmp\/state is on the emptyDir tmp[\s\S]*STATE_DIR is not on a PersistentVolumeClaim/],
    ['the volume variant\'s token file in the TMPDIR emptyDir', () =>
      volumeProblems(broken('cronjob-volume.yaml', (pod) => { setEnv(pod, 'TOKEN_FILE', '/data/tmp/kite-token.json'); }), claims),
    /TOKEN_FILE's folder is not on a PersistentVolumeClaim/],
    ['the volume variant with DATABASE_URL_FILE', () =>
      volumeProblems(broken('cronjob-volume.yaml', (pod) => { setEnv(pod, 'DATABASE_URL_FILE', '/run/secrets/kite/database_url'); }), claims),
    /DATABASE_URL_FILE is set: this variant's home is the volume/],
    ['the volume variant on a ReadWriteMany claim', () => {
      const many = structuredClone(claims);
      for (const claim of many) if (claim.spec) claim.spec.accessModes = ['ReadWriteMany'];
      return volumeProblems(broken('cronjob-volume.yaml', () => undefined), many);
    }, /must be ReadWriteOnce/],
    ['the volume variant running two pods at once', () =>
      volumeProblems(broken('cronjob-volume.yaml', (_pod, spec) => { spec.parallelism = 2; spec.completions = 2; }), claims),
    /one pod at a time: no Indexed Job/],
    ['the volume variant allowing a second morning beside the first', () =>
      volumeProblems(broken('cronjob-volume.yaml', (_pod, _spec, doc) => {
        const cron = doc as unknown as ICronJob;
        if (cron.spec) cron.spec.concurrencyPolicy = 'Allow';
      }), claims),
    /concurrencyPolicy Forbid/],
  ];

  it.each(failures)('fails on %s', (_, problems, expected) => {
    expect(problems().join('\n')).toMatch(expected);
  });
});

