import { ApiProperty } from '@nestjs/swagger';

/** GET /v1/platform-policy: the policy folded from its stream. */
export class LinkPolicyResponse {
  @ApiProperty({
    description: 'registered platforms by id, suspended ones included (a suspended platform denies every link)',
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['platform', 'suspended', 'allowedDomains'],
      properties: {
        platform: { type: 'string' },
        suspended: { type: 'boolean' },
        allowedDomains: { type: 'array', items: { type: 'string' } },
      },
    },
    example: { taobao: { platform: 'taobao', suspended: false, allowedDomains: ['taobao.com', 'tmall.com'] } },
  })
  platforms!: Record<string, { platform: string; suspended: boolean; allowedDomains: string[] }>;
  @ApiProperty({
    description: 'categories eligible for external links, by slug',
    type: 'object',
    additionalProperties: { type: 'object', required: ['regulated'], properties: { regulated: { type: 'boolean' } } },
    example: { beauty: { regulated: false } },
  })
  linkEligibleCategories!: Record<string, { regulated: boolean }>;
  @ApiProperty({ description: 'paid content cap, in basis points of the feed', example: 1500 })
  commercialLoadCapBasisPoints!: number;
}
