import { afterAll, beforeAll, expect } from 'vitest';
import { createRedisClient, type RedisClient } from '../../src/redis/redis-client.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { runningRedisServers, startRedisServer, stopAllRedisServers, type RedisServer } from './redis-server.js';

/** A real redis-server and two clients on it, as two hosts would connect. */
export interface TwoHosts { server: RedisServer; hostA: RedisClient; hostB: RedisClient }

/**
 * Call inside a `describe`: starts a redis-server and two clients before its tests, and
 * after them closes both, stops the server and checks that none is left running.
 */
export function twoHostsOnOneRedis(): TwoHosts {
  const hosts = {} as TwoHosts;
  beforeAll(async () => {
    hosts.server = await startRedisServer();
    hosts.hostA = createRedisClient(parseRedisUrl(hosts.server.url()));
    hosts.hostB = createRedisClient(parseRedisUrl(hosts.server.url()));
  });
  afterAll(async () => {
    await hosts.hostA.close();
    await hosts.hostB.close();
    await hosts.server.stop();
    expect(await stopAllRedisServers()).toBe(0);
    expect(runningRedisServers()).toBe(0);
  });
  return hosts;
}
