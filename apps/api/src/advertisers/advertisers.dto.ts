import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { KA_TIERS } from '#domain';
import { LowercaseUuid, Omittable, PlainText, Reason, UserIdText } from '../http/dto';

export class RegisterAdvertiserDto {
  @ApiPropertyOptional({ description: 'client-chosen id (lowercase UUID); the server picks one when absent' })
  @Omittable()
  @LowercaseUuid()
  advertiserId?: string;

  @ApiProperty({ example: 'Glow Cosmetics Co., Ltd.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @PlainText()
  legalName!: string;

  @ApiProperty({ description: 'business registration number', example: '91310000MA1FL0XX1X' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @PlainText()
  registrationNumber!: string;

  @ApiProperty({ enum: KA_TIERS })
  @IsIn(KA_TIERS)
  kaTier!: string;

  @ApiPropertyOptional({ description: 'the salesperson who owns the account; defaults to the caller' })
  @Omittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @UserIdText()
  salesOwnerId?: string;
}

export class VerificationDto {
  @ApiProperty({ enum: ['verified', 'rejected'] })
  @IsIn(['verified', 'rejected'])
  decision!: 'verified' | 'rejected';

  @ApiPropertyOptional()
  @ValidateIf((dto: VerificationDto) => dto.decision === 'rejected' || dto.reason !== undefined)
  @Reason('required when rejecting')
  reason?: string;
}

export class KaTierDto {
  @ApiProperty({ enum: KA_TIERS })
  @IsIn(KA_TIERS)
  kaTier!: string;
}
