import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Type } from '@nestjs/common';

class FieldErrors {
  @ApiProperty({ example: 'totalValueMinor' })
  field!: string;
  @ApiProperty({
    type: [String],
    example: ['totalValueMinor must be a string of digits (integer minor units; no floats)'],
  })
  messages!: string[];
}

/** The body of every error (RFC 9457 application/problem+json); mirrors `Problem` in problem.ts. */
export class ProblemDetails {
  @ApiProperty({ description: 'a URI naming the problem type', example: 'urn:ka:problem:four-eyes' })
  type!: string;
  @ApiProperty({ description: 'the HTTP status phrase', example: 'Conflict' })
  title!: string;
  @ApiProperty({ type: 'integer', example: 409 })
  status!: number;
  @ApiPropertyOptional({
    description: 'what went wrong, for people',
    example: 'four eyes: the submitter cannot approve',
  })
  detail?: string;
  @ApiPropertyOptional({ description: 'stable and machine-readable; clients branch on it', example: 'FOUR_EYES' })
  code?: string;
  @ApiPropertyOptional({ description: 'the request path', example: '/v1/contracts/0b9f.../approval' })
  instance?: string;
  @ApiPropertyOptional({ type: [FieldErrors], description: 'with VALIDATION_FAILED: the messages per field' })
  errors?: FieldErrors[];
}

/** Response headers, described once and referenced from every response that carries them. */
export const RESPONSE_HEADERS = {
  ETag: { description: 'the stream revision the body reflects, W/"<revision>"; send it back in If-Match' },
  'X-Event-Position': { description: 'global log position of the last event written; send it as X-Min-Position' },
  Location: { description: 'the created resource' },
  'Idempotent-Replayed': { description: '"true" when this is the stored answer to an earlier request with the key' },
  'Retry-After': { description: 'seconds to wait before retrying' },
  'X-Correlation-Id': { description: "the request's correlation id (taken from the request or generated)" },
} as const;

export type ResponseHeader = keyof typeof RESPONSE_HEADERS;

/** A header object referring to the shared component (openapi.ts registers them). */
export const headerRef = (name: ResponseHeader) => ({ $ref: `#/components/headers/${name}` });

/** A resource read from its stream: the body's schema, and the ETag a later write can send as If-Match. */
export const ApiResource = (type: Type<unknown>, description: string) =>
  applyDecorators(ApiOkResponse({ type, description, headers: { ETag: headerRef('ETag') } as never }));
