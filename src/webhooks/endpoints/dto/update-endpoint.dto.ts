import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateEndpointDto } from './create-endpoint.dto.js';

/** Every field optional; the secret changes only through rotation. Re-enabling clears the failure streak. */
export class UpdateEndpointDto extends PartialType(
  OmitType(CreateEndpointDto, ['secret'] as const),
) {}
