import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DENY_REASONS } from '#read-models';
import { PlainText, SLUG } from '../http/dto';
import { RememberValidQueries } from '../http/validation';
import { PageLimit, QueryBoolean, UUID } from './ka-clients.dto';

const CHECK_REASONS = ['NO_CONTRACT', ...DENY_REASONS, 'URL_NOT_ALLOWED'];

const uuidMessage = { message: '$property must be a lowercase UUID' };
const slugMessage = { message: '$property must be a lowercase slug (a-z, 0-9, _; 2 to 32 characters)' };

export class LinkPermissionsQueryDto extends PageLimit {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, uuidMessage)
  advertiserId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, uuidMessage)
  contractId?: string;

  @ApiPropertyOptional({ example: 'taobao', pattern: SLUG.source })
  @IsOptional()
  @Matches(SLUG, slugMessage)
  platform?: string;

  @ApiPropertyOptional({ example: 'beauty', pattern: SLUG.source })
  @IsOptional()
  @Matches(SLUG, slugMessage)
  category?: string;

  @ApiPropertyOptional({ description: 'allowed today (the contract term and the approval validity count)' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  allowed?: boolean;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @PlainText()
  cursor?: string;
}

@RememberValidQueries()
export class LinkCheckQueryDto {
  @ApiProperty({ format: 'uuid' })
  @Matches(UUID, uuidMessage)
  advertiserId!: string;

  @ApiProperty({ example: 'taobao', pattern: SLUG.source })
  @Matches(SLUG, slugMessage)
  platform!: string;

  @ApiProperty({ example: 'beauty', pattern: SLUG.source })
  @Matches(SLUG, slugMessage)
  category!: string;

  @ApiProperty({
    description: 'the link to render; its host must be one of the platform domains',
    example: 'https://item.taobao.com/item.htm?id=42',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  @PlainText()
  url!: string;
}

export class LinkPermissionDto {
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty({ format: 'uuid' })
  contractId!: string;
  @ApiProperty({ example: 'taobao' })
  platform!: string;
  @ApiProperty({ example: 'beauty' })
  category!: string;
  @ApiProperty({ description: 'allowed today' })
  allowed!: boolean;
  @ApiProperty({ enum: DENY_REASONS, isArray: true, description: 'why not, empty when allowed' })
  reasons!: readonly string[];
  @ApiProperty({
    type: [String],
    description: 'hosts the link may point to (subdomains included)',
    example: ['taobao.com'],
  })
  allowedDomains!: readonly string[];
  @ApiProperty({ format: 'date', description: 'first day the link may be shown' })
  validFrom!: string;
  @ApiProperty({ format: 'date', description: 'last day: the earlier of the contract end and the approval validity' })
  validUntil!: string;
  @ApiProperty({ format: 'date' })
  contractEndsOn!: string;
  @ApiProperty({ format: 'date', nullable: true, type: String })
  categoryValidUntil!: string | null;
  @ApiProperty({ description: 'every paid link carries a visible ad label' })
  adLabelRequired!: boolean;
  @ApiProperty({ description: 'regulated category: show the licence reference with the label' })
  regulated!: boolean;
  @ApiProperty({ nullable: true, type: String })
  licenceRef!: string | null;
  @ApiProperty({ description: 'position of the last event that changed an input of this permission' })
  sourcePosition!: string;
}

export class LinkPermissionPageDto {
  @ApiProperty({ type: [LinkPermissionDto] })
  items!: readonly LinkPermissionDto[];
  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class ContractVerdictDto {
  @ApiProperty({ format: 'uuid' })
  contractId!: string;
  @ApiProperty()
  allowed!: boolean;
  @ApiProperty({ enum: DENY_REASONS, isArray: true })
  reasons!: readonly string[];
}

export class LinkCheckDto {
  @ApiProperty()
  allowed!: boolean;
  @ApiProperty({
    enum: CHECK_REASONS,
    isArray: true,
    description:
      'empty when allowed; otherwise the reasons of every covering contract, and URL_NOT_ALLOWED for a bad host',
  })
  reasons!: readonly string[];
  @ApiProperty({ description: 'the read-model checkpoint this answer is current up to' })
  position!: string;
  @ApiProperty({ nullable: true, type: String, description: 'why the URL was refused' })
  urlProblem!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the contract that allows the link' })
  contractId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date', description: 'last day it stays allowed' })
  validUntil!: string | null;
  @ApiProperty()
  adLabelRequired!: boolean;
  @ApiProperty()
  regulated!: boolean;
  @ApiProperty({ nullable: true, type: String })
  licenceRef!: string | null;
  @ApiProperty({ type: [ContractVerdictDto], description: "each covering contract's own answer" })
  contracts!: readonly ContractVerdictDto[];
}
