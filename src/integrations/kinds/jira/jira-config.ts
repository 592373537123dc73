import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsStringMap } from '../string-map.validator.js';

/** A Jira Cloud connection. `apiToken` is a secret: sealed at rest, redacted in answers. */
export class JiraConfig {
  @ApiProperty({
    example: 'https://your-team.atlassian.net',
    description: 'The Jira site, http(s)',
  })
  @IsString()
  @MaxLength(2048)
  baseUrl: string;

  @ApiProperty({
    example: 'admin@example.com',
    description: 'The Atlassian account of the API token',
  })
  @IsString()
  @MinLength(3)
  @MaxLength(320)
  email: string;

  @ApiProperty({ example: 'ATATT3xFfGF0...', description: 'An Atlassian API token (secret)' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  apiToken: string;

  @ApiProperty({ example: 'HUB', description: 'Key of the project issues are created in' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,254}$/, { message: 'must be a Jira project key (HUB, OPS_2)' })
  projectKey: string;

  @ApiPropertyOptional({ example: 'Task', default: 'Task' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  issueType?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { doing: 'In Progress', done: '10002' },
    description: 'Board column -> Jira status name or id; a moved card transitions to it',
  })
  @IsOptional()
  @IsObject()
  @IsStringMap()
  statusMap?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'nojira',
    default: 'nojira',
    description: 'Cards with this tag are never synced (case-insensitive)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  optOutTag?: string;
}
