import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { afterSandbox, cliName } from '../../src/commands/next-step.js';

/** The sandbox's closing line names the CLI as the person can call it where they are. */
describe('the name to call the CLI by', () => {
  const root = resolve('.');

  it('in the checkout: ./kite-autologin, setup\'s launcher (the bare name is not on PATH)', () => {
    expect(cliName({}, root)).toEqual({ name: './kite-autologin', inImage: false });
    expect(afterSandbox({}, root)).toBe('Next: put your real credentials in .env (see .env.example) and run `./kite-autologin login --dry-run`.');
  });

  it('elsewhere: the launcher\'s path', () => {
    expect(cliName({}, '/').name).toBe(resolve(root, 'kite-autologin'));
  });

  it('in the image: on PATH, and the credentials are secret files (there is no .env.example there)', () => {
    expect(cliName({ KITE_AUTOLOGIN_IMAGE: '1' }, '/app')).toEqual({ name: 'kite-autologin', inImage: true });
    expect(afterSandbox({ KITE_AUTOLOGIN_IMAGE: '1' }, '/app')).not.toContain('.env.example');
  });
});
