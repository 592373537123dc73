import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { DATABASE_RETRY_AFTER_SECONDS } from './problem.filter.js';

/**
 * Marks an operation that never touches the database (liveness, metrics), so it is not
 * documented as answering the database's 503.
 */
export const WITHOUT_DATABASE = 'x-without-database';

/**
 * Marks an operation whose body the JSON parser leaves alone (`rawBody` in body-routes.ts):
 * any media type is taken, so it never answers the parser's 415.
 */
export const RAW_BODY = 'x-raw-body';

type Responses = Record<string, { description?: string; content?: Record<string, unknown> }>;

const BAD_REQUEST =
  'Invalid input: the problem names each offending field in `errors` (a query string that is ' +
  'not percent-encoded UTF-8 is refused the same way)';

/**
 * Answers that the global HTTP layer gives on any route, before a controller runs, so no
 * controller can forget to document them: 400 from the query-string check (every route) and
 * 413 / 415 from the JSON body parser (every route that takes a body). See query-encoding.ts
 * and body-parsers.ts. A route's own description of the same status wins; an empty one is
 * filled in.
 */
export function documentCommonResponses(document: OpenAPIObject): OpenAPIObject {
  const problem = {
    [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDto' } },
  };
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item)) {
      const operation = op as {
        responses?: Responses;
        requestBody?: unknown;
        [WITHOUT_DATABASE]?: boolean;
        [RAW_BODY]?: boolean;
      };
      if (!operation?.responses) continue;
      const add = (status: string, description: string) => {
        const existing = operation.responses![status];
        if (!existing) operation.responses![status] = { description, content: problem };
        else if (!existing.description) existing.description = description;
      };
      add('400', BAD_REQUEST);
      if (operation.requestBody) {
        add('413', 'Body larger than the route accepts');
        if (!operation[RAW_BODY])
          add('415', 'A body sent without `Content-Type: application/json`');
      }
      if (!operation[WITHOUT_DATABASE])
        add(
          '503',
          `The database is unreachable; retry after the Retry-After delay (${DATABASE_RETRY_AFTER_SECONDS} s)`,
        );
    }
  }
  return document;
}
