import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSavedToken, isTokenCurrent, TokenStore } from '../../src/token-store.js';

const session = (loginTime: Date, accessToken = 'a'.repeat(32)) => ({
  accessToken, publicToken: 'p', apiKey: 'key', userId: 'AB1234', userName: 'A B', userShortname: 'A', email: 'a@b.c', loginTime,
});

describe('token store', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-store-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes 0600 JSON in a 0700 folder it creates, and reads it back', async () => {
    const store = new TokenStore(join(dir, 'nested', 'token.json'));
    const token = buildSavedToken(session(new Date('2026-11-23T02:35:09Z')), new Date('2026-11-23T02:35:10Z'));
    await store.write(token);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect(await store.read()).toEqual({ state: 'ok', token });
    expect(token.login_time).toBe('2026-11-23T08:05:09+05:30');
    expect(token.expires_at).toBe('2026-11-24T06:00:00+05:30');
  });

  it('keeps mode 0600 when replacing a file that was readable by others', async () => {
    const path = join(dir, 'token.json');
    await writeFile(path, '{}', { mode: 0o644 });
    await new TokenStore(path).write(buildSavedToken(session(new Date()), new Date()));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('a reader never sees half a file while tokens are being replaced', async () => {
    const store = new TokenStore(join(dir, 'token.json'));
    await store.write(buildSavedToken(session(new Date(), 'x'.repeat(50_000)), new Date()));
    let writing = true as boolean; // cleared by the writer, which narrowing does not see
    const writer = (async () => {
      for (let i = 0; i < 40; i += 1) await store.write(buildSavedToken(session(new Date(), String(i).repeat(50_000)), new Date()));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const read = await store.read();
      expect(read.state).toBe('ok');
      reads += 1;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it('tells a missing file from a damaged one', async () => {
    const store = new TokenStore(join(dir, 'token.json'));
    expect(await store.read()).toEqual({ state: 'missing' });
    await writeFile(store.path, '{"access_token": "abc"');
    expect(await store.read()).toEqual({ state: 'unreadable', reason: 'not JSON' });
    await writeFile(store.path, '{"access_token": "abc"}');
    expect(await store.read()).toMatchObject({ state: 'unreadable', reason: expect.stringContaining('api_key') });
    expect(JSON.stringify(await store.read())).not.toContain('abc');
  });

  it('a token is current from its login until the next 06:00 IST, and not before today\'s 06:00', () => {
    const token = buildSavedToken(session(new Date('2026-11-23T02:35:09Z')), new Date()); // 08:05 IST
    expect(isTokenCurrent(token, new Date('2026-11-23T10:00:00Z'))).toBe(true);
    expect(isTokenCurrent(token, new Date('2026-11-24T00:29:59Z'))).toBe(true); // 05:59:59 IST next day
    expect(isTokenCurrent(token, new Date('2026-11-24T00:30:00Z'))).toBe(false); // 06:00 IST
    const early = buildSavedToken(session(new Date('2026-11-23T00:00:00Z')), new Date()); // 05:30 IST
    expect(isTokenCurrent(early, new Date('2026-11-23T00:29:00Z'))).toBe(true);
    expect(isTokenCurrent(early, new Date('2026-11-23T00:31:00Z'))).toBe(false);
  });
});
