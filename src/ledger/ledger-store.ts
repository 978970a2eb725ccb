import { chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where a ledger's lines live. Appends are durable (fsynced) when they resolve. */
export interface LedgerStore {
  readonly path: string;
  /** The whole text; undefined when there is no ledger yet. Any other failure throws. */
  read(): Promise<string | undefined>;
  /** Creates the ledger with its first line, atomically; fails if it exists. */
  create(line: string): Promise<void>;
  append(line: string): Promise<void>;
}

/** A file, 0600 in a 0700 folder: lines appended with O_APPEND and fsynced. */
export function fileLedgerStore(path: string): LedgerStore {
  return {
    path,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async create(line) {
      const folder = dirname(path);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      // Written whole under a temporary name, then linked into place: a crash never
      // leaves an empty or half-written ledger, and an existing one is never replaced.
      const { randomBytes } = await import('node:crypto'); // creating only: readers start faster
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(line);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(temp, path);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      await syncFolder(folder);
    },
    async append(line) {
      const handle = await open(path, 'a', 0o600);
      try {
        await handle.appendFile(line);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

async function syncFolder(folder: string): Promise<void> {
  await chmod(folder, 0o700).catch(() => undefined);
  const handle = await open(folder, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/** In memory: the sandbox's throwaway account, and tests. */
export function memoryLedgerStore(path = 'memory:ledger'): LedgerStore & { text: string | undefined } {
  const store = {
    path,
    text: undefined as string | undefined,
    read: () => Promise.resolve(store.text),
    create: (line: string): Promise<void> => {
      if (store.text !== undefined) return Promise.reject(Object.assign(new Error('exists'), { code: 'EEXIST' }));
      store.text = line;
      return Promise.resolve();
    },
    append: (line: string): Promise<void> => {
      if (store.text === undefined) return Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' }));
      store.text += line;
      return Promise.resolve();
    },
  };
  return store;
}
