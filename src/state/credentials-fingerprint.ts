import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** A salted, slow hash of the login credentials; tells "changed" without storing them. */
export interface Fingerprint { salt: string; hash: string }

/** What is hashed: the configured credentials (config's Credentials has these and more). */
export interface Credentials { apiKey: string; userId: string; password: string; totpSecret: string }

function derive(credentials: Credentials, salt: Buffer): Buffer {
  const material = JSON.stringify([credentials.apiKey, credentials.userId, credentials.password, credentials.totpSecret]);
  return scryptSync(material, salt, 32);
}

export function fingerprint(credentials: Credentials): Fingerprint {
  const salt = randomBytes(16);
  return { salt: salt.toString('hex'), hash: derive(credentials, salt).toString('hex') };
}

export function sameCredentials(credentials: Credentials, print: Fingerprint): boolean {
  const expected = Buffer.from(print.hash, 'hex');
  const actual = derive(credentials, Buffer.from(print.salt, 'hex'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
