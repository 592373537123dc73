import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';
import {
  HEADER_NAME,
  isReservedHeader,
} from '../../../common/outbound/static-headers.validator.js';
import {
  DEFAULT_HEX_SIGNATURE_HEADER,
  SIGNATURE_SCHEMES,
  type SignatureScheme,
} from '../../signature.js';

function headerProblem(header: unknown, scheme: unknown): string | undefined {
  if (scheme !== 'hmac-sha256-hex') return 'is only for the hmac-sha256-hex scheme';
  if (typeof header === 'string' && isReservedHeader(header))
    return 'cannot be used: it is hop-by-hop or set by the hub';
  return undefined;
}

function IsSignatureHeader(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSignatureHeader',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          headerProblem(value, (args?.object as SignatureDto).scheme) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          headerProblem(args?.value, (args?.object as SignatureDto).scheme) ?? 'is invalid',
      },
    });
}

export class SignatureDto {
  @ApiProperty({
    enum: SIGNATURE_SCHEMES,
    example: 'hmac-sha256-hex',
    description:
      '`standard-webhooks`: `webhook-signature: v1,<base64>` over id.timestamp.body. `hmac-sha256-hex`: GitHub style, `<header>: sha256=<hex HMAC-SHA256 of the raw body>` keyed with the secret string as shown (`whsec_...`)',
  })
  @IsIn(SIGNATURE_SCHEMES, { message: `must be one of: ${SIGNATURE_SCHEMES.join(', ')}` })
  scheme: SignatureScheme;

  @ApiPropertyOptional({
    example: DEFAULT_HEX_SIGNATURE_HEADER,
    default: DEFAULT_HEX_SIGNATURE_HEADER,
    maxLength: 100,
    description:
      'Only with hmac-sha256-hex: the header carrying the signature (stored lowercase). Not a header the hub sets, a hop-by-hop one, or one of the endpoint’s static headers',
  })
  @IsOptional()
  @IsString()
  @Matches(HEADER_NAME, {
    message: 'must be an HTTP header name (a token of at most 100 characters)',
  })
  @IsSignatureHeader()
  header?: string;
}

/**
 * The optional `signature` field of a request body (endpoint, message, trigger action):
 * validated as a nested SignatureDto; the description and example say what it signs there.
 */
export function SignatureProperty(description: string, exampleHeader: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: SignatureDto,
      default: { scheme: 'standard-webhooks' },
      example: { scheme: 'hmac-sha256-hex', header: exampleHeader },
      description,
    }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => SignatureDto),
  );
}
