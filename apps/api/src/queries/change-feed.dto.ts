import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { POSITION_PATTERN } from '#event-store';
import { DENY_REASONS, SERVING_REASONS } from '#read-models';
import { IsPosition } from '../http/dto';
import { MAX_WAIT_MS } from './change-feed';

export class ChangeFeedQueryDto {
  @ApiPropertyOptional({
    description:
      'resume after this position: `next` of the previous answer, the id of the last event received, or the X-Projection-Position of a snapshot read with GET /v1/link-permissions (default 0: from the beginning)',
    pattern: POSITION_PATTERN.source,
    example: '0',
  })
  @IsOptional()
  @IsPosition('$property must be a position (decimal digits)')
  after?: string;

  @ApiPropertyOptional({
    description: 'changes per answer (a position is never split, so an answer may hold a few more)',
    minimum: 1,
    maximum: 1000,
    default: 200,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({
    description: 'long-poll: when nothing is waiting, hold the request up to this many milliseconds for a change',
    minimum: 0,
    maximum: MAX_WAIT_MS,
    default: 0,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_MS)
  waitMs?: number;
}

export class FeedPermissionDto {
  @ApiProperty({
    description: 'allowed as projected; also check validFrom/contractEndsOn/categoryValidUntil against the day',
  })
  allowed!: boolean;
  @ApiProperty({ enum: DENY_REASONS, isArray: true }) reasons!: readonly string[];
  @ApiProperty({ type: [String], example: ['taobao.com', 'tmall.com'] }) allowedDomains!: readonly string[];
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({ format: 'date' }) validUntil!: string;
  @ApiProperty({ format: 'date' }) contractEndsOn!: string;
  @ApiProperty({ format: 'date', type: String, nullable: true }) categoryValidUntil!: string | null;
  @ApiProperty() adLabelRequired!: boolean;
  @ApiProperty() regulated!: boolean;
  @ApiProperty({ type: String, nullable: true }) licenceRef!: string | null;
}

export class PermissionChangeDto {
  @ApiProperty({ description: 'log position of the event behind the change', pattern: '^[0-9]+$' })
  position!: string;
  @ApiProperty({ format: 'uuid' }) advertiserId!: string;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ example: 'taobao' }) platform!: string;
  @ApiProperty({ example: 'beauty' }) category!: string;
  @ApiProperty({ description: 'the permission row is gone (its platform or category left the contract)' })
  removed!: boolean;
  @ApiProperty({ type: FeedPermissionDto, nullable: true, description: 'the row as it is now; null when removed' })
  permission!: FeedPermissionDto | null;
}

export class PermissionChangePageDto {
  @ApiProperty({ type: [PermissionChangeDto], description: 'in position order' })
  changes!: PermissionChangeDto[];
  @ApiProperty({ description: 'pass as `after` next time', pattern: '^[0-9]+$' })
  next!: string;
  @ApiProperty({ description: 'more changes are already waiting: ask again at once' })
  more!: boolean;
}

export class LinkTargetDto {
  @ApiProperty({ example: 'taobao' }) platform!: string;
  @ApiProperty({ example: 'https://item.taobao.com/item.htm?id=7' }) url!: string;
}

export class CampaignServingDto {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({
    enum: ['Draft', 'Submitted', 'Approved', 'Rejected', 'Live', 'Paused', 'PolicySuspended', 'Completed'],
  })
  status!: string;
  @ApiProperty({ description: 'Live, and now within its flight (startsAt inclusive, endsAt exclusive)' })
  live!: boolean;
  @ApiProperty({ description: 'reported spend is below the budget' }) withinBudget!: boolean;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'its link target may be shown now; null without a link target',
  })
  linkAllowed!: boolean | null;
  @ApiProperty({ description: 'live, within budget and its link (if any) allowed: deliver it as created' })
  serve!: boolean;
  @ApiProperty({ enum: SERVING_REASONS, isArray: true, description: 'empty when serve; otherwise every reason' })
  reasons!: readonly string[];
  @ApiProperty({ description: 'minor units' }) budgetMinor!: string;
  @ApiProperty({ description: 'minor units' }) spentMinor!: string;
  @ApiProperty({ description: 'minor units, never negative' }) remainingMinor!: string;
  @ApiProperty({ type: LinkTargetDto, nullable: true }) linkTarget!: LinkTargetDto | null;
  @ApiProperty() adLabelRequired!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'licence to show beside the label (regulated categories)' })
  licenceRef!: string | null;
  @ApiProperty({
    pattern: '^[0-9]+$',
    description: 'both read models (campaigns, link permissions) include this position',
  })
  position!: string;
}
