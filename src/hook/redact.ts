/** Shorter strings are not looked for: they would blank out ordinary words. */
const SHORTEST = 6;

/**
 * `text` with every occurrence of each secret replaced. The command's output is logged, and a
 * command that prints the token file (`cat "$KITE_TOKEN_FILE"`, a verbose curl) would put the
 * day's access token into the log: a second line of defence, after the allow-listed environment.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= SHORTEST) out = out.split(secret).join('[redacted]');
  }
  return out;
}
