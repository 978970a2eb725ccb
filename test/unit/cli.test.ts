import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../../src/cli.js';
import { VERSION } from '../../src/version.js';

let dir: string;
const run = async (argv: string[], env: Record<string, string> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, cwd: dir, out: (l) => out.push(l), err: (l) => err.push(l), signal: new AbortController().signal });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('the CLI entry', () => {
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-cli-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('lists the commands and the exit codes', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(COMMANDS.map((c) => c.name)).toEqual(['login', 'run', 'status', 'health', 'resume', 'migrate', 'sandbox', 'simulator']);
    for (const { name } of COMMANDS) expect(out).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    expect(out).toMatch(/3 Kite rejected the\s+user id, password or TOTP/);
  });

  it('every command has --help', async () => {
    expect(COMMANDS.length).toBe(8);
    for (const { name } of COMMANDS) {
      const { code, out } = await run([name, '--help']);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: kite-autologin ${name}`));
    }
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    expect(await run(['logon'])).toMatchObject({ code: 2, err: expect.stringContaining('Unknown command "logon"') });
    expect(await run(['login', '--forse'])).toMatchObject({ code: 2, err: expect.stringContaining('--forse') });
    expect(await run(['sandbox', '--variant', '1999'])).toMatchObject({ code: 2 });
  });

  it('login with no configuration names every missing variable and exits 2', async () => {
    const { code, err } = await run(['login']);
    expect(code).toBe(2);
    for (const name of ['KITE_API_KEY', 'KITE_API_SECRET', 'KITE_USER_ID', 'KITE_PASSWORD', 'KITE_TOTP_SECRET', 'KITE_REDIRECT_URL']) {
      expect(err).toContain(name);
    }
    expect(err).toMatch(/^kite-autologin: CONFIG_INVALID/);
  });

  it('status without a token exits 1 and says so', async () => {
    expect(await run(['status'])).toMatchObject({ code: 1, out: expect.stringMatching(/No valid token/) });
  });

  it('the version matches package.json', () => {
    expect(VERSION).toBe((JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string }).version);
  });

  it('--help and status do not load Playwright or kiteconnect (they must answer instantly)', () => {
    const probe = `
      import { createRequire } from 'node:module';
      const { runCli } = await import(${JSON.stringify(resolve('dist/cli.js'))});
      for (const argv of [['--help'], ['status'], ['login', '--help']]) {
        await runCli(argv, { env: {}, cwd: ${JSON.stringify(dir)}, out() {}, err() {}, signal: new AbortController().signal });
      }
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((p) => /node_modules\\/(playwright|playwright-core|kiteconnect|axios)\\//.test(p))));`;
    const heavy: unknown = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }));
    expect(heavy).toEqual([]);
  });

  it('lists each command as its own module describes it, without loading it for --help', async () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['login', 'run', 'status', 'health', 'resume', 'migrate', 'sandbox', 'simulator']);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });

  it('--help, --version, status and health load nothing heavy (they must start about as fast as node)', async () => {
    // Every module the built CLI loads, ES modules through a loader hook, CommonJS ones from require's cache.
    const log = join(dir, 'loaded.txt');
    await writeFile(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(process.env.KAL_LOADED, url + '\\n'); return next(url, context); }`);
    await writeFile(join(dir, 'register.mjs'), `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.KAL_LOADED, Object.keys(cache).map((p) => 'file://' + p + '\\n').join('')));`);
    const loaded = async (args: string[]): Promise<string[]> => {
      await writeFile(log, '');
      await new Promise<void>((resolveRun, reject) => {
        const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), resolve('dist/cli.js'), ...args], {
          cwd: dir, stdio: 'ignore',
          env: { PATH: process.env['PATH'] ?? '', KAL_LOADED: log, TOKEN_FILE: join(dir, 'kite-token.json'), KITE_API_KEY: 'key', KITE_USER_ID: 'AB1234' },
        });
        child.on('error', reject);
        child.on('close', () => resolveRun());
      });
      return [...new Set(readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file://') && !url.startsWith(`file://${dir}`)))];
    };
    const heavy = /node_modules\/(zod|pino|otplib|@otplib|node-cron|dotenv|playwright|playwright-core|kiteconnect)\//;
    const ours = (urls: string[]) => urls.filter((url) => url.includes('/dist/')).map((url) => url.slice(url.indexOf('/dist/') + 6)).sort();
    for (const flag of ['--help', '--version']) {
      const urls = await loaded([flag]);
      expect(ours(urls), flag).toEqual(['cli.js', 'disk/read.js', 'errors/autologin-error.js', 'version.js']);
      expect(urls.filter((url) => url.includes('node_modules')), flag).toEqual([]);
    }
    for (const command of ['status', 'health']) {
      const urls = await loaded([command]);
      expect(ours(urls), command).toContain(`commands/${command}.js`);
      expect(urls.filter((url) => heavy.test(url)), command).toEqual([]);
      expect(ours(urls).filter((file) => file.startsWith('commands/') && file !== `commands/${command}.js` && file !== 'commands/parse-args.js'), command).toEqual([]);
      // Each module costs start-up time: not the lock's code (with every error class) nor what only logins use.
      expect(ours(urls).filter((file) => ['account/files/account-lock.js', 'account/postgres/index.js', 'errors/index.js', 'config/validate.js', 'logger.js'].includes(file)), command).toEqual([]);
    }
  });
});

/**
 * Runs the built CLI with `closed` (stdout or stderr) a pipe whose reading end is closed
 * before the CLI has even started, as `kite-autologin status | head -0` would leave it.
 */
const runWithClosedPipe = (closed: 'stdout' | 'stderr', argv: string[], cwd: string, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; other: string }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve('dist/cli.js'), ...argv], {
      cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child[closed].destroy();
    let other = '';
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (chunk: Buffer) => { other += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, other }));
  });

describe('the CLI as a process, its output closed early (kite-autologin status | head)', () => {
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-cli-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('--help into a closed stdout exits 0, quietly', async () => {
    const { code, other: stderr } = await runWithClosedPipe('stdout', ['--help'], dir);
    expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at |unexpected error/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('status into a closed stdout keeps its exit code (1: no token), quietly', async () => {
    const { code, other: stderr } = await runWithClosedPipe('stdout', ['status'], dir, { TOKEN_FILE: join(dir, 'kite-token.json') });
    expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at |unexpected error/);
    expect(stderr).toBe('');
    expect(code).toBe(1);
  });

  it('a usage error into a closed stderr keeps its exit code (2)', async () => {
    const { code, signal, other: stdout } = await runWithClosedPipe('stderr', ['logon'], dir);
    expect(stdout).toBe('');
    expect({ code, signal }).toEqual({ code: 2, signal: null });
  });
});
