/**
 * dotenv 17's line pattern (lib/main.js `LINE`), with capture groups added around the parts
 * it matches anyway: 1 name, 2 the `=` or `:`, 3 a quoted value, 4 an unquoted value,
 * 5 a trailing comment. An unquoted value is `[^#\r\n]+`, so ANY `#` in it (leading, with
 * or without a space before it) ends the value and starts a comment; only '…', "…" or `…`
 * keep a `#`, and a backslash does not escape it. Groups do not change what matches, so
 * this reads the file exactly as `dotenv.parse` does.
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(\s*=\s*?|:\s+?)(?:(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`)|([^#\r\n]+))?\s*(#.*)?(?:$|$)/dmg;

/**
 * The variables of a `.env` text whose value dotenv cuts at an unquoted `#` (`NAME=va#lue`,
 * `NAME=value # note`, `NAME=#value`). A `#` line of its own, or one after a quoted value,
 * is a comment and not reported. Like dotenv, the last line of a name is the one that counts.
 */
export function namesCutByHash(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n');
  const cut = new Map<string, boolean>();
  for (const match of lines.matchAll(LINE)) {
    const name = match[1];
    const separator = match.indices?.[2];
    const comment = match.indices?.[5];
    if (name === undefined || separator === undefined) continue;
    const sameLine = comment !== undefined && !lines.slice(separator[1], comment[0]).includes('\n');
    cut.set(name, sameLine && match[3] === undefined);
  }
  return [...cut].filter(([, isCut]) => isCut).map(([name]) => name);
}
