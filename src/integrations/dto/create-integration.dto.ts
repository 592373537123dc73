import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { FreeFormJson, FreeFormRule, jsonObject } from '../../common/http/free-form-json.js';
import { EVENT_TYPE_FILTER_PATTERN, MAX_EVENT_TYPE_LENGTH } from '../../events/index.js';
import { INTEGRATION_KINDS } from '../kinds/connectors.js';

const requiredObject: FreeFormRule = (value) =>
  value === undefined ? 'is required' : jsonObject(16384)(value);

export const JIRA_CONFIG_EXAMPLE = {
  baseUrl: 'https://your-team.atlassian.net',
  email: 'admin@example.com',
  apiToken: 'ATATT3xFfGF0-example-token',
  projectKey: 'HUB',
  issueType: 'Task',
  statusMap: { todo: 'To Do', doing: 'In Progress', done: '10002' },
  optOutTag: 'nojira',
};

export class CreateIntegrationDto {
  @ApiProperty({ enum: INTEGRATION_KINDS, example: 'jira' })
  @IsString()
  @IsIn(INTEGRATION_KINDS)
  kind: string;

  @ApiProperty({ example: 'Team board -> Jira HUB', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: MAX_EVENT_TYPE_LENGTH },
    default: ['*'],
    example: ['card.*', 'message.created'],
    description: 'Work-item event types this integration acts on: exact, prefix (`card.*`) or `*`',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(MAX_EVENT_TYPE_LENGTH, { each: true })
  @Matches(EVENT_TYPE_FILTER_PATTERN, {
    each: true,
    message: 'each entry must be an event type (card.created), a prefix (card.*) or *',
  })
  eventFilter?: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: JIRA_CONFIG_EXAMPLE,
    description:
      'Per kind. jira: baseUrl, email, apiToken (secret), projectKey, issueType (Task), statusMap (column -> status name or id), optOutTag (nojira). Sealed at rest; secrets read back as "[redacted]".',
  })
  @FreeFormJson(requiredObject)
  config: Record<string, unknown>;
}
