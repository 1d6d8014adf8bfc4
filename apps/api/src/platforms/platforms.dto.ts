import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PlainText } from '../http/dto';

export class RegisterPlatformDto {
  @ApiProperty({ example: 'Taobao' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @PlainText()
  displayName!: string;

  @ApiProperty({ description: 'hosts ads may link to; subdomains are included', example: ['taobao.com', 'tmall.com'] })
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  @PlainText({ each: true })
  allowedDomains!: string[];
}

export class ChangeDomainsDto {
  @ApiProperty({ example: ['taobao.com'] })
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  @PlainText({ each: true })
  allowedDomains!: string[];
}

export class LinkEligibleCategoryDto {
  @ApiProperty({ description: 'regulated categories need a licence reference on approval', example: false })
  @IsBoolean()
  regulated!: boolean;
}

export class CommercialLoadCapDto {
  @ApiProperty({ description: 'share of the feed paid content may take, in basis points (1500 = 15%)', example: 1500 })
  @IsInt()
  @Min(1)
  @Max(10_000)
  basisPoints!: number;
}
