import { dirname } from 'node:path';
import { probeWritable } from '../disk/write.js';
import { ConfigError } from '../errors/index.js';
import { totpCode } from '../totp.js';

/**
 * What must hold before a browser starts and anything is typed: the token can be saved
 * where it is to go (proved with a temporary file there, not guessed from permissions), and
 * the TOTP secret yields a code through the library that will make the real one. A failure
 * is a ConfigError (exit 2) naming the variable.
 */
export async function preflight(input: { tokenFile: string; totpSecret: string; now: Date }): Promise<void> {
  const problems = [
    ...(await tokenFolderProblem(input.tokenFile)),
    ...totpProblem(input.totpSecret, input.now),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
}

async function tokenFolderProblem(tokenFile: string): Promise<{ variable: string; message: string }[]> {
  const folder = dirname(tokenFile);
  try {
    await probeWritable(folder);
    return [];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return [{ variable: 'TOKEN_FILE', message: `the token cannot be saved in ${folder} (${code}${code === 'EROFS' ? ': a read-only file system' : ''}); point TOKEN_FILE at a writable folder (a volume, in a container). Nothing was typed into Kite.` }];
  }
}

function totpProblem(secret: string, now: Date): { variable: string; message: string }[] {
  try {
    const code = totpCode(secret, now.getTime());
    if (/^\d{6}$/.test(code)) return [];
  } catch {
    // below
  }
  return [{ variable: 'KITE_TOTP_SECRET', message: 'the TOTP library cannot make a code from it (is it the whole base32 key, without extra padding?). Nothing was typed into Kite.' }];
}
