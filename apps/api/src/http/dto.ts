import { HttpCode, Post, UseInterceptors, applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProperty, ApiResponse } from '@nestjs/swagger';
import {
  IsISO8601,
  IsLowercase,
  IsNotEmpty,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import type { DomainCommandType } from '#domain';
import { parsePosition } from '#event-store';
import { Issues } from './auth.guard';
import { WriteInterceptor } from './write.interceptor';

export const SLUG = /^[a-z][a-z0-9_]{1,31}$/;
export const MONEY = /^(0|[1-9][0-9]{0,17})$/;
export const CALENDAR_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

export const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const CONTROL_BUT_LINE_BREAK_OR_TAB_OR_LONE_SURROGATE = /(?![\n\t])[\p{Cc}\p{Cs}]/u;

/**
 * Text a person can read: no control characters (NUL above all, which PostgreSQL refuses to store
 * in jsonb) and no unpaired UTF-16 surrogates (not a character, and not encodable in UTF-8). Every
 * free-text field carries it, so such input is a 400 naming the field, never a failure at storage.
 * `multiline` lets line feeds and tabs through, for reasons and other prose.
 */
export const PlainText = (options: { multiline?: boolean } & ValidationOptions = {}) => {
  const { multiline, ...validationOptions } = options;
  const forbidden = multiline ? CONTROL_BUT_LINE_BREAK_OR_TAB_OR_LONE_SURROGATE : CONTROL_OR_LONE_SURROGATE;
  return ValidateBy(
    {
      name: 'plainText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !forbidden.test(value),
        defaultMessage: () =>
          `$property must not contain control characters${multiline ? ' (other than line feeds and tabs)' : ''} or unpaired surrogates`,
      },
    },
    validationOptions,
  );
};

/** A global position of the log as text: digits, no larger than any store can hand out. */
export const IsPosition = (message: string) =>
  ValidateBy({
    name: 'position',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parsePosition(value) !== undefined,
      defaultMessage: () => message,
    },
  });

/** A user id as a token subject spells it: visible characters only (see subjectOf in tokens.ts). */
export const UserIdText = () =>
  Matches(/^[^\p{C}\p{Z}\s]*$/u, {
    message: '$property must be a user id: no spaces, control or invisible characters',
  });

/**
 * Optional in a body means absent. IsOptional also skips `null`, which then reaches the command as a
 * value nobody checked (a `"linkTarget": null` became a 500); here `null` is validated, and refused.
 */
export const Omittable = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** A trimmed, non-empty, bounded free text such as a reason. */
export const Reason = (description = 'why; kept in the audit trail') =>
  applyDecorators(
    ApiProperty({ description, maxLength: 1000, example: 'licence withdrawn by the regulator' }),
    IsString(),
    IsNotEmpty(),
    MaxLength(1000),
    PlainText({ multiline: true }),
  );

export const Slug = (description: string, example: string) =>
  applyDecorators(
    ApiProperty({ description, pattern: SLUG.source, example }),
    IsString(),
    Matches(SLUG, { message: '$property must be a lowercase slug (a-z, 0-9, _; 2 to 32 characters)' }),
  );

export const MinorUnits = (description: string, example = '1500000') =>
  applyDecorators(
    ApiProperty({
      description: `${description}; integer minor units as a decimal string`,
      pattern: MONEY.source,
      example,
    }),
    IsString({ message: '$property must be a string of digits (integer minor units; no floats)' }),
    Matches(MONEY, { message: '$property must be a non-negative whole number of minor units, as a string' }),
  );

/** Ids name streams, so only the lowercase spelling is accepted: one id, one stream. */
export const LowercaseUuid = () =>
  applyDecorators(
    IsUUID('all', { message: '$property must be a UUID' }),
    IsLowercase({ message: '$property must be written in lowercase' }),
  );

/** A calendar date: the right shape and a day that exists (no 2027-02-30), so the domain sees only real dates. */
export const CalendarDateField = (description: string, example: string) =>
  applyDecorators(
    ApiProperty({ description: `${description} (YYYY-MM-DD)`, format: 'date', example }),
    IsString({ message: '$property must be a date written YYYY-MM-DD' }),
    Matches(CALENDAR_DATE, { message: '$property must be a date written YYYY-MM-DD' }),
    IsISO8601({ strict: true }, { message: '$property must be a calendar date that exists' }),
  );

export class ReasonDto {
  @Reason()
  reason!: string;
}

export class WriteResponseDto {
  @ApiProperty({ description: 'id of the resource written' })
  id!: string;
  @ApiProperty({ description: "the stream's revision after the write (also in ETag)", example: '3' })
  revision!: string;
  @ApiProperty({
    description: 'global position of the last event written (also in X-Event-Position); null when nothing was written',
    nullable: true,
    type: String,
  })
  position!: string | null;
  @ApiProperty({ description: 'types of the events recorded', example: ['ContractApproved'] })
  events!: string[];
}

/** A route that records a command: shared response handling (ETag, position, idempotency) and docs. */
export const WriteRoute = (created = false) =>
  applyDecorators(
    UseInterceptors(WriteInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'retries with the same key return the first response and record nothing',
    }),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'the ETag last read (W/"<revision>"); a stale one gets 412',
    }),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: 'stored with the events; generated when absent',
    }),
    // The error responses (problem+json) are added to every route by infrastructure/openapi.ts.
    ApiResponse({ status: created ? 201 : 200, type: WriteResponseDto, description: 'recorded' }),
  );

/** A state transition posted as a sub-resource (DESIGN.md section 6): POST, 200, its command's roles, its docs. */
export const Transition = (path: string, command: DomainCommandType, summary: string) =>
  applyDecorators(Post(path), HttpCode(200), Issues(command), WriteRoute(), ApiOperation({ summary }));
