import { modeOf, readTextSync } from '../disk/read.js';
import { dirname, resolve } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors/config-error.js';
import { fsCode, resolveAccounts, type AccountSettings } from './resolve-accounts.js';

export type { AccountEnv, AccountSettings } from './resolve-accounts.js';

/*
 * ACCOUNTS_FILE: many accounts in one YAML file. Read in one step (the file, its YAML, its
 * mode), checked and resolved in another (resolve-accounts.ts). The outcome is, per account,
 * the environment a single-account user would set, so the single-account validation
 * (loadLoginConfig) applies to each account unchanged.
 */

export interface LoadAccountsOptions {
  /** ACCOUNTS_FILE as given; a relative path resolves against `cwd`. */
  path: string;
  /**
   * TOKEN_FILE (BaseConfig.tokenFile): an account without `token_file` keeps its token in
   * `<folder of TOKEN_FILE>/<USER_ID>.json`. Relative paths resolve against `cwd`.
   */
  tokenFile: string;
  /** Default: `process.cwd()`. */
  cwd?: string;
  /** Reads a file as text (the accounts file and every `*_file`). Default: node:fs `readFileSync`. */
  readFile?: (path: string) => string;
  /** The accounts file's mode bits. Default: node:fs `statSync`. Called only when a secret is written in place. */
  statFile?: (path: string) => { mode: number };
  /** Whether file modes mean anything (refusing secrets in a group- or world-readable file). Default: not on Windows. */
  checkMode?: boolean;
  /**
   * Where the problems of a file that could be read go, to be reported with the accounts'
   * configuration problems in one round; the accounts complete in themselves are returned
   * then. Without it, any problem is thrown.
   */
  problems?: ConfigProblem[];
}

const readText = (path: string): string => readTextSync(path);
const statMode = (path: string): { mode: number } => modeOf(path);

/** How many YAML syntax errors are listed; after the first few, the rest are usually echoes. */
const MAX_YAML_ERRORS = 5;

/**
 * Reads, checks and resolves ACCOUNTS_FILE. Relative `*_file` and `token_file` paths in it
 * resolve against the accounts file's own folder (as in docker compose files), so the file
 * and its secrets can move together.
 *
 * @throws ConfigError listing every problem at once, each named like
 *   `ACCOUNTS_FILE accounts[1] (CD5678).password`, never with a value (with `problems`:
 *   only when the file cannot be read or parsed).
 */
export function loadAccountsFile(options: LoadAccountsOptions): AccountSettings[] {
  const {
    cwd = process.cwd(), readFile = readText, statFile = statMode, checkMode = process.platform !== 'win32',
  } = options;
  if (options.path.trim() === '') throw new ConfigError([{ variable: 'ACCOUNTS_FILE', message: 'is empty; name the accounts YAML file, or unset it to use the KITE_* variables' }]);
  const file = resolve(cwd, options.path.trim());

  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = fsCode(error);
    throw new ConfigError([{
      variable: 'ACCOUNTS_FILE',
      message: code === 'ENOENT' ? 'names a file that does not exist' : `cannot read the file it names (${code})`,
    }]);
  }

  const problems: ConfigProblem[] = [];
  const document = parseYaml(text, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  let exposed: boolean | undefined;
  const isExposed = (): boolean => {
    if (!checkMode) return false;
    if (exposed === undefined) {
      try {
        // Any permission for group or others: a secret in such a file is one `cat` away.
        exposed = (statFile(file).mode & 0o077) !== 0;
      } catch (error) {
        problems.push({ variable: 'ACCOUNTS_FILE', message: `cannot tell who may read the file it names (${fsCode(error)}), which holds secrets in place` });
        exposed = false;
      }
    }
    return exposed;
  };

  const accounts = resolveAccounts(document, { baseDir: dirname(file), tokenFile: resolve(cwd, options.tokenFile), readFile, isExposed, problems });
  if (options.problems) options.problems.push(...problems);
  else if (problems.length > 0) throw new ConfigError(problems);
  return accounts;
}

/** The YAML as plain data; a syntax error is named by its kind and line, never by the text around it. */
function parseYaml(text: string, problems: ConfigProblem[]): unknown {
  // merge: `<<: *common` is how people share settings between YAML mappings.
  const document = parseDocument(text, { merge: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    for (const error of document.errors.slice(0, MAX_YAML_ERRORS)) {
      problems.push({ variable: 'ACCOUNTS_FILE', message: `is not valid YAML: ${describeYamlError(error)}` });
    }
    return undefined;
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch {
    problems.push({ variable: 'ACCOUNTS_FILE', message: 'is not valid YAML: its aliases expand too far' });
    return undefined;
  }
}

const YAML_ERRORS: Partial<Record<YAMLError['code'], string>> = {
  BAD_INDENT: 'wrong indentation',
  TAB_AS_INDENT: 'a tab used for indentation (use spaces)',
  DUPLICATE_KEY: 'a key given twice in one mapping',
  MISSING_CHAR: 'a missing character (an unclosed quote or bracket?)',
  MULTIPLE_DOCS: 'more than one document (a second ---)',
  BAD_DQ_ESCAPE: 'a bad escape in a double-quoted value',
  BLOCK_AS_IMPLICIT_KEY: 'a key that spans lines or a missing colon',
  MULTILINE_IMPLICIT_KEY: 'a key that spans lines or a missing colon',
  UNEXPECTED_TOKEN: 'something unexpected (a missing colon or space after it?)',
  BAD_ALIAS: 'an alias (*name) with no anchor (&name) before it',
};

function describeYamlError(error: YAMLError): string {
  const what = YAML_ERRORS[error.code] ?? error.code.toLowerCase().replace(/_/g, ' ');
  const where = error.linePos?.[0];
  return where === undefined ? what : `${what} at line ${where.line}, column ${where.col}`;
}
