import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable } from '../disk/read.js';

/**
 * How a person calls the CLI where they are: in the image it is on PATH and the credentials
 * are secret files; in a checkout it is `./kite-autologin` (setup's launcher, not on PATH);
 * installed from npm it is `kite-autologin`.
 */
export function cliName(env: Record<string, string | undefined>, cwd: string): { name: string; inImage: boolean } {
  if (env['KITE_AUTOLOGIN_IMAGE'] === '1') return { name: 'kite-autologin', inImage: true };
  // dist/commands/next-step.js: the checkout is two folders up.
  const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
  const launcher = join(root, 'kite-autologin');
  if (!isExecutable(launcher)) return { name: 'kite-autologin', inImage: false };
  return { name: relative(cwd, root) === '' ? './kite-autologin' : launcher, inImage: false };
}

/** The sandbox's closing line: what to do next with a real account. */
export function afterSandbox(env: Record<string, string | undefined>, cwd: string): string {
  const { name, inImage } = cliName(env, cwd);
  if (inImage) return 'Next: give the container your credentials as secret files (docs/deployment.md, Docker on a VPS), then `docker compose run --rm kite-autologin login --dry-run`.';
  return `Next: put your real credentials in .env (see .env.example) and run \`${name} login --dry-run\`.`;
}
