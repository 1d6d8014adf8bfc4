import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ContractTermsResponse {
  @ApiProperty({ example: 'CNY', description: 'ISO 4217' })
  currency!: string;
  @ApiProperty({ example: '100000000', description: 'integer minor units as a decimal string' })
  totalValueMinor!: string;
  @ApiProperty({ format: 'date' })
  startsOn!: string;
  @ApiProperty({ format: 'date' })
  endsOn!: string;
  @ApiProperty({ type: [String], example: ['beauty'] })
  categories!: string[];
  @ApiProperty({ type: [String], example: ['taobao', 'jd'] })
  platforms!: string[];
}

export class AmendmentChangesResponse {
  @ApiPropertyOptional({ example: '120000000' })
  totalValueMinor?: string;
  @ApiPropertyOptional({ format: 'date' })
  endsOn?: string;
  @ApiPropertyOptional({ type: [String] })
  categories?: string[];
  @ApiPropertyOptional({ type: [String] })
  platforms?: string[];
}

export class PendingAmendmentResponse {
  @ApiProperty({ example: 2 })
  version!: number;
  @ApiProperty({ type: AmendmentChangesResponse })
  changes!: AmendmentChangesResponse;
  @ApiProperty()
  proposedBy!: string;
}

/** GET /v1/contracts/{contractId}: the contract folded from its stream. */
export class ContractResponse {
  @ApiProperty({ enum: ['Draft', 'Submitted', 'Approved', 'Rejected', 'Active', 'Suspended', 'Terminated', 'Expired'] })
  status!: string;
  @ApiProperty({ format: 'uuid' })
  contractId!: string;
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty({ type: ContractTermsResponse })
  terms!: ContractTermsResponse;
  @ApiProperty({ description: '1 for the terms as first approved; each approved amendment is the next', example: 1 })
  version!: number;
  @ApiProperty({ type: [String], description: 'who drafted, revised or submitted it (four eyes)' })
  authors!: string[];
  @ApiProperty({ type: PendingAmendmentResponse, nullable: true })
  pendingAmendment!: PendingAmendmentResponse | null;
  @ApiProperty({
    description: 'platform -> categories enabled for external links',
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { taobao: ['beauty'] },
  })
  enabledLinks!: Record<string, string[]>;
  @ApiProperty({
    description: 'campaign id -> minor units it holds',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  allocations!: Record<string, string>;
}
