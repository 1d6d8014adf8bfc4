import { ApiProperty } from '@nestjs/swagger';
import { KA_TIERS } from '#domain';

/** GET /v1/advertisers/{advertiserId}: the advertiser folded from its stream. */
export class AdvertiserResponse {
  @ApiProperty({ enum: ['Registered'] })
  status!: 'Registered';
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty({ example: 'Glow Cosmetics Co., Ltd.' })
  legalName!: string;
  @ApiProperty({ example: 'REG-001' })
  registrationNumber!: string;
  @ApiProperty({ enum: KA_TIERS })
  kaTier!: string;
  @ApiProperty()
  salesOwnerId!: string;
  @ApiProperty({ description: 'four eyes: this user may not verify the advertiser' })
  registeredBy!: string;
  @ApiProperty({ enum: ['Pending', 'Verified', 'Rejected'] })
  verification!: 'Pending' | 'Verified' | 'Rejected';
  @ApiProperty({ description: 'independent of verification' })
  suspended!: boolean;
}
