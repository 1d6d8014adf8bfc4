import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsNotEmpty, IsObject, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { AD_LABEL_MAX_LENGTH } from '#domain';
import { LowercaseUuid, MinorUnits, Omittable, PlainText, Reason, Slug } from '../http/dto';

const UTC_INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;

/** An ISO-8601 instant in UTC (`Z`), naming a moment that exists (no 30 February). */
const UtcInstant = (description: string, example: string) =>
  applyDecorators(
    ApiProperty({ description: `${description}; ISO-8601 UTC`, format: 'date-time', example }),
    IsString({ message: '$property must be an ISO-8601 UTC instant such as 2027-01-01T00:00:00Z' }),
    Matches(UTC_INSTANT, { message: '$property must be an ISO-8601 UTC instant such as 2027-01-01T00:00:00Z' }),
    IsISO8601({ strict: true }, { message: '$property must name a date and time that exist' }),
  );

const Id = (description: string) =>
  applyDecorators(ApiProperty({ description: `${description} (lowercase UUID)`, format: 'uuid' }), LowercaseUuid());

export class LinkTargetDto {
  @Slug('a registered link platform enabled on the contract for the campaign category', 'taobao')
  platform!: string;

  @ApiProperty({
    description: "https URL whose host is one of the platform's allowed domains or a subdomain of one",
    example: 'https://shop.taobao.com/item?id=42',
    maxLength: 2048,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  @PlainText()
  url!: string;
}

export class CreateCampaignDto {
  @ApiPropertyOptional({
    description:
      'client-chosen id (lowercase UUID); without one the server derives it from the Idempotency-Key, or picks one',
    format: 'uuid',
  })
  @Omittable()
  @LowercaseUuid()
  campaignId?: string;

  @Id('the active contract whose value funds the campaign')
  contractId!: string;

  @Id("the contract's advertiser")
  advertiserId!: string;

  @Slug('a category on the contract, approved for the advertiser', 'beauty')
  category!: string;

  @MinorUnits("budget allocated from the contract's remaining value", '300000')
  budgetMinor!: string;

  @UtcInstant('when the campaign may start serving; within the contract term', '2027-01-01T00:00:00Z')
  startsAt!: string;

  @UtcInstant('when it stops (exclusive); within the contract term', '2027-02-01T00:00:00Z')
  endsAt!: string;

  @ApiPropertyOptional({ type: LinkTargetDto, description: 'outbound shopping link; needs the link enabled' })
  @Omittable()
  @IsObject()
  @ValidateNested()
  @Type(() => LinkTargetDto)
  linkTarget?: LinkTargetDto;

  @ApiProperty({ description: 'the visible ad label', example: 'Ad', maxLength: AD_LABEL_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(AD_LABEL_MAX_LENGTH)
  @PlainText()
  adLabel!: string;
}

export class CampaignBudgetDto {
  @MinorUnits('the new budget; a raise is allocated from the contract, a cut is given back', '400000')
  budgetMinor!: string;
}

export class SpendReportDto {
  @ApiProperty({
    description: 'the batch id ad serving assigned; a batch reported twice is recorded once',
    maxLength: 128,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @PlainText()
  batchId!: string;

  @MinorUnits('spend in the batch', '12500')
  amountMinor!: string;

  @UtcInstant('start of the period the batch covers', '2027-01-05T00:00:00Z')
  periodStart!: string;

  @UtcInstant('end of the period the batch covers', '2027-01-05T01:00:00Z')
  periodEnd!: string;
}

export class PolicySuspensionDto {
  @Reason('the policy event that forces the suspension, such as a revoked category approval')
  cause!: string;
}
