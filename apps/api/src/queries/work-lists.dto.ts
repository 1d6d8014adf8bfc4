import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  KA_TIERS,
  SALES_CHANNELS,
  type CampaignStatus,
  type ContractStatus,
  type KaTier,
  type SalesChannel,
} from '#domain';
import type { InboxKind, Verification } from '#read-models';
import { MONEY, SLUG } from '../http/dto';
import { PageLimit, UUID } from './ka-clients.dto';

export const CONTRACT_STATUSES = [
  'Draft',
  'Submitted',
  'Approved',
  'Rejected',
  'Active',
  'Suspended',
  'Terminated',
  'Expired',
] as const satisfies readonly Exclude<ContractStatus, 'None'>[];
export const CAMPAIGN_STATUSES = [
  'Draft',
  'Submitted',
  'Approved',
  'Rejected',
  'Live',
  'Paused',
  'PolicySuspended',
  'Completed',
] as const satisfies readonly CampaignStatus[];
const VERIFICATIONS = ['Pending', 'Verified', 'Rejected'] as const satisfies readonly Verification[];
const INBOX_KINDS = ['contract', 'amendment', 'categoryApproval', 'campaign'] as const satisfies readonly InboxKind[];

const uuidMessage = { message: '$property must be a lowercase UUID' };
const slugMessage = { message: '$property must be a lowercase slug (a-z, 0-9, _; 2 to 32 characters)' };
const moneyMessage = { message: '$property must be a whole number of minor units, as a string of digits' };

/** The cursor a previous page handed out; checked when decoded (400 INVALID_CURSOR). */
export class CursorPage extends PageLimit {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  cursor?: string;
}

export class ContractListQueryDto extends CursorPage {
  @ApiPropertyOptional({ enum: CONTRACT_STATUSES })
  @IsOptional()
  @IsIn(CONTRACT_STATUSES)
  status?: (typeof CONTRACT_STATUSES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, uuidMessage)
  advertiserId?: string;

  @ApiPropertyOptional({ description: "user id of the advertiser's salesperson", example: 'sam' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  salesOwnerId?: string;

  @ApiPropertyOptional({ enum: SALES_CHANNELS, description: 'sold directly or through an agency' })
  @IsOptional()
  @IsIn(SALES_CHANNELS)
  channel?: SalesChannel;

  @ApiPropertyOptional({ description: 'the contract may enable links to this platform', pattern: SLUG.source })
  @IsOptional()
  @Matches(SLUG, slugMessage)
  platform?: string;

  @ApiPropertyOptional({ description: 'the contract covers this category', pattern: SLUG.source })
  @IsOptional()
  @Matches(SLUG, slugMessage)
  category?: string;

  @ApiPropertyOptional({ example: 'CNY', pattern: '^[A-Z]{3}$' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code such as CNY' })
  currency?: string;

  @ApiPropertyOptional({ description: 'total value at least this (minor units)', pattern: MONEY.source })
  @IsOptional()
  @Matches(MONEY, moneyMessage)
  minValueMinor?: string;

  @ApiPropertyOptional({ description: 'total value at most this (minor units)', pattern: MONEY.source })
  @IsOptional()
  @Matches(MONEY, moneyMessage)
  maxValueMinor?: string;

  @ApiPropertyOptional({
    description: 'last day of the term between today (UTC) and today + N days',
    minimum: 0,
    maximum: 3660,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3660)
  endingWithinDays?: number;
}

export class CampaignListQueryDto extends CursorPage {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, uuidMessage)
  contractId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(UUID, uuidMessage)
  advertiserId?: string;

  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;

  @ApiPropertyOptional({ description: 'platform of the link target', pattern: SLUG.source })
  @IsOptional()
  @Matches(SLUG, slugMessage)
  platform?: string;
}

export class AdvertiserListQueryDto extends CursorPage {
  @ApiPropertyOptional({ enum: KA_TIERS })
  @IsOptional()
  @IsIn(KA_TIERS)
  kaTier?: KaTier;

  @ApiPropertyOptional({ enum: VERIFICATIONS })
  @IsOptional()
  @IsIn(VERIFICATIONS)
  verification?: Verification;

  @ApiPropertyOptional({ example: 'sam' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  salesOwnerId?: string;

  @ApiPropertyOptional({
    description:
      'part of the legal name or the registration number; case- and width-insensitive (NFKC and case folding), CJK included',
    example: '美妆',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}

export class ContractListItemDto {
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ format: 'uuid' }) advertiserId!: string;
  @ApiProperty({ example: 'sam' }) salesOwnerId!: string;
  @ApiProperty({ enum: SALES_CHANNELS }) channel!: string;
  @ApiProperty({ enum: CONTRACT_STATUSES }) status!: string;
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ description: 'integer minor units as a decimal string', example: '100000000' })
  totalValueMinor!: string;
  @ApiProperty({ format: 'date' }) startsOn!: string;
  @ApiProperty({ format: 'date', description: 'last day of the term' }) endsOn!: string;
  @ApiProperty({ type: [String] }) categories!: string[];
  @ApiProperty({ type: [String] }) platforms!: string[];
  @ApiProperty({ type: Number, nullable: true, description: 'version of an amendment awaiting decision' })
  pendingAmendmentVersion!: number | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'log position of the last event that changed the row', pattern: '^[0-9]+$' })
  position!: string;
}

export class CampaignListItemDto {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ format: 'uuid' }) advertiserId!: string;
  @ApiProperty() salesOwnerId!: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status!: string;
  @ApiProperty({ example: 'beauty' }) category!: string;
  @ApiProperty({ type: String, nullable: true, description: 'platform of the link target, if any' })
  platform!: string | null;
  @ApiProperty({ description: 'minor units' }) budgetMinor!: string;
  @ApiProperty({ description: 'reported spend, minor units' }) spentMinor!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ pattern: '^[0-9]+$' }) position!: string;
}

