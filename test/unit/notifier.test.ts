import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { successNotice } from '../../src/notify/notice.js';
import { startReceiver, type Received } from '../support/receiver.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => { await Promise.all(closers.splice(0).map((close) => close())); });

const receiver = async (status = 200) => {
  const r = await startReceiver(status);
  closers.push(() => r.close());
  return r;
};

/** A loopback server that records each request and answers `status` with Location: `location`. */
const redirector = async (status: number, location: string) => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', path: req.url ?? '', body: '' });
    req.resume();
    res.writeHead(status, { Location: location });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  closers.push(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${port}`, received };
};

const notifierFor = (config: Partial<NotifyConfig>) => {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => { lines.push(line); } });
  const notifier = createNotifier({ webhookUrl: undefined, telegram: undefined, heartbeatUrl: undefined, onSuccess: false, ...config }, logger);
  return { notifier, log: () => lines.join(''), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

const notice = successNotice({ userId: 'AB1234', day: '2026-03-02', at: '2026-03-02T02:00:00.000Z', expiresAt: '2026-03-03T00:30:00.000Z', attempts: 1 });

describe('the heartbeat', () => {
  it('appends /fail to the path of a URL with a query, keeping the query', async () => {
    const hc = await receiver();
    const { notifier } = notifierFor({ heartbeatUrl: `${hc.url}/ping/uuid?rid=1` });
    await notifier.heartbeat(true);
    await notifier.heartbeat(false);
    expect(hc.received.map((r) => r.path)).toEqual(['/ping/uuid?rid=1', '/ping/uuid/fail?rid=1']);
  });

  it('appends /fail once to a path with a trailing slash, and to a bare URL', async () => {
    const hc = await receiver();
    await notifierFor({ heartbeatUrl: `${hc.url}/ping/uuid/?rid=2` }).notifier.heartbeat(false);
    await notifierFor({ heartbeatUrl: `${hc.url}/ping/uuid` }).notifier.heartbeat(false);
    expect(hc.received.map((r) => r.path)).toEqual(['/ping/uuid/fail?rid=2', '/ping/uuid/fail']);
  });
});

describe('redirects', () => {
  it('are never followed: a 307 does not re-POST the notice elsewhere, and is logged as refused without the URL', async () => {
    const elsewhere = await receiver();
    const hook = await redirector(307, `${elsewhere.url}/stolen`);
    const { notifier, log, entries } = notifierFor({ webhookUrl: `${hook.url}/hook/secret-path` });
    await notifier.notify(notice);
    expect(hook.received).toEqual([expect.objectContaining({ method: 'POST', path: '/hook/secret-path' })]);
    expect(elsewhere.received).toEqual([]);
    expect(entries()).toContainEqual(expect.objectContaining({ level: 'warn', channel: 'webhook', status: 307, msg: 'notification refused' }));
    for (const leak of [hook.url, elsewhere.url, 'secret-path', '/stolen']) expect(log()).not.toContain(leak);
  });

  it('are not followed by Telegram or the heartbeat either', async () => {
    const elsewhere = await receiver();
    const api = await redirector(302, `${elsewhere.url}/moved`);
    const { notifier, entries } = notifierFor({ telegram: { apiRoot: api.url, botToken: '123:tok', chatId: '1' }, heartbeatUrl: `${api.url}/ping` });
    await notifier.notify(notice);
    await notifier.heartbeat(true);
    expect(api.received).toHaveLength(2);
    expect(elsewhere.received).toEqual([]);
    const refused = entries().filter((e) => e['msg'] === 'notification refused').map((e) => [e['channel'], e['status']]);
    expect(refused).toEqual([['telegram', 302], ['heartbeat', 302]]);
  });
});
