import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export class UploadArtifactQueryDto {
  @ApiProperty({
    description:
      'The file name receivers see (`name` in each delivery, and the download file name)',
    example: 'build.log',
    minLength: 1,
    maxLength: 255,
  })
  @IsString()
  @Length(1, 255)
  // Control characters would end up in a Content-Disposition header and in logs.
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'must not contain control characters' })
  name!: string;
}

export class ArtifactDto {
  @ApiProperty({ format: 'uuid', example: '3f0c9a52-2d8e-4b7a-9a43-1c9e5b0d7e21' })
  id!: string;

  @ApiProperty({ example: 'build.log' })
  name!: string;

  @ApiProperty({ description: 'The Content-Type it was uploaded with', example: 'text/plain' })
  contentType!: string;

  @ApiProperty({ description: 'Bytes', example: 18 })
  size!: number;

  @ApiProperty({
    description: 'Hex SHA-256 of the bytes, computed as they streamed in',
    example: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
  })
  sha256!: string;
}
