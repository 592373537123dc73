import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateSpaceDto {
  @ApiProperty({ example: 'Family board' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class AddMemberDto {
  @ApiProperty({ example: 'bob', description: 'The user id (JWT `sub`)' })
  @IsString()
  @Length(1, 200)
  userId: string;
}

export class SpaceMemberDto {
  @ApiProperty({ example: 'bob' }) userId: string;
  @ApiProperty({ enum: ['owner', 'member'] }) role: 'owner' | 'member';
  @ApiProperty() addedAt: Date;
}

export class SpaceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'notes' }) appId: string;
  @ApiProperty({ example: 'Team board' }) name: string;
  @ApiProperty({ example: 'alice' }) ownerId: string;
  @ApiProperty({ type: [SpaceMemberDto] }) members: SpaceMemberDto[];
  @ApiProperty() createdAt: Date;
}

export class SpaceListDto {
  @ApiProperty({ type: [SpaceDto] }) data: SpaceDto[];
}
