import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrowserError, KiteRejectedError } from '../../src/errors/index.js';
import { createLogger } from '../../src/logger.js';
import type { loginOnce } from '../../src/login/login-once.js';
import { loginUnderLedger } from '../../src/login/login-under-ledger.js';
import { filesHome } from '../../src/account/files/files-home.js';
import { testDaemonConfig } from '../support/daemon-config.js';

describe('loginUnderLedger, the in-process edge of a login', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kal-edge-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const run = async (perform: typeof loginOnce) => {
    const config = testDaemonConfig(dir);
    const record = filesHome().record(config.credentials, config);
    return loginUnderLedger(config, record, { force: true }, { logger: createLogger('silent'), via: 'test', lockWaitMs: 1_000, perform });
  };

  it('passes a typed error through unchanged', async () => {
    const rejected = new KiteRejectedError('CREDENTIALS_REJECTED', 'Invalid username or password.', { step: 'credentials' });
    await expect(run(() => Promise.reject(rejected))).rejects.toBe(rejected);
  });

  it('turns what the browser threw into BROWSER_FAILED, keeping no secret of its message', async () => {
    const crash = new Error('page.fill: Target page, context or browser has been closed\nCall log:\n  - fill("hunter2-password")');
    const error = await run(() => Promise.reject(crash)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(BrowserError);
    expect(error).toMatchObject({ code: 'BROWSER_FAILED', retryable: true });
    expect((error as Error).message).not.toContain('hunter2');
  });
});
