import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class CreateUserTokenDto {
  @ApiProperty({ example: 'user-123', description: 'Becomes the JWT `sub`' })
  @IsString()
  @Length(1, 200)
  userId: string;

  @ApiPropertyOptional({ default: 3600, minimum: 60, maximum: 2592000 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  ttlSeconds?: number;
}

export class UserTokenDto {
  @ApiProperty({
    example:
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyIsImlhdCI6MTc2NDU4MjQwMCwiZXhwIjoxNzY0NTg2MDAwfQ.3q2-7w',
  })
  token: string;
  @ApiProperty() expiresAt: Date;
}

export class WhoAmIDto {
  @ApiProperty({ enum: ['admin', 'publisher', 'user'] }) audience: string;
  @ApiProperty({ example: 'admin-token', description: 'API key id, "admin-token", or the user id' })
  id: string;
  @ApiProperty({ enum: ['admin-token', 'api-key', 'jwt'] }) via: string;
}
