import { PartialType } from '@nestjs/swagger';
import { LogRuleFieldsDto } from './create-log-rule.dto.js';

/** Every field optional; scope, source and `overrides` are fixed when the rule is created. */
export class UpdateLogRuleDto extends PartialType(LogRuleFieldsDto) {}
