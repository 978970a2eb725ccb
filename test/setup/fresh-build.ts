import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time under `dir` (files only); 0 when it does not exist. */
function newest(dir: string): number {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * Some unit tests run the built CLI (dist/): the start-up probes, --help of every command.
 * Before any test runs, dist/ is rebuilt when a source is newer than it, so those tests never
 * judge yesterday's build (`npm test` has just built it: nothing to do then).
 */
export default function setup(): void {
  const sources = Math.max(newest('src'), newest('packages/kite-simulator/src'), statSync('package.json').mtimeMs);
  const built = Math.min(newest('dist'), newest('packages/kite-simulator/dist'));
  if (built >= sources) return;
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed: the unit tests that run dist/ cannot run');
}
