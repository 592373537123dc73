import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JIRA_CONFIG_EXAMPLE } from './create-integration.dto.js';

export class IntegrationDto {
  @ApiProperty({ format: 'uuid', example: '0f8b8c59-1f43-4a55-9a43-6f1d2a1e5b7c' }) id: string;
  @ApiProperty({ example: 'jira' }) kind: string;
  @ApiProperty({ example: 'Team board -> Jira HUB' }) name: string;
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ type: [String], example: ['*'] }) eventFilter: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { ...JIRA_CONFIG_EXAMPLE, apiToken: '[redacted]' },
    description: 'Secrets redacted; null when the config cannot be opened (see configError)',
  })
  config: Record<string, unknown> | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Why the sealed config cannot be opened (e.g. sealed with a key no longer configured)',
  })
  configError: string | null;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) updatedAt: string;
}

export class IntegrationListDto {
  @ApiProperty({ type: [IntegrationDto] }) data: IntegrationDto[];
}

export class TestCheckDto {
  @ApiProperty({ example: 'config.statusMap.doing' }) field: string;
  @ApiProperty({ example: false }) ok: boolean;
  @ApiProperty({
    example: '"Doing" is not a status of project HUB; statuses: To Do, In Progress, Done',
  })
  message: string;
}

export class TestResultDto {
  @ApiProperty({ example: false, description: 'True when every check passed' }) ok: boolean;
  @ApiProperty({ type: [TestCheckDto] }) checks: TestCheckDto[];
}

export class IntegrationLogDto {
  @ApiProperty({ example: '1042' }) id: string;
  @ApiProperty({ type: String, nullable: true, example: 'card.moved' }) eventType: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'card-17' }) cardId: string | null;
  @ApiProperty({
    enum: ['create', 'lookup', 'update', 'transition', 'comment', 'link', 'test', 'cutoff'],
    description: '`cutoff`: no call; the creation cutoff left the card out (`error` says why)',
    example: 'transition',
  })
  operation: string;
  @ApiProperty({ type: Number, nullable: true, example: 400 }) httpStatus: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 182 }) durationMs: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: "HTTP 400: Transition id '41' is not valid for this issue.",
  })
  error: string | null;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) createdAt: string;
}

export class IntegrationLogPageDto {
  @ApiProperty({ type: [IntegrationLogDto] }) data: IntegrationLogDto[];
  @ApiPropertyOptional({ type: String, nullable: true, example: null }) nextCursor: string | null;
}

export class IntegrationCardDto {
  @ApiProperty({ example: 'card-17' }) cardId: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'HUB-42',
    description: 'The linked remote issue',
  })
  remoteKey: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://your-team.atlassian.net/browse/HUB-42',
  })
  remoteUrl: string | null;
  @ApiProperty({ example: 'Fix login' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'doing' }) column: string | null;
  @ApiProperty({ type: [String], example: ['backend'] }) tags: string[];
  @ApiProperty({ example: false }) deleted: boolean;
  @ApiProperty({ type: String, nullable: true, example: '2026-12-01T10:00:00.000Z' }) lastSyncedAt:
    string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) lastError: string | null;
  @ApiProperty({ example: 0, description: 'Messages not yet posted as comments' })
  pendingComments: number;
}

export class ResyncResultDto {
  @ApiProperty({
    format: 'uuid',
    example: '8d7c1a52-9a51-4a39-a6a0-4f0f9c1b0e21',
    description: 'The sync job (GET /jobs/{id})',
  })
  jobId: string;
}
