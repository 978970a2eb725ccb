import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import found in a source file: its specifier, and the file it names when relative. */
export interface FoundImport {
  /** Path of the importing file, relative to the root, with `/`. */
  from: string;
  specifier: string;
  /** The imported file relative to the root (`.js` read as `.ts`), for a relative specifier. */
  target?: string | undefined;
}

/** Every `.ts` file under `folder`, recursively, relative to `root`, with `/`. */
export function sourceFiles(root: string, folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  if (existsSync(join(root, folder))) walk(join(root, folder));
  return found.sort();
}

/**
 * The imports of one file, read from its syntax tree (comments and strings that merely look
 * like imports are not counted): `import … from`, `export … from`, `import x = require()`,
 * `import()`, `require()` and `createRequire(…)(…)`, types included.
 */
export function importsOf(root: string, file: string): FoundImport[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) specifiers.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isCreatedRequire = ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire';
      if (isImport || isRequire || isCreatedRequire) literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.map((specifier) => ({
    from: file,
    specifier,
    target: specifier.startsWith('.')
      ? relative(root, resolve(root, dirname(file), specifier)).split(sep).join('/').replace(/\.js$/, '.ts')
      : undefined,
  }));
}

/** The package a bare specifier names: `playwright/test` → `playwright`, `@a/b/c` → `@a/b`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * The unit a file under `src/` belongs to: its folder (`src/kite/screen.ts` → `kite`), or, for
 * a file directly in `src/`, its own name (`src/token-store.ts` → `token-store`).
 */
export function unitOf(file: string): string {
  const inside = file.replace(/^src\//, '').split('/');
  return inside.length > 1 ? (inside[0] as string) : (inside[0] as string).replace(/\.ts$/, '');
}

export interface ArrowRules {
  /** Lowest first. A unit imports only from itself and units of lower layers; units of one layer are peers and import nothing of each other. */
  layers: readonly (readonly string[])[];
  /** Bare packages that only some files may import: package → test on the importing file. */
  packageOwners: Readonly<Record<string, { allowed: (file: string) => boolean; why: string }>>;
  /** Further arrows that are wrong although the layers allow them. */
  forbidden: readonly { test: (found: FoundImport) => boolean; why: string }[];
}

/** Every wrong arrow among the imports of the `src/` files under `root`, as one line each. */
export function arrowViolations(root: string, rules: ArrowRules): string[] {
  const layerOf = new Map<string, number>();
  rules.layers.forEach((units, index) => { for (const unit of units) layerOf.set(unit, index); });
  const problems: string[] = [];
  for (const file of sourceFiles(root, 'src')) {
    const unit = unitOf(file);
    const layer = layerOf.get(unit);
    if (layer === undefined) {
      problems.push(`${file}: its unit "${unit}" has no place in the layers; add it to LAYERS`);
      continue;
    }
    for (const found of importsOf(root, file)) {
      for (const rule of rules.forbidden) if (rule.test(found)) problems.push(`${file} imports ${found.specifier}: ${rule.why}`);
      if (found.target === undefined) {
        const owner = rules.packageOwners[packageOf(found.specifier)];
        if (owner && !owner.allowed(file)) problems.push(`${file} imports ${found.specifier}: ${owner.why}`);
        continue;
      }
      if (!found.target.startsWith('src/')) {
        problems.push(`${file} imports ${found.specifier}, outside src/`);
        continue;
      }
      const targetUnit = unitOf(found.target);
      if (targetUnit === unit) continue;
      const targetLayer = layerOf.get(targetUnit);
      if (targetLayer === undefined) continue; // reported for the target's own files
      if (targetLayer >= layer) {
        const how = targetLayer === layer ? 'a peer in the same layer' : 'a higher layer';
        problems.push(`${file} (${unit}, layer ${layer}) imports ${found.target} (${targetUnit}, ${how}, layer ${targetLayer})`);
      }
    }
  }
  return problems;
}

/**
 * Every circle of imports among the `src/` files under `root`, inside one folder or across
 * folders (the layers forbid the latter, this finds both): each as the files on it, sorted,
 * joined by ` <-> `. Types count: a type-only import still ties the two files together.
 */
export function importCycles(root: string): string[] {
  const files = sourceFiles(root, 'src');
  const edges = new Map<string, string[]>(files.map((file) => [file, importsOf(root, file).flatMap((i) => (i.target && files.includes(i.target) ? [i.target] : []))]));
  // Tarjan's strongly connected components.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[] = [];
  const connect = (file: string): void => {
    indices.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!indices.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) as number, indices.get(next) as number));
      }
    }
    if (low.get(file) !== indices.get(file)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1 || (edges.get(file) ?? []).includes(file)) circles.push(component.sort().join(' <-> '));
  };
  for (const file of files) if (!indices.has(file)) connect(file);
  return circles.sort();
}
