// An attempt process that ignores SIGTERM (a browser stuck in a syscall, a hung close); it never answers an attempt.
// Once its handler is in place it creates READY_FILE, then never ends on its own.
import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => undefined);
writeFileSync(process.env.READY_FILE, String(process.pid));
setInterval(() => undefined, 1 << 30);
