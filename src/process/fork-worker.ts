import { fork, type ChildProcess } from 'node:child_process';

export type { ChildProcess };

/**
 * A Node process of the tool's own, running `module`, with an IPC channel and the environment
 * given (the caller strips the secrets from it: they travel over the channel, which only the two
 * ends hold). Its stdout and stderr are this process's. The one place processes are started.
 */
export function forkWorker(module: URL, env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  return fork(module, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env, cwd });
}
