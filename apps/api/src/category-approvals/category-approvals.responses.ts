import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** GET /v1/advertisers/{advertiserId}/category-approvals/{category}: the approval folded from its stream. */
export class CategoryApprovalResponse {
  @ApiProperty({ enum: ['Requested', 'Approved', 'Rejected', 'Revoked', 'Expired'] })
  status!: 'Requested' | 'Approved' | 'Rejected' | 'Revoked' | 'Expired';
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty({ example: 'beauty' })
  category!: string;
  @ApiPropertyOptional({ format: 'date', description: 'while requested or approved' })
  validUntil?: string;
  @ApiPropertyOptional({ description: 'while requested; four eyes: this user may not decide on it' })
  requestedBy?: string;
}
