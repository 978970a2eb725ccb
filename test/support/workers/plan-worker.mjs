// An attempt process that speaks the real protocol (attempt-protocol.ts) without a browser:
// each attempt does what its own environment's PLAN says, and logs `<event> <id> <pid> <label>`
// lines to its LOG_FILE, so a test sees which attempts are in flight in which process.
//   answer   -> logged-in, expiring at EXPIRES_AT
//   reject   -> a typed error, CREDENTIALS_REJECTED
//   hold     -> answers like `answer` once RELEASE_FILE exists; an abort message answers ABORTED
//   env      -> logged-in, its expiry saying whether KITE_PASSWORD is in this process's environment and in the attempt's
import { appendFileSync, existsSync } from 'node:fs';

const held = new Map();
const log = (env, event, id) => appendFileSync(env.LOG_FILE, `${event} ${id} ${process.pid} ${env.LABEL ?? ''}\n`);
const answer = (message) => process.send({ id: message.id, ok: true, outcome: { kind: 'logged-in', expiresAt: message.env.EXPIRES_AT } });
const wire = (code, message, exitCode, retryable) => ({ name: code === 'ABORTED' ? 'AbortedError' : 'AuthError', code, message, retryable, exitCode });

process.on('message', (message) => {
  if (message.type === 'abort') {
    const timer = held.get(message.id);
    if (!timer) return;
    clearInterval(timer.interval);
    held.delete(message.id);
    log(timer.env, 'aborted', message.id);
    process.send({ id: message.id, ok: false, error: wire('ABORTED', 'Stopped during the attempt.', 130, false) });
    return;
  }
  const { env, id } = message;
  log(env, 'started', id);
  if (env.PLAN === 'answer') answer(message);
  else if (env.PLAN === 'env') {
    process.send({ id, ok: true, outcome: { kind: 'logged-in', expiresAt: `process:${process.env.KITE_PASSWORD !== undefined} attempt:${env.KITE_PASSWORD !== undefined}` } });
  } else if (env.PLAN === 'reject') process.send({ id, ok: false, error: wire('CREDENTIALS_REJECTED', 'Kite rejected the password.', 3, false) });
  else if (env.PLAN === 'hold') {
    const interval = setInterval(() => {
      if (!existsSync(env.RELEASE_FILE)) return;
      clearInterval(interval);
      held.delete(id);
      answer(message);
    }, 20);
    held.set(id, { interval, env });
  }
});
// The daemon letting go of the channel: nothing in flight to wait for here.
process.on('disconnect', () => { process.exit(0); });
