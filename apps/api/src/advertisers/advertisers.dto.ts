import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { KA_TIERS } from '#domain';
import { LowercaseUuid, Reason } from '../http/dto';

export class RegisterAdvertiserDto {
  @ApiPropertyOptional({ description: 'client-chosen id (lowercase UUID); the server picks one when absent' })
  @IsOptional()
  @LowercaseUuid()
  advertiserId?: string;

  @ApiProperty({ example: 'Glow Cosmetics Co., Ltd.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  legalName!: string;

  @ApiProperty({ description: 'business registration number', example: '91310000MA1FL0XX1X' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  registrationNumber!: string;

  @ApiProperty({ enum: KA_TIERS })
  @IsIn(KA_TIERS)
  kaTier!: string;

  @ApiPropertyOptional({ description: 'the salesperson who owns the account; defaults to the caller' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
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
