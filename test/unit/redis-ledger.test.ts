import { describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors/index.js';
import { AccountLedger } from '../../src/ledger/account-ledger.js';
import { ledgerKey } from '../../src/redis/keys.js';
import { createRedisClient } from '../../src/redis/redis-client.js';
import { RedisUnavailableError } from '../../src/redis/redis-error.js';
import { RedisLedgerStore } from '../../src/redis/redis-ledger-store.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { twoHostsOnOneRedis } from '../support/redis-hosts.js';
import { startRedisServer } from '../support/redis-server.js';

/** A fresh account per test, so that tests share one server but no ledger. */
let accounts = 0;
const nextUser = (): string => `LG${String(++accounts).padStart(4, '0')}`;

describe('RedisLedgerStore (real Redis)', () => {
  const hosts = twoHostsOnOneRedis();

  it('reads undefined while the key is absent, and is named by its key', async () => {
    const user = nextUser();
    const store = new RedisLedgerStore(hosts.hostA, 'abc123', user);
    expect(store.path).toBe(ledgerKey('abc123', user));
    expect(await store.read()).toBeUndefined();
  });

  it('creates once: a second create, from either host, fails with EEXIST and changes nothing', async () => {
    const user = nextUser();
    const a = new RedisLedgerStore(hosts.hostA, 'abc123', user);
    const b = new RedisLedgerStore(hosts.hostB, 'abc123', user);
    await a.create('header A\n');
    await expect(b.create('header B\n')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(a.create('header A again\n')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await b.read()).toBe('header A\n');
  });

  it('of two hosts creating at once, exactly one wins', async () => {
    const user = nextUser();
    const results = await Promise.allSettled([
      new RedisLedgerStore(hosts.hostA, 'abc123', user).create('from A\n'),
      new RedisLedgerStore(hosts.hostB, 'abc123', user).create('from B\n'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(['from A\n', 'from B\n']).toContain(await new RedisLedgerStore(hosts.hostA, 'abc123', user).read());
  });

  it('refuses to append to a ledger that does not exist (ENOENT), creating nothing', async () => {
    const store = new RedisLedgerStore(hosts.hostA, 'abc123', nextUser());
    await expect(store.append('orphan line\n')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.read()).toBeUndefined();
  });

  it('keeps lines in order, and every line of two hosts appending at once', async () => {
    const user = nextUser();
    const a = new RedisLedgerStore(hosts.hostA, 'abc123', user);
    const b = new RedisLedgerStore(hosts.hostB, 'abc123', user);
    await a.create('header\n');
    for (let i = 1; i <= 5; i += 1) await a.append(`a${String(i)}\n`);
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).append(`both ${String(i)}\n`)));
    const lines = (await b.read())?.split('\n') ?? [];
    expect(lines.slice(0, 6)).toEqual(['header', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(6, -1).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `both ${String(i)}`).sort());
    // Each host's own appends stay in the order it sent them.
    const fromA = lines.filter((line) => /^both \d+$/.test(line) && Number(line.split(' ')[1]) % 2 === 0);
    expect(fromA).toEqual(Array.from({ length: 25 }, (_, i) => `both ${String(i * 2)}`));
  });

  it('backs an AccountLedger that two hosts share: one header, both hosts\' records', async () => {
    const user = nextUser();
    const account = { apiKey: 'abc123', userId: user };
    const now = new Date('2026-11-23T02:30:00Z');
    const [first, second] = await Promise.all([
      AccountLedger.open(new RedisLedgerStore(hosts.hostA, 'abc123', user), account, now, { create: true }),
      AccountLedger.open(new RedisLedgerStore(hosts.hostB, 'abc123', user), account, now, { create: true }),
    ]);
    await first?.recordResume(now, 'host-a');
    const reopened = await AccountLedger.open(new RedisLedgerStore(hosts.hostB, 'abc123', user), account, now, { create: false });
    expect(reopened?.records.map((r) => r.type)).toEqual(['header', 'resume']);
    expect(second?.records[0]).toEqual(reopened?.records[0]);
  });

  it('fails with a typed error, never "no ledger", when Redis is down; AccountLedger stops on it', async () => {
    const down = await startRedisServer();
    const client = createRedisClient(parseRedisUrl(down.url()));
    const store = new RedisLedgerStore(client, 'abc123', nextUser());
    await store.create('header\n');
    await down.stop();
    await expect(store.read()).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(store.append('line\n')).rejects.toBeInstanceOf(RedisUnavailableError);
    const opened = AccountLedger.open(store, { apiKey: 'abc123', userId: 'X1' }, new Date(), { create: true });
    await expect(opened).rejects.toBeInstanceOf(StateError);
    await expect(opened).rejects.toThrow(/REDIS_UNAVAILABLE/);
    await client.close();
  });
});
