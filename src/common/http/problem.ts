import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://integration-hub.dev/problems/';

export class FieldErrorDto {
  @ApiProperty({ example: 'changes[3].table' }) field: string;
  @ApiProperty({ example: 'must match ^[a-z][a-z0-9_]{0,62}$' }) message: string;
}

/** RFC 9457 problem details, with `errors` for validation and `requestId` for support. */
export class ProblemDto {
  @ApiProperty({ example: `${PROBLEM_TYPE_BASE}validation` }) type: string;
  @ApiProperty({ example: 'Validation failed' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiPropertyOptional({ example: 'type: must be a dotted lowercase name' }) detail?: string;
  @ApiPropertyOptional({ example: '/events' }) instance?: string;
  @ApiPropertyOptional({ example: 'b7c1a2a4-3f1e-4b0e-9b7a-2d8f7e0e9c11' }) requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

export type Problem = ProblemDto & Record<string, unknown>;

/** Members the filter owns: an extension (e.g. a health library's `status: "error"`) never replaces them. */
const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'requestId']);

export function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Problem {
  const body: Problem = {
    type: `${PROBLEM_TYPE_BASE}${slug}`,
    title,
    status,
    ...(detail ? { detail } : {}),
  };
  for (const [key, value] of Object.entries(extra)) if (!RESERVED.has(key)) body[key] = value;
  return body;
}
