import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { AppException } from './app.exception.js';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (`nextCursor`)' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

/** Opaque keyset cursors: base64url JSON, versioned so a future shape change is a clear 400. */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...value })).toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string,
  keys: (keyof T)[],
): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    if (
      parsed.v === 1 &&
      keys.every(
        (k) => typeof parsed[k as string] === 'string' || typeof parsed[k as string] === 'number',
      )
    ) {
      return parsed as T;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppException('invalid-cursor', 400, 'cursor is not a cursor this server issued', {
    errors: [{ field: 'cursor', message: 'is malformed or from an incompatible server version' }],
  });
}
