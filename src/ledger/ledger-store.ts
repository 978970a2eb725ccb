
/** Where a ledger's lines live. Appends are durable (fsynced, committed) when they resolve. */
export interface LedgerStore {
  readonly path: string;
  /** The whole text; undefined when there is no ledger yet. Any other failure throws. */
  read(): Promise<string | undefined>;
  /** Creates the ledger with its first line, atomically; fails (code EEXIST) if it exists. */
  create(line: string): Promise<void>;
  append(line: string): Promise<void>;
  /**
   * Appends `line` only when `check`, given the ledger's whole text as the store holds it
   * right then, does not throw (it throws the refusal): the rule check and the append are one
   * step. A database does both in one transaction, committed before this resolves, so two
   * hosts can never both pass the check; a file is written only under the account's lock.
   */
  appendChecked(line: string, check: (text: string) => void): Promise<void>;
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
    appendChecked: (line: string, check: (text: string) => void): Promise<void> => {
      try {
        check(store.text ?? '');
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return store.append(line);
    },
  };
  return store;
}
