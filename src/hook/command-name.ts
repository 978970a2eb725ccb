/** A variable assignment before the program (`API_KEY=... curl`): its value may be a secret. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const MAX = 60;

/**
 * What logs, alerts and `status` show of ON_TOKEN_COMMAND: the program's name, its first
 * word. The line itself may hold a bearer header, a key in a URL or a password for curl, and
 * the log goes wherever journald or the container runtime sends it; a person knows their own
 * command from its first word, and the line is in their configuration. Leading assignments
 * are skipped (their values are exactly where such secrets go), quotes dropped.
 */
export function commandName(line: string): string {
  const words = line.trim().split(/\s+/).filter((word) => word.length > 0);
  const program = words.find((word) => !ASSIGNMENT.test(word));
  if (program === undefined) return '(shell)';
  const name = program.replace(/^['"]+|['";]+$/g, '');
  if (name.length === 0) return '(shell)';
  return name.length > MAX ? `${name.slice(0, MAX)}...` : name;
}
