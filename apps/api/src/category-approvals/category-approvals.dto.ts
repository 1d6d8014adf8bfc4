import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { CalendarDateField, PlainText, Slug } from '../http/dto';

export class RequestCategoryApprovalDto {
  @Slug('a link-eligible product category', 'beauty')
  category!: string;

  @ApiProperty({ description: 'the licence or certificate covering the category', example: 'NMPA-2026-00417' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @PlainText()
  licenceRef!: string;

  @CalendarDateField('last day the licence is valid; after it the approval lapses', '2028-12-31')
  validUntil!: string;
}