export class AdvertiserListItemDto {
  @ApiProperty({ format: 'uuid' }) advertiserId!: string;
  @ApiProperty({ example: '深圳市美妆有限公司' }) legalName!: string;
  @ApiProperty() registrationNumber!: string;
  @ApiProperty({ enum: KA_TIERS }) kaTier!: string;
  @ApiProperty() salesOwnerId!: string;
  @ApiProperty({ enum: VERIFICATIONS }) verification!: string;
  @ApiProperty() suspended!: boolean;
  @ApiProperty({ format: 'date-time' }) registeredAt!: string;
  @ApiProperty({ pattern: '^[0-9]+$' }) position!: string;
}

export class InboxItemDto {
  @ApiProperty({ enum: INBOX_KINDS }) kind!: string;
  @ApiProperty({ description: 'contract or campaign id, or <advertiserId>_<category> for a category approval' })
  subjectId!: string;
  @ApiProperty({ format: 'uuid' }) advertiserId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) contractId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) campaignId!: string | null;
  @ApiProperty({ type: String, nullable: true }) category!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: "the amendment's version" }) version!: number | null;
  @ApiProperty({ description: 'who submitted, proposed or requested it' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) waitingSince!: string;
  @ApiProperty({ description: 'whole seconds waiting, at the time of the query' }) ageSeconds!: number;
}

const pageDescription = 'null on the last page; otherwise pass as `cursor` for the next one';

export class ContractListPageDto {
  @ApiProperty({ type: [ContractListItemDto] }) items!: ContractListItemDto[];
  @ApiProperty({ type: String, nullable: true, description: pageDescription }) nextCursor!: string | null;
}

export class CampaignListPageDto {
  @ApiProperty({ type: [CampaignListItemDto] }) items!: CampaignListItemDto[];
  @ApiProperty({ type: String, nullable: true, description: pageDescription }) nextCursor!: string | null;
}

export class AdvertiserListPageDto {
  @ApiProperty({ type: [AdvertiserListItemDto] }) items!: AdvertiserListItemDto[];
  @ApiProperty({ type: String, nullable: true, description: pageDescription }) nextCursor!: string | null;
}

export class InboxPageDto {
  @ApiProperty({ type: [InboxItemDto], description: 'oldest first' }) items!: InboxItemDto[];
  @ApiProperty({ type: String, nullable: true, description: pageDescription }) nextCursor!: string | null;
}
