import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { accountsFileEntry, simAccounts, simApps, startSimulator } from '@kite-autologin/simulator';
import { peakWhile } from './process-tree.js';

/**
 * `npm run bench -- --accounts 100`: one `kite-autologin login` over an ACCOUNTS_FILE of
 * `n` simulated accounts against one simulator. The accounts are spread over one app per ten
 * (the simulator, like Kite, allows 10 API requests a second per api_key).
 */
const CLI = resolve('dist/cli.js');
const MB = 1024 * 1024;
const TARGETS = { wallMs: 60_000, peakMb: 1024 };
const MARK = 'KITE_AUTOLOGIN_TEST';

/** Chromium processes whose environment carries `MARK=value`, wherever they are in the process table. */
function markedChromium(value: string): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!/^chrom/i.test(readFileSync(`/proc/${entry}/comm`, 'utf8'))) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${MARK}=${value}`)) count += 1;
    } catch { /* gone */ }
  }
  return count;
}

export async function benchAccounts(n: number): Promise<void> {
  const users = simAccounts(n, 100);
  const apps = simApps(Math.ceil(n / 10), 100, { authorizedUsers: users.map((u) => u.userId) });
  const sim = await startSimulator({ accounts: users, apps });
  const dir = await mkdtemp(join(tmpdir(), 'kal-bench-acc-'));
  try {
    const accountsFile = join(dir, 'accounts.yaml');
    const entries = users.map((user, i) => accountsFileEntry(user, apps[i % apps.length] as (typeof apps)[number]));
    await writeFile(accountsFile, JSON.stringify({ accounts: entries }), { mode: 0o600 }); // JSON is YAML
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, [MARK]: dir,
      ACCOUNTS_FILE: accountsFile, KITE_LOGIN_URL: sim.loginUrl, KITE_API_ROOT: sim.apiRoot,
      TOKEN_FILE: join(dir, 'data', 'kite-token.json'), LOG_LEVEL: 'warn',
      ...(process.env['LOGIN_CONCURRENCY'] ? { LOGIN_CONCURRENCY: process.env['LOGIN_CONCURRENCY'] } : {}),
      ...(process.env['CHROMIUM_PATH'] ? { CHROMIUM_PATH: process.env['CHROMIUM_PATH'] } : {}),
    };
    process.stderr.write(`kite-autologin bench: login over ACCOUNTS_FILE with ${n} accounts on ${apps.length} apps\n`);
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, 'login'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const peak = await peakWhile(child.pid as number, done, 100);
    const code = await done;
    const exitedMs = Date.now() - started;
    const chromiumAfter = markedChromium(dir);

    const tokens = (await readdir(join(dir, 'data'))).filter((f) => /^ZZ\d{4}\.json$/.test(f));
    const lastSaved = Math.max(...await Promise.all(tokens.map(async (f) => (await stat(join(dir, 'data', f))).mtimeMs)));
    const wallMs = lastSaved - started;
    const secret = users.some((u) => stdout.includes(u.password) || stderr.includes(u.password) || stdout.includes(u.totpSecret));
    const machine = `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
    const checks = [
      { target: `all ${n} accounts get a token, exit 0`, value: `${tokens.length} tokens, exit ${code}`, ok: tokens.length === n && code === 0 },
      { target: `start to last token saved < ${TARGETS.wallMs / 1000} s`, value: `${(wallMs / 1000).toFixed(1)} s`, ok: wallMs < TARGETS.wallMs },
      { target: `peak memory, whole tree (PSS) < ${TARGETS.peakMb} MB`, value: `${(peak.pssBytes / MB).toFixed(0)} MB (RSS sum ${(peak.rssBytes / MB).toFixed(0)} MB)`, ok: peak.pssBytes < TARGETS.peakMb * MB },
      { target: 'no Chromium process after the run', value: String(chromiumAfter), ok: chromiumAfter === 0 },
      { target: 'no password or TOTP secret in the output', value: secret ? 'found' : 'none', ok: !secret },
    ];
    const lines = [
      '',
      `kite-autologin bench --accounts ${n}  ${new Date().toISOString()}  ${machine}`,
      `  process exit after          ${(exitedMs / 1000).toFixed(1)} s`,
      `  Chromium processes at peak  ${peak.chromium} (of ${peak.processes} in the tree)`,
      `  simulator 429 answers       ${sim.requests.filter((r) => r.status === 429).length}`,
      `  refused at Kite             ${sim.requests.filter((r) => r.route === 'api-login' && r.status !== 200).length} passwords, ${sim.requests.filter((r) => r.route === 'api-twofa' && r.status !== 200).length} TOTP codes`,
      '',
      'Targets:',
      ...checks.map((c) => `  ${c.ok ? 'ok  ' : 'MISS'}  ${c.target.padEnd(52)} ${c.value}`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (code !== 0) {
      // What went wrong, account by account (the CLI's lines never hold a secret: checked above).
      const failed = stdout.split('\n').filter((line) => /^\[\w+\]/.test(line) && !/Logged in|still valid/.test(line));
      process.stderr.write(`${[...failed.slice(0, 20), ...stderr.split('\n').slice(-20)].join('\n')}\n`);
    }
    if (checks.some((c) => !c.ok)) process.exitCode = 1;
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
