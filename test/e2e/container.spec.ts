import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { readFinalStage, type FinalStage } from '../support/dockerfile.js';
import { chromiumProcesses, killLeftovers, spawnCli, TEST_MARK, todayIsTradingEnv, type RunningCli } from '../support/kite-world.js';

/**
 * No Docker engine runs here, so the image's run time is rehearsed on this machine: the
 * final stage's COPY and RUN steps are replayed into a fresh folder (production dependencies
 * only), then its ENTRYPOINT runs as its USER with its ENV and no HOME, in a private mount
 * namespace where /tmp and /var/tmp are read-only: as with a read-only root
 * filesystem, the data volume is the only place it can write. The image's absolute paths
 * (WORKDIR, VOLUME) are mapped into that folder.
 */
const REPO = resolve('.');
/** The official node images' `node` user. */
const USERS: Record<string, number> = { node: 1000 };

// As with `docker run --read-only`: the root filesystem is read-only, but Docker keeps
// /dev/shm a writable tmpfs of its own.
const READ_ONLY = ['/tmp', '/var/tmp'];

/**
 * Where the image's folders appear inside the namespace: a short path, as Chromium's profile
 * socket (in TMPDIR, under /data) must fit in 108 bytes, and test output paths are long.
 */
const MOUNT = '/mnt';

/** The command line that runs `argv` as the image's user with only the data folder writable. */
function asImageUser(argv: string[], uid: number, root: string, workdir: string): string[] {
  const script = `mount --bind "${root}" ${MOUNT} && for d in ${READ_ONLY.join(' ')}; do [ -d "$d" ] && mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"; done; cd "${workdir}" && exec "$@"`;
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh',
    'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...argv];
}

test('container rehearsal: sandbox, run --once, login --dry-run, the daemon and its health check, as in the image', async ({ kite }, testInfo) => {
  const why = 'the rehearsal switches to the image\'s user and mounts a read-only /tmp: run the suite as root (CI does)';
  // Under CI a rehearsal that cannot run is a failure, never a quiet skip.
  if (process.env['CI']) expect(process.getuid?.(), why).toBe(0);
  test.skip(process.getuid?.() !== 0, why);
  test.setTimeout(180_000);
  const stage = readFinalStage(join(REPO, 'Dockerfile'));
  expect(stage.user, 'the image runs as a non-root user').toBeDefined();
  expect(stage.user).not.toMatch(/^(root|0)$/);
  expect(stage.entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
  expect(stage.cmd).toEqual(['run']);
  expect(stage.healthcheck).toEqual(expect.arrayContaining(['health']));
  expect(stage.volumes).toEqual(['/data']);
  const uid = USERS[stage.user as string] ?? Number(stage.user);

  // Not under /tmp: that is read-only for the image's user.
  const root = testInfo.outputPath('image');
  await mkdir(root, { recursive: true, mode: 0o755 });
  const imagePath = (path: string): boolean => [stage.workdir, ...stage.volumes].some((p) => p && (path === p || path.startsWith(`${p}/`)));
  /** An image path as this test sees it ... */
  const onHost = (path: string): string => (imagePath(path) ? join(root, path) : path);
  /** ... and as the image's processes see it, inside their namespace. */
  const inImage = (path: string): string => (imagePath(path) ? join(MOUNT, path) : path);
  const workdir = onHost(stage.workdir ?? '/');
  const world = await kite();
  try {
    await mkdir(workdir, { recursive: true });
    await replay(stage, workdir, onHost, uid);

    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TINI_SUBREAPER: '1', [TEST_MARK]: root };
    for (const [name, value] of Object.entries(stage.env)) env[name] = inImage(value);
    expect(env['HOME']).toBeUndefined();
    Object.assign(env, {
      KITE_API_KEY: world.app.apiKey, KITE_API_SECRET: world.app.apiSecret, KITE_USER_ID: world.account.userId,
      KITE_PASSWORD: world.account.password, KITE_TOTP_SECRET: world.account.totpSecret, KITE_REDIRECT_URL: world.app.redirectUrl,
      KITE_LOGIN_URL: world.sim.loginUrl, KITE_API_ROOT: world.sim.apiRoot, ...todayIsTradingEnv(),
    });
    const entry = stage.entrypoint.map(inImage);
    const image = (args: string[]): RunningCli => spawnCli(asImageUser([...entry, ...args], uid, root, inImage(stage.workdir ?? '/')), env, workdir, { raw: true });

    const sandbox = await image(['sandbox']).result;
    expect(sandbox.code, sandbox.stderr).toBe(0);
    expect(sandbox.stdout).toMatch(/Sandbox login worked/);
    // Inside the image there is no .env.example: the closing hint points at secret files.
    expect(sandbox.stdout).toMatch(/credentials as secret files/);
    expect(sandbox.stdout).not.toMatch(/\.env\.example/);

    const once = await image(['run', '--once']).result;
    expect(once.code, once.stderr).toBe(0);
    const tokenFile = onHost(stage.env['TOKEN_FILE'] as string);
    const records = (await readdir(join(root, 'data'))).filter((f) => /^kite-autologin-.+\.(?:state\.json|ledger\.jsonl)$/.test(f)).map((f) => join(root, 'data', f));
    expect(records).toHaveLength(2); // the account's state file and attempt ledger
    for (const file of [tokenFile, ...records, join(root, 'data', 'sandbox-token.json')]) {
      const info = await stat(file);
      expect(info.mode & 0o777, file).toBe(0o600);
      expect(info.uid, file).toBe(uid);
    }

    const dry = await image(['login', '--dry-run']).result;
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: stopped before the exchange/);

    const daemon = image(stage.cmd);
    await daemon.waitForOutput(/"msg":"daemon started"/);
    await daemon.waitForOutput(/today's token is valid","msg":"no run"/);
    const [healthCommand, ...healthArgs] = asImageUser(stage.healthcheck.map(inImage), uid, root, inImage(stage.workdir ?? '/'));
    const health = spawnSync(healthCommand as string, healthArgs, { env, cwd: workdir, encoding: 'utf8' });
    expect(health.status, health.stdout + health.stderr).toBe(0);
    expect(health.stdout).toMatch(/^healthy/);
    daemon.kill('SIGTERM');
    expect((await daemon.result).code).toBe(0);

    // The application folder is still all root's: nothing was written there either.
    expect(execFileSync('find', [workdir, '-not', '-user', '0', '-print'], { encoding: 'utf8' }).trim()).toBe('');
    await expect.poll(() => chromiumProcesses(root), { timeout: 5_000 }).toEqual([]);
  } finally {
    killLeftovers(root);
    await rm(root, { recursive: true, force: true });
  }
});

