import { readText } from '../../disk/read.js';
import { join } from 'node:path';

/** The file in the lock folder that names its holder. */
export const OWNER_FILE = 'owner.json';

export interface Owner {
  token: string;
  pid: number;
  hostname: string;
  acquiredAt: string;
}

/** owner.json of the lock folder; undefined when there is none or it is not one of ours. */
export async function readOwner(folder: string): Promise<Owner | undefined> {
  try {
    return parseOwner(await readText(join(folder, OWNER_FILE)));
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export function parseOwner(text: string): Owner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['token'] !== 'string') return undefined;
  return {
    token: record['token'],
    pid: typeof record['pid'] === 'number' ? record['pid'] : 0,
    hostname: typeof record['hostname'] === 'string' ? record['hostname'] : 'an unknown host',
    acquiredAt: typeof record['acquiredAt'] === 'string' ? record['acquiredAt'] : 'an unknown time',
  };
}


export function codeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
