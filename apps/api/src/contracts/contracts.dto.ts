import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsDefined,
  IsIn,
  IsObject,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { SALES_CHANNELS, type SalesChannel } from '#domain';
import { CalendarDateField, LowercaseUuid, MinorUnits, Omittable, Slug, SLUG } from '../http/dto';

/** Goes above the field's own decorators so that it documents the field as optional. */
const Optional = () => applyDecorators(Omittable(), ApiPropertyOptional());

const Slugs = (description: string, example: string[]) =>
  applyDecorators(
    ApiProperty({ description, type: [String], example, items: { type: 'string', pattern: SLUG.source } }),
    ArrayNotEmpty(),
    ArrayMaxSize(100),
    ArrayUnique(),
    IsString({ each: true }),
    Matches(SLUG, {
      each: true,
      message: 'each of $property must be a lowercase slug (a-z, 0-9, _; 2 to 32 characters)',
    }),
  );

const Currency = () =>
  applyDecorators(
    ApiProperty({ description: 'ISO 4217 currency code', example: 'CNY', pattern: '^[A-Z]{3}$' }),
    IsString(),
    Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code of three capital letters' }),
  );

export class DraftContractDto {
  @ApiPropertyOptional({
    description: 'client-chosen id (lowercase UUID); the server picks one when absent',
    format: 'uuid',
  })
  @Omittable()
  @LowercaseUuid()
  contractId?: string;

  @ApiProperty({ description: 'the registered advertiser the contract is with; never changes', format: 'uuid' })
  @LowercaseUuid()
  advertiserId!: string;

  @Currency()
  currency!: string;

  @MinorUnits('total contract value')
  totalValueMinor!: string;

  @CalendarDateField('first day of the contract', '2027-01-01')
  startsOn!: string;

  @CalendarDateField('last day of the contract; at most 36 months after the start', '2027-12-31')
  endsOn!: string;

  @Slugs('product categories the contract covers', ['beauty'])
  categories!: string[];

  @Slugs('partner platforms the contract may enable external links to', ['taobao', 'jd'])
  platforms!: string[];

  // No OpenAPI default: generators would make the field required in the request type.
  @ApiPropertyOptional({ enum: SALES_CHANNELS, description: 'sold directly or through an agency (direct when absent)' })
  @Omittable()
  @IsIn(SALES_CHANNELS)
  channel?: SalesChannel;
}

/** Only the terms to change; the advertiser is not among them. */
export class ReviseContractDto {
  @Optional()
  @Currency()
  currency?: string;

  @Optional()
  @MinorUnits('total contract value')
  totalValueMinor?: string;

  @Optional()
  @CalendarDateField('first day of the contract', '2027-01-01')
  startsOn?: string;

  @Optional()
  @CalendarDateField('last day of the contract', '2027-12-31')
  endsOn?: string;

  @Optional()
  @Slugs('product categories the contract covers (replaces the list)', ['beauty'])
  categories?: string[];

  @Optional()
  @Slugs('partner platforms (replaces the list)', ['taobao', 'jd'])
  platforms?: string[];
}

/** Once signed, the currency and the start date stay as agreed. */
export class AmendmentChangesDto {
  @Optional()
  @MinorUnits('new total contract value')
  totalValueMinor?: string;

  @Optional()
  @CalendarDateField('new last day of the contract', '2028-06-30')
  endsOn?: string;

  @Optional()
  @Slugs('new list of product categories', ['beauty', 'fashion'])
  categories?: string[];

  @Optional()
  @Slugs('new list of partner platforms', ['taobao', 'jd'])
  platforms?: string[];
}

export class ProposeAmendmentDto {
  @ApiProperty({ type: AmendmentChangesDto, description: 'the terms to change, and only those' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AmendmentChangesDto)
  changes!: AmendmentChangesDto;
}

export class EnableExternalLinkDto {
  @Slug('a platform on the contract', 'taobao')
  platform!: string;

  @Slugs('categories links to that platform may carry; replaces the set enabled before', ['beauty'])
  categories!: string[];
}
