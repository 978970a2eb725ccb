import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The simulator is the other side of every login: it must not share code with the product,
 * or a bug in a shared rule (06:00 IST, the TOTP) would pass on both sides unseen.
 */
const PACKAGE = resolve('packages/kite-simulator');
const SOURCES = join(PACKAGE, 'src');
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
  name: string; private: boolean; type: string; scripts: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>; peerDependencies?: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a source names: static and type imports, re-exports, dynamic imports, require. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\bimport\s*\(\s*([^'"`\s)][^)]*)\)/g, // a computed specifier: cannot be checked, so it is refused
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

/** Why `specifier`, imported by `file`, leaves the package; undefined when it does not. */
function leaves(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    return relative(SOURCES, target).startsWith('..') ? `reaches outside the package: ${specifier}` : undefined;
  }
  if (specifier.startsWith('node:')) return builtinModules.includes(specifier.slice(5)) ? undefined : `unknown built-in ${specifier}`;
  if (builtinModules.includes(specifier)) return `a built-in without the node: prefix: ${specifier}`;
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0] as string;
  const own = { ...manifest.dependencies, ...manifest.peerDependencies };
  return name in own ? undefined : `not a dependency of the package: ${specifier}`;
}

function escapes(files: { path: string; source: string }[]): string[] {
  return files.flatMap(({ path, source }) =>
    specifiers(source).flatMap((specifier) => {
      const why = leaves(path, specifier);
      return why ? [`${relative(PACKAGE, path)}: ${why}`] : [];
    }));
}

describe('the simulator package', () => {
  const files = sourceFiles(SOURCES).map((path) => ({ path, source: readFileSync(path, 'utf8') }));

  it('imports nothing from outside itself: its own files, node: built-ins and its declared dependencies only', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(({ source }) => specifiers(source))).toEqual(expect.arrayContaining(['node:crypto', 'node:http', './kite-rules.js', './shape.js']));
    expect(escapes(files)).toEqual([]);
  });

  it('the scan does catch an import from the product, a relative climb, a stray package and a computed import', () => {
    const path = join(SOURCES, 'probe.ts');
    const source = [
      "import { sessionExpiry } from '../../../src/time/ist.js';",
      "import type { Config } from '../../../src/config/index.js';",
      "export { x } from 'kite-autologin/dist/cli.js';",
      "import { generateSync } from 'otplib';",
      "import * as fs from 'fs';",
      "import { ok } from './kite-rules.js';",
      "import { readFile } from 'node:fs/promises';",
      "const m = await import('playwright');",
      'const n = await import(name);',
    ].join('\n');
    expect(escapes([{ path, source }])).toEqual([
      'src/probe.ts: reaches outside the package: ../../../src/time/ist.js',
      'src/probe.ts: reaches outside the package: ../../../src/config/index.js',
      'src/probe.ts: not a dependency of the package: kite-autologin/dist/cli.js',
      'src/probe.ts: not a dependency of the package: otplib',
      'src/probe.ts: a built-in without the node: prefix: fs',
      'src/probe.ts: not a dependency of the package: playwright',
      'src/probe.ts: not a dependency of the package: name',
    ]);
  });

  it('is a private ES module package of its own, built by its own script, exporting built JS and types', () => {
    expect(manifest).toMatchObject({ name: '@kite-autologin/simulator', private: true, type: 'module' });
    expect(manifest.scripts['build']).toMatch(/\btsc\b/);
    for (const entry of ['.', './shapes']) {
      expect(manifest.exports[entry]).toMatchObject({ types: expect.stringMatching(/^\.\/dist\/.+\.d\.ts$/), default: expect.stringMatching(/^\.\/dist\/.+\.js$/) });
    }
    const tsconfig = JSON.parse(readFileSync(join(PACKAGE, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { extends?: string; compilerOptions: Record<string, unknown> };
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, module: 'NodeNext' });
  });

  it('the product names the simulator only by its package name, and loads it lazily', () => {
    const product = sourceFiles(resolve('src')).map((path) => ({ path: relative(resolve('.'), path), source: readFileSync(path, 'utf8') }));
    const users = product.filter(({ source }) => /kite-simulator|@kite-autologin\/simulator|simulator\//.test(source));
    expect(users.map(({ path }) => path).sort()).toEqual(['src/commands/sandbox.ts', 'src/commands/simulator-files.ts', 'src/commands/simulator.ts']);
    for (const { path, source } of users) {
      // Only its types at the top (erased when compiled): the package itself is loaded by the command that runs it.
      expect(source, path).not.toMatch(/^import\s+(?!type\b)[^;]*@kite-autologin\/simulator/m);
      if (path !== 'src/commands/simulator-files.ts') expect(source, path).toMatch(/await import\('@kite-autologin\/simulator'\)/);
    }
  });
});
