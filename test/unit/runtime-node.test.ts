import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';

/**
 * One supported Node, named the same everywhere: the image's base, the Node setup puts in
 * place for the project, and package.json's engines. And what the image carries: no source
 * maps or type declarations, and a mark by which the CLI knows it runs in the image.
 */

const dockerfile = DockerfileParser.parse(readFileSync(resolve('Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const args = (i: (typeof instructions)[number]): string[] => i.getArguments().map((a) => a.getValue());

function imageNode(): string {
  const arg = instructions.find((i) => i.getKeyword() === 'ARG' && args(i)[0]?.startsWith('NODE_VERSION='));
  return (args(arg as (typeof instructions)[number])[0] as string).split('=')[1] as string;
}

describe('the supported Node', () => {
  it('the image, setup and engines name one Node 24 LTS', () => {
    const image = imageNode();
    const pinned = /^NODE_PIN=(\S+)$/m.exec(readFileSync(resolve('scripts/setup.sh'), 'utf8'))?.[1];
    const engines = (JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(image).toMatch(/^24\.\d+\.\d+$/);
    expect(pinned).toBe(image);
    const [, low] = /^>=(\d+\.\d+\.\d+) <25$/.exec(engines) ?? [];
    expect(low, engines).toBeDefined();
    const at = (v: string): number[] => v.split('.').map(Number);
    const [a, b, c] = at(image);
    const [x, y, z] = at(low as string);
    expect((a as number) * 1e6 + (b as number) * 1e3 + (c as number)).toBeGreaterThanOrEqual((x as number) * 1e6 + (y as number) * 1e3 + (z as number));
    // Every stage builds FROM that Node.
    const froms = instructions.filter((i) => i.getKeyword() === 'FROM').map((i) => args(i)[0]);
    expect(froms.length).toBeGreaterThan(1);
    for (const from of froms) expect(from).toBe('node:${NODE_VERSION}-bookworm-slim');
  });

  it('CI runs the suite on Node 24 and fails on any other', () => {
    const ci = readFileSync(resolve('.ci/run'), 'utf8');
    expect(ci).toMatch(/\.runtime\/node_modules\/node\/bin/);
    expect(ci).toMatch(/v24\.\*\)/);
  });
});

describe('the runtime image', () => {
  it('carries no source maps or type declarations: the build stage removes them before the runtime stage copies dist/', () => {
    const build = instructions.findIndex((i) => i.getKeyword() === 'FROM' && args(i).includes('build'));
    const runtime = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
    const strip = instructions.slice(build, runtime).filter((i) => i.getKeyword() === 'RUN').map((i) => args(i).join(' ')).find((run) => run.includes('-delete'));
    expect(strip, 'a RUN in the build stage deletes them').toBeDefined();
    for (const part of ["-name '*.map'", "-name '*.d.ts'", 'dist', 'packages/kite-simulator/dist']) expect(strip).toContain(part);
    const copied = instructions.slice(runtime).filter((i) => i.getKeyword() === 'COPY' && args(i).some((a) => a.includes('dist'))).map((i) => i.getTextContent());
    expect(copied.length).toBeGreaterThan(0);
    for (const copy of copied) expect(copy).toMatch(/^COPY --from=build /);
  });

  it('marks itself, so the sandbox points at secret files, not a .env.example the image does not have', () => {
    const runtime = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
    const env = instructions.slice(runtime).filter((i) => i.getKeyword() === 'ENV').map((i) => args(i).join(' ')).join(' ');
    expect(env).toContain('KITE_AUTOLOGIN_IMAGE=1');
  });
});
