import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/config-error.js';
import { checkTokenFiles } from '../../src/wiring/token-files.js';

describe('where a token file may be', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-tokenfiles-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const a = { apiKey: 'app1', userId: 'AB1234' };
  const b = { apiKey: 'app1', userId: 'CD5678' };
  const problemsOf = async (files: Parameters<typeof checkTokenFiles>[0]): Promise<string[]> => {
    const error = await checkTokenFiles(files).then(() => undefined, (e: unknown) => e);
    if (error === undefined) return [];
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
  };

  it('anywhere of its own, as a regular file or not yet there', async () => {
    await writeFile(join(dir, 'a.json'), '{}');
    expect(await problemsOf([
      { account: a, tokenFile: join(dir, 'a.json'), stateDir: dir, variable: 'ACCOUNTS_FILE accounts[0] (AB1234).token_file' },
      { account: b, tokenFile: join(dir, 'sub', 'b.json'), stateDir: dir, variable: 'ACCOUNTS_FILE accounts[1] (CD5678).token_file' },
    ])).toEqual([]);
  });

  it('never another account\'s ledger or state file, nor the tool\'s own files, nor a shared token file', async () => {
    const problems = await problemsOf([
      { account: a, tokenFile: join(dir, 'a.json'), stateDir: dir, variable: 'A.token_file' },
      { account: b, tokenFile: join(dir, `kite-autologin-AB1234-app1.ledger.jsonl`), stateDir: dir, variable: 'B.token_file' },
      { account: b, tokenFile: join(dir, 'kite-autologin-database.json'), stateDir: dir, variable: 'C.token_file' },
      { account: b, tokenFile: join(dir, 'a.json'), stateDir: dir, variable: 'D.token_file' },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^B\.token_file: .*kite-autologin's own records/),
      expect.stringMatching(/^C\.token_file: .*kite-autologin's own records/),
      expect.stringMatching(/^D\.token_file: .* is also A\.token_file's token file/),
    ]);
  });

  it('never a link, a folder or anything but a regular file', async () => {
    await writeFile(join(dir, 'real.json'), '{}');
    await symlink(join(dir, 'real.json'), join(dir, 'link.json'));
    await mkdir(join(dir, 'folder.json'));
    const problems = await problemsOf([
      { account: a, tokenFile: join(dir, 'link.json'), stateDir: dir, variable: 'TOKEN_FILE' },
      { account: b, tokenFile: join(dir, 'folder.json'), stateDir: dir, variable: 'B.token_file' },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^TOKEN_FILE: .*link\.json is a symbolic link, not a regular file/),
      expect.stringMatching(/^B\.token_file: .*folder\.json is a folder, not a regular file/),
    ]);
  });
});
