import type { z } from 'zod';
import type { ConfigProblem } from '../errors/config-error.js';

/** zod issues as problems named by their variable. */
export function toProblems(error: z.ZodError, fallback = 'config'): ConfigProblem[] {
  return error.issues.map((issue) => ({ variable: String(issue.path[0] ?? fallback), message: issue.message }));
}
