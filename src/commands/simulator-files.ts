import { join } from 'node:path';
import type { SimAccount, SimApp } from '@kite-autologin/simulator';
import { ensureFolder, writeAtomically } from '../disk/write.js';

/**
 * The folder `kite-autologin simulator` writes for a person to point the CLI at it: each
 * simulated account's secrets in files of their own (0600, in a 0700 folder), an accounts file
 * naming them (with two accounts or more), and `simulator.env`, the variables to set. No
 * secret is printed or put in a variable: the CLI reads them through `*_FILE` and `_file`.
 */
export interface SimulatorFolder {
  /** `simulator.env`: `set -a; . FILE; set +a` in a shell, or the lines printed by the command. */
  envFile: string;
  /** NAME=value lines, secrets only as file paths. */
  variables: Record<string, string>;
}

export async function writeSimulatorFolder(dir: string, where: { loginUrl: string; apiRoot: string }, app: SimApp, accounts: readonly SimAccount[]): Promise<SimulatorFolder> {
  await ensureFolder(dir);
  const secrets = join(dir, 'secrets');
  const secret = async (name: string, value: string): Promise<string> => {
    const path = join(secrets, name);
    await writeAtomically(path, `${value}\n`);
    return path;
  };
  const apiSecretFile = await secret('api_secret', app.apiSecret);
  const files = await Promise.all(accounts.map(async (account) => ({
    account,
    password: await secret(`${account.userId}.password`, account.password),
    totp: await secret(`${account.userId}.totp_secret`, account.totpSecret),
  })));
  const variables: Record<string, string> = {
    KITE_LOGIN_URL: where.loginUrl,
    KITE_API_ROOT: where.apiRoot,
    TOKEN_FILE: join(dir, 'data', 'kite-token.json'),
  };
  if (files.length === 1) {
    const [only] = files as [(typeof files)[number]];
    Object.assign(variables, {
      KITE_API_KEY: app.apiKey,
      KITE_API_SECRET_FILE: apiSecretFile,
      KITE_USER_ID: only.account.userId,
      KITE_PASSWORD_FILE: only.password,
      KITE_TOTP_SECRET_FILE: only.totp,
      KITE_REDIRECT_URL: app.redirectUrl,
    });
  } else {
    const yaml = [
      '# Simulated accounts (kite-autologin simulator): every secret in a file of its own.',
      'defaults:',
      `  api_key: ${app.apiKey}`,
      `  api_secret_file: ${apiSecretFile}`,
      `  redirect_url: ${app.redirectUrl}`,
      'accounts:',
      ...files.flatMap(({ account, password, totp }) => [`  - user_id: ${account.userId}`, `    password_file: ${password}`, `    totp_secret_file: ${totp}`]),
      '',
    ].join('\n');
    const accountsFile = join(dir, 'accounts.yaml');
    await writeAtomically(accountsFile, yaml);
    variables['ACCOUNTS_FILE'] = accountsFile;
  }
  const envFile = join(dir, 'simulator.env');
  await writeAtomically(envFile, `${Object.entries(variables).map(([name, value]) => `${name}=${value}`).join('\n')}\n`);
  return { envFile, variables };
}
