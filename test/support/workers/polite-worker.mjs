// An attempt process that winds down on SIGTERM, as the real one does (browser closed, lock released); it never answers an attempt.
import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => { process.exit(0); });
writeFileSync(process.env.READY_FILE, String(process.pid));
setInterval(() => undefined, 1 << 30);
