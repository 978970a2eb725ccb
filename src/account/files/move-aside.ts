import { movePath } from '../../disk/paths.js';
import { readTextIfAny } from '../../disk/read.js';
import { accountFiles } from './account-files.js';
import type { Account } from '../record.js';

/** The suffix a file ledger gets once carried into a database (so it is carried once, and read no more). */
export const MOVED_TO_DATABASE = '.moved-to-database';

/** This host's file ledger for the account: its path and text; undefined text when there is none. */
export async function fileLedgerOf(account: Account, where: { tokenFile: string; stateDir: string }): Promise<{ path: string; text: string | undefined }> {
  const path = accountFiles(where, account).ledger;
  return { path, text: await readTextIfAny(path) };
}

/** Renames a carried file ledger aside: kept for a person to read, never read again by the tool. */
export async function moveLedgerAside(path: string): Promise<string> {
  const aside = `${path}${MOVED_TO_DATABASE}`;
  await movePath(path, aside);
  return aside;
}
