import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { KA_TIERS, type KaTier } from '#domain';
import type { KaClient, KaClientContract } from '#read-models';
import { PlainText } from '../http/dto';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Query strings carry text: 'true' and 'false' become booleans, anything else fails @IsBoolean. */
export const QueryBoolean = () =>
  Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));

export class PageLimit {
  @ApiPropertyOptional({ description: 'items per page', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class KaClientsQueryDto extends PageLimit {
  @ApiPropertyOptional({ enum: KA_TIERS })
  @IsOptional()
  @IsIn(KA_TIERS)
  kaTier?: KaTier;

  @ApiPropertyOptional({ description: 'user id of the responsible salesperson', example: 'sam' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @PlainText()
  salesOwnerId?: string;

  @ApiPropertyOptional({ description: 'verified by compliance' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  verified?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  suspended?: boolean;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', format: 'uuid' })
  @IsOptional()
  @Matches(UUID, { message: '$property must be the nextCursor of a previous page' })
  cursor?: string;
}

export class KaClientCategoryDto {
  @ApiProperty({ example: 'beauty' })
  category!: string;
  @ApiProperty({
    enum: ['Requested', 'Approved', 'Rejected', 'Revoked', 'Expired'],
    description: 'Approved counts only up to validUntil',
  })
  status!: string;
  @ApiProperty({ format: 'date', description: 'last day the licence is valid' })
  validUntil!: string;
  @ApiProperty({ example: 'LIC-2026-0042' })
  licenceRef!: string;
}

export class EnabledLinkDto {
  @ApiProperty({ example: 'taobao' })
  platform!: string;
  @ApiProperty({ type: [String], example: ['beauty'] })
  categories!: readonly string[];
}

export class KaClientContractDto {
  @ApiProperty({ format: 'uuid' })
  contractId!: string;
  @ApiProperty({
    enum: ['Draft', 'Submitted', 'Approved', 'Rejected', 'Active', 'Suspended', 'Terminated', 'Expired'],
  })
  status!: string;
  @ApiProperty({ description: 'version of the terms in force: 1 as signed, +1 per approved amendment' })
  version!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'version an amendment awaiting decision would create' })
  pendingAmendmentVersion!: number | null;
  @ApiProperty({ example: 'CNY' })
  currency!: string;
  @ApiProperty({ description: 'contract value, integer minor units as a decimal string', example: '100000000' })
  totalValueMinor!: string;
  @ApiProperty({ description: 'budget held by campaigns' })
  allocatedMinor!: string;
  @ApiProperty({ description: 'billable spend reported by its campaigns (never more than their budgets)' })
  spentMinor!: string;
  @ApiProperty({ description: 'delivery reported beyond the campaigns budgets: not billable' })
  overdeliveredMinor!: string;
  @ApiProperty({ description: 'value not yet spent: totalValueMinor - spentMinor' })
  remainingMinor!: string;
  @ApiProperty({ description: 'value no campaign holds: totalValueMinor - allocatedMinor' })
  unallocatedMinor!: string;
  @ApiProperty({ format: 'date' })
  startsOn!: string;
  @ApiProperty({ format: 'date', description: 'last day of the term' })
  endsOn!: string;
  @ApiProperty({ type: [String] })
  categories!: readonly string[];
  @ApiProperty({ type: [String] })
  platforms!: readonly string[];
  @ApiProperty({
    type: [EnabledLinkDto],
    description: 'platforms with external links enabled, and for which categories',
  })
  enabledLinks!: readonly EnabledLinkDto[];
}

export class CampaignCountsDto {
  @ApiPropertyOptional() Draft?: number;
  @ApiPropertyOptional() Submitted?: number;
  @ApiPropertyOptional() Approved?: number;
  @ApiPropertyOptional() Rejected?: number;
  @ApiPropertyOptional() Live?: number;
  @ApiPropertyOptional() Paused?: number;
  @ApiPropertyOptional() PolicySuspended?: number;
  @ApiPropertyOptional() Completed?: number;
}

export class KaClientDto {
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty({ example: 'Glow Cosmetics Ltd' })
  legalName!: string;
  @ApiProperty()
  registrationNumber!: string;
  @ApiProperty({ enum: KA_TIERS })
  kaTier!: KaTier;
  @ApiProperty({ description: 'user id of the responsible salesperson' })
  salesOwnerId!: string;
  @ApiProperty({ enum: ['Pending', 'Verified', 'Rejected'] })
  verification!: string;
  @ApiProperty({ nullable: true, type: String })
  verificationRejectedReason!: string | null;
  @ApiProperty()
  suspended!: boolean;
  @ApiProperty({ nullable: true, type: String })
  suspensionReason!: string | null;
  @ApiProperty({ type: [KaClientCategoryDto], description: 'category approvals, each with its status and validity' })
  categories!: readonly KaClientCategoryDto[];
  @ApiProperty({ type: [KaClientContractDto] })
  contracts!: readonly KaClientContractDto[];
  @ApiProperty({ type: CampaignCountsDto, description: 'campaigns by status (statuses with none are left out)' })
  campaignCounts!: CampaignCountsDto;
  @ApiProperty({ format: 'date-time' })
  registeredAt!: string;
  @ApiProperty({ format: 'date-time', description: 'when the last change to this client was decided' })
  updatedAt!: string;
  @ApiProperty({ description: 'global position of the last event that changed this client', example: '1234' })
  position!: string;
}

export class KaClientPageDto {
  @ApiProperty({ type: [KaClientDto] })
  items!: readonly KaClientDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}

const contractDto = (contract: KaClientContract): KaClientContractDto => ({
  ...contract,
  enabledLinks: Object.entries(contract.enabledLinks)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([platform, categories]) => ({ platform, categories })),
});

/** The client as the API shows it: lists instead of maps, and without the per-campaign bookkeeping. */
export const kaClientDto = (client: KaClient): KaClientDto => ({
  advertiserId: client.advertiserId,
  legalName: client.legalName,
  registrationNumber: client.registrationNumber,
  kaTier: client.kaTier,
  salesOwnerId: client.salesOwnerId,
  verification: client.verification,
  verificationRejectedReason: client.verificationRejectedReason,
  suspended: client.suspended,
  suspensionReason: client.suspensionReason,
  categories: Object.entries(client.categories)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([category, approval]) => ({ category, ...approval })),
  contracts: Object.values(client.contracts)
    .sort((a, b) => (a.startsOn < b.startsOn ? -1 : a.startsOn > b.startsOn ? 1 : a.contractId < b.contractId ? -1 : 1))
    .map(contractDto),
  campaignCounts: { ...client.campaignCounts },
  registeredAt: client.registeredAt,
  updatedAt: client.updatedAt,
  position: client.position,
});
