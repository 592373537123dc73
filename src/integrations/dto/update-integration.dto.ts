import { ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { FreeFormJson, jsonObject } from '../../common/http/free-form-json.js';
import { CreateIntegrationDto, JIRA_CONFIG_EXAMPLE } from './create-integration.dto.js';

/** Every field optional; the kind is fixed. */
export class UpdateIntegrationDto extends PartialType(
  OmitType(CreateIntegrationDto, ['kind', 'config'] as const),
) {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { ...JIRA_CONFIG_EXAMPLE, apiToken: '[redacted]' },
    description:
      'Merged over the stored config; a secret sent as "[redacted]" keeps the stored value',
  })
  @FreeFormJson(jsonObject(16384))
  config?: Record<string, unknown>;
}
