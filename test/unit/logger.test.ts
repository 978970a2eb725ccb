import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

describe('logger', () => {
  it('redacts secret fields at the top level and one level down', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const log = createLogger('trace', sink);
    log.info({ password: 'p4ss', access_token: 'at-123', nested: { request_token: 'rt-456', api_secret: 'as-789' }, credentials: { userId: 'AB1', totpSecret: 'TS' } }, 'hello');
    log.info({ headers: { authorization: 'token k:at-123' } }, 'request');
    const text = lines.join('');
    for (const secret of ['p4ss', 'at-123', 'rt-456', 'as-789', 'TS"', 'token k:']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', msg: 'hello', name: 'kite-autologin' });
  });
});

describe('log level', () => {
  it('is LOG_LEVEL when set; info when unset, warn for a person at a terminal', async () => {
    const { logLevelFor } = await import('../../src/log-level.js');
    expect(logLevelFor('trace', true)).toBe('trace');
    expect(logLevelFor(undefined, false)).toBe('info');
    expect(logLevelFor(undefined, true)).toBe('warn');
  });
});
