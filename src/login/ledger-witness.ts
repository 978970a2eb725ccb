import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateError } from '../errors/state-error.js';
import type { AccountLedger } from '../ledger/account-ledger.js';

/**
 * What this host last saw of an account's ledger in Redis: its header (salt and start), in a
 * file of its own beside where the file ledger would be. Redis can lose a ledger without
 * an error (a restart without AOF, FLUSHDB, eviction, a lagging replica taking over); read
 * as "no ledger", that would forget every stop and spent attempt. With the witness, a ledger
 * this host has seen that is gone or replaced stops the login instead.
 */
export interface LedgerWitness {
  /** Throws StateError when this host saw a ledger that Redis no longer has. */
  checkAbsent(): Promise<void>;
  /** Throws StateError when Redis holds another ledger than the one this host saw; else remembers this one. */
  checkSame(ledger: AccountLedger): Promise<void>;
}

interface Seen { salt: string; at: string; key: string }

export function ledgerWitness(path: string, key: string): LedgerWitness {
  const read = async (): Promise<Seen | undefined> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError(path, `what this host saw of the ledger in Redis cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); fix its permissions.`);
    }
    try {
      const seen = JSON.parse(text) as Partial<Seen>;
      if (typeof seen.salt === 'string' && typeof seen.at === 'string' && typeof seen.key === 'string') return { salt: seen.salt, at: seen.at, key: seen.key };
    } catch {
      // damaged: below
    }
    throw new StateError(path, 'what this host saw of the ledger in Redis is damaged; check the account on kite.zerodha.com, then delete this file.');
  };
  const lost = (seen: Seen, what: string): StateError => new StateError(path,
    `${what} (this host saw the ledger ${seen.key} started ${seen.at}). Its stops and today's attempts would be forgotten: `
    + 'restore Redis (it needs appendonly yes), or, once you have checked the account on kite.zerodha.com, delete this file to start a new ledger.');
  return {
    async checkAbsent() {
      const seen = await read();
      if (seen) throw lost(seen, 'Redis no longer has the attempt ledger');
    },
    async checkSame(ledger) {
      const header = ledger.records.find((r) => r.type === 'header');
      if (header?.type !== 'header') return;
      const seen = await read();
      if (seen && seen.salt !== header.salt) throw lost(seen, 'the attempt ledger in Redis is not the one this host saw');
      if (seen) return;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temp, `${JSON.stringify({ salt: header.salt, at: header.at, key })}\n`, { mode: 0o600, flag: 'wx' });
        await rename(temp, path);
      } catch (error) {
        throw new StateError(path, `what this host saw of the ledger in Redis cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'}); make the folder writable (STATE_DIR).`);
      }
    },
  };
}
