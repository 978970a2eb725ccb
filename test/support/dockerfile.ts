import { readFileSync } from 'node:fs';
import { Copy, DockerfileParser, Env } from 'dockerfile-ast';

/** What the image's final stage says, read with a real Dockerfile parser. */
export interface FinalStage {
  env: Record<string, string>;
  user: string | undefined;
  workdir: string | undefined;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  volumes: string[];
  /** COPY and RUN, in order. */
  steps: ({ kind: 'copy'; from: string | undefined; sources: string[]; target: string } | { kind: 'run'; command: string })[];
}

const jsonArray = (text: string, what: string): string[] => {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new Error(`${what} is not in exec (JSON array) form`);
  return parsed;
};

export function readFinalStage(path: string): FinalStage {
  const dockerfile = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const instructions = dockerfile.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  const stage: FinalStage = { env: {}, user: undefined, workdir: undefined, entrypoint: [], cmd: [], healthcheck: [], volumes: [], steps: [] };
  for (const instruction of instructions.slice(lastFrom + 1)) {
    const args = instruction.getArguments().map((a) => a.getValue());
    switch (instruction.getKeyword()) {
      case 'ENV':
        // The parser makes every ENV an Env and every COPY a Copy: these checks only narrow the type.
        if (instruction instanceof Env) for (const property of instruction.getProperties()) stage.env[property.getName()] = property.getValue() ?? '';
        break;
      case 'USER': stage.user = args[0]; break;
      case 'WORKDIR': stage.workdir = args[0]; break;
      case 'ENTRYPOINT': stage.entrypoint = jsonArray(args.join(' '), 'ENTRYPOINT'); break;
      case 'CMD': stage.cmd = jsonArray(args.join(' '), 'CMD'); break;
      case 'VOLUME': stage.volumes = args[0]?.startsWith('[') ? jsonArray(args.join(' '), 'VOLUME') : args; break;
      case 'HEALTHCHECK': {
        const at = args.indexOf('CMD');
        stage.healthcheck = jsonArray(args.slice(at + 1).join(' '), 'HEALTHCHECK CMD');
        break;
      }
      case 'COPY': {
        if (instruction instanceof Copy) stage.steps.push({ kind: 'copy', from: instruction.getFromFlag()?.getValue() ?? undefined, sources: args.slice(0, -1), target: args[args.length - 1] as string });
        break;
      }
      case 'RUN':
        stage.steps.push({ kind: 'run', command: args.join(' ') });
        break;
      default:
        break;
    }
  }
  return stage;
}
