import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CampaignLinkTargetResponse {
  @ApiProperty({ example: 'taobao' })
  platform!: string;
  @ApiProperty({ format: 'uri', example: 'https://shop.taobao.com/item?id=42' })
  url!: string;
}

/** GET /v1/campaigns/{campaignId}: the campaign folded from its stream. */
export class CampaignResponse {
  @ApiProperty({
    enum: ['Draft', 'Submitted', 'Approved', 'Rejected', 'Live', 'Paused', 'PolicySuspended', 'Completed'],
  })
  status!: string;
  @ApiProperty({ format: 'uuid' })
  campaignId!: string;
  @ApiProperty({ format: 'uuid' })
  contractId!: string;
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty({ example: 'beauty' })
  category!: string;
  @ApiProperty({ example: '5000000' })
  budgetMinor!: string;
  @ApiProperty({ format: 'date-time' })
  startsAt!: string;
  @ApiProperty({ format: 'date-time' })
  endsAt!: string;
  @ApiPropertyOptional({ type: CampaignLinkTargetResponse })
  linkTarget?: CampaignLinkTargetResponse;
  @ApiProperty({ example: 'Ad' })
  adLabel!: string;
  @ApiProperty({ description: 'four eyes: may not review the campaign' })
  createdBy!: string;
  @ApiPropertyOptional({ description: 'four eyes: may not review the campaign' })
  submittedBy?: string;
  @ApiProperty({ example: '125000' })
  spentMinor!: string;
  @ApiProperty({
    description: 'recorded spend batches by batchId',
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['amountMinor', 'periodStart', 'periodEnd'],
      properties: {
        amountMinor: { type: 'string' },
        periodStart: { type: 'string', format: 'date-time' },
        periodEnd: { type: 'string', format: 'date-time' },
      },
    },
  })
  spendBatches!: Record<string, { amountMinor: string; periodStart: string; periodEnd: string }>;
}
