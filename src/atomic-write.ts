import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type writeFileAtomicType from 'write-file-atomic';

/**
 * Temp file in the same folder, fsync, rename, mode set before the rename: a reader sees the
 * old file or the new one, never half of one. The library loads on the first write, so the
 * commands that only read (`status`, `health`) never pay for it.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { default: writeFileAtomic } = (await import('write-file-atomic')) as unknown as { default: typeof writeFileAtomicType };
  await writeFileAtomic(path, text, { mode: 0o600, fsync: true });
}
