import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsStringMap } from '../string-map.validator.js';

/** `open`, `closed` (reason completed), `closed:completed` or `closed:not_planned`. */
export const GITHUB_STATES = ['open', 'closed', 'closed:completed', 'closed:not_planned'] as const;

/** A GitHub repository's issues. `token` is a secret: sealed at rest, redacted in answers. */
export class GitHubConfig {
  @ApiPropertyOptional({
    example: 'https://api.github.com',
    default: 'https://api.github.com',
    description: 'The REST API root (GitHub Enterprise: https://host/api/v3)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  baseUrl?: string;

  @ApiProperty({ example: 'acme' })
  @IsString()
  @Matches(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, {
    message: 'must be a GitHub user or organisation name',
  })
  owner: string;

  @ApiProperty({ example: 'board' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'must be a repository name' })
  repo: string;

  @ApiProperty({
    example: 'github_pat_11AA...',
    description: 'A token with issues read/write (secret)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  token: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...GITHUB_STATES] },
    example: { done: 'closed:completed', dropped: 'closed:not_planned', todo: 'open' },
    description: 'Board column -> issue state (closed with a state reason)',
  })
  @IsOptional()
  @IsObject()
  @IsStringMap(GITHUB_STATES)
  statusMap?: Record<string, string>;

  @ApiPropertyOptional({ example: 'nogithub', default: 'nogithub' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  optOutTag?: string;
}
