import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/**
 * Every error answer is RFC 9457 `application/problem+json` (the problem filter sends nothing
 * else), but `@ApiXxxResponse({ type: ProblemDto })` documents `application/json`. Rewrites
 * the media type of every 4xx/5xx response in the document, in one place, so Swagger UI and
 * generated clients see what the server really sends.
 */
export function documentProblemMediaType(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item)) {
      const responses = (
        op as { responses?: Record<string, { content?: Record<string, unknown> }> }
      )?.responses;
      if (!responses) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]/.test(status) || !response.content) continue;
        // A route's own media type (text/plain metrics, an event stream) is for its success
        // answer only; its errors are problems like everyone else's.
        const entry = response.content['application/json'] ?? Object.values(response.content)[0];
        response.content = { [PROBLEM_CONTENT_TYPE]: entry };
      }
    }
  }
  return document;
}