/** Replays the final stage's COPY and RUN steps; a RUN it does not know fails the test. */
async function replay(stage: FinalStage, workdir: string, inImage: (p: string) => string, uid: number): Promise<void> {
  for (const step of stage.steps) {
    if (step.kind === 'copy') {
      const target = isAbsolute(step.target) ? inImage(step.target) : join(workdir, step.target);
      for (const source of step.sources) {
        // The build stage's /app is this checkout, built by `npm run build`.
        const from = step.from === 'build' ? join(REPO, source.replace(/^\/app\/?/, '')) : join(REPO, source);
        const into = step.sources.length > 1 || step.target.endsWith('/') ? join(target, source.split('/').pop() as string) : target;
        await cp(from, into, { recursive: true });
      }
      continue;
    }
    for (const part of step.command.split('&&').map((p) => p.trim())) {
      const words = part.split(/\s+/);
      if (/^apt-get (update|clean)\b/.test(part) || part === 'rm -rf /var/lib/apt/lists/*' || /^npm cache clean\b/.test(part)) continue;
      if (/^apt-get install\b/.test(part)) {
        for (const pkg of words.slice(2).filter((w) => !w.startsWith('-'))) {
          const installed = spawnSync('dpkg', ['-s', pkg], { encoding: 'utf8' });
          expect(installed.status, `the image installs Debian's ${pkg}; install it here too (npm run setup)`).toBe(0);
        }
        continue;
      }
      if (words[0] === 'npm' && words[1] === 'ci') {
        execFileSync('npm', words.slice(1), { cwd: workdir, stdio: 'pipe' });
        continue;
      }
      if (words[0] === 'mkdir') { for (const dir of words.slice(1).filter((w) => !w.startsWith('-'))) await mkdir(inImage(dir), { recursive: true }); continue; }
      if (words[0] === 'chown') { await chown(inImage(words[2] as string), uid, uid); continue; }
      if (words[0] === 'chmod') { await chmod(resolve(workdir, words[2] as string), parseInt(words[1] as string, 8)); continue; }
      if (words[0] === 'ln' && words[1] === '-s') {
        // A link on the image's PATH: the rehearsal cannot add it to this machine's, but its
        // target must exist in the image and be executable.
        const target = inImage(words[2] as string);
        expect((await stat(target)).mode & 0o111, `${words[2]} is executable`).not.toBe(0);
        continue;
      }
      throw new Error(`the rehearsal does not know how to replay "RUN ${part}": teach test/e2e/container.spec.ts`);
    }
  }
}
