import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { epochMs } from '#domain';
import { POSITION_PATTERN } from '#event-store';
import { IsPosition, LowercaseUuid, PlainText } from '../http/dto';
import { ANOMALY_REASONS, BREAK_REASONS } from './chain-verifier';
import { CHECKPOINT_ENTRY, CHECKPOINT_FORMAT, PROBLEM_KINDS, type CheckpointScope } from './checkpoints';
import { EXPORT_COLUMNS, EXPORT_FORMATS, type ExportFormat } from './export-format';

export const STREAM_ID = /^[A-Za-z][A-Za-z0-9]{0,63}-[A-Za-z0-9_.:-]{1,200}$/;
const CATEGORY = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const EVENT_TYPE = /^[A-Z][A-Za-z0-9]{0,99}$/;

/** A repeatable query parameter that also takes a comma-separated list: ?eventType=A,B&eventType=C. */
const QueryList = () =>
  Transform(({ value }: { value: unknown }) =>
    value === undefined
      ? undefined
      : [value]
          .flat()
          .flatMap((item) => String(item).split(','))
          .map((item) => item.trim())
          .filter((item) => item !== ''),
  );

const UtcInstant = () =>
  ValidateBy({
    name: 'utcInstant',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && epochMs(value) !== undefined,
      defaultMessage: () => '$property must be a UTC instant such as 2027-03-01T12:00:00Z',
    },
  });

const PositionParam = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ description, pattern: POSITION_PATTERN.source, example: '8589934593' }),
    IsOptional(),
    IsString(),
    IsPosition('$property must be a global position (digits)'),
  );

/** The filters shared by the event list and the export. */
export class LogFilterQueryDto {
  @ApiPropertyOptional({ description: 'one stream id', example: 'contract-0c6f4c1e-8f0e-4b9a-9a7e-3f7d1c2b5a10' })
  @IsOptional()
  @IsString()
  @Matches(STREAM_ID, { message: '$property must be a stream id such as contract-<uuid>' })
  stream?: string;

  @ApiPropertyOptional({
    description: 'stream categories (the part of the stream id before the first "-"); repeat or comma-separate',
    type: [String],
    example: ['contract', 'campaign'],
  })
  @IsOptional()
  @QueryList()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(CATEGORY, { each: true, message: 'each category must be a stream category such as contract' })
  category?: string[];

  @ApiPropertyOptional({
    description: 'event types; repeat or comma-separate',
    type: [String],
    example: ['ContractApproved', 'ContractAmendmentApproved'],
  })
  @IsOptional()
  @QueryList()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(EVENT_TYPE, { each: true, message: 'each eventType must be an event type such as ContractApproved' })
  eventType?: string[];

  @ApiPropertyOptional({
    description:
      "the advertiser's whole history: its own stream, its category approvals, and the contracts and campaigns recorded for it",
    format: 'uuid',
  })
  @IsOptional()
  @LowercaseUuid()
  advertiserId?: string;

  @ApiPropertyOptional({
    description: 'user id of whoever issued the command (metadata.actor.userId)',
    example: 'dana',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @PlainText()
  actor?: string;

  @ApiPropertyOptional({ description: 'metadata.recordedAt at or after (UTC)', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @UtcInstant()
  recordedFrom?: string;

  @ApiPropertyOptional({ description: 'metadata.recordedAt at or before (UTC)', example: '2027-12-31T23:59:59Z' })
  @IsOptional()
  @UtcInstant()
  recordedTo?: string;

  @PositionParam('first global position to include')
  fromPosition?: string;

  @PositionParam('last global position to include')
  toPosition?: string;
}

export class EventsQueryDto extends LogFilterQueryDto {
  @ApiPropertyOptional({ description: '`next` of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @IsPosition('$property must be the `next` of a previous page')
  cursor?: string;

  @ApiPropertyOptional({ description: 'events per page', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ExportQueryDto extends LogFilterQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'ndjson' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;

  @ApiPropertyOptional({
    description:
      'csv only. true (default): a cell starting with =, +, -, @, a tab or a carriage return is prefixed with an apostrophe, so a spreadsheet shows it as text instead of running it as a formula. false: cells exactly as stored, for programs.',
    default: true,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: '$property must be true or false' })
  neutraliseFormulas?: boolean;
}

export class AsOfQueryDto {
  @ApiPropertyOptional({
    description:
      'a global position (e.g. an X-Event-Position the API answered) or a UTC instant; the state then. Absent: now.',
    example: '2027-03-01T12:00:00Z',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @PlainText()
  asOf?: string;
}

export class VerifyQueryDto {
  @ApiPropertyOptional({ description: 'verify this stream only' })
  @IsOptional()
  @IsString()
  @Matches(STREAM_ID, { message: '$property must be a stream id such as contract-<uuid>' })
  stream?: string;

  @ApiPropertyOptional({ description: 'verify every stream of this category only', example: 'contract' })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY, { message: '$property must be a stream category such as contract' })
  category?: string;
}

export class CheckpointQueryDto {
  @ApiPropertyOptional({
    description: 'anchor the streams of this category only (smaller manifests)',
    example: 'contract',
  })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY, { message: '$property must be a stream category such as contract' })
  category?: string;
}

/** A manifest as GET /v1/audit/checkpoints issued it, sent back for checking. */
export class CheckpointManifestDto {
  @ApiProperty({ example: CHECKPOINT_FORMAT })
  @IsIn([CHECKPOINT_FORMAT])
  format!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { all: true } })
  @IsObject()
  scope!: CheckpointScope;

  @ApiProperty({ format: 'date-time', description: 'when the manifest was taken' })
  @IsString()
  @MaxLength(64)
  takenAt!: string;

  @ApiProperty({ description: 'the global log head the manifest was taken at' })
  @IsString()
  @IsPosition('$property must be a global position (digits)')
  headPosition!: string;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'when the store committed that head' })
  @ValidateIf((manifest: CheckpointManifestDto) => manifest.headCommittedAt !== null)
  @IsString()
  @MaxLength(64)
  headCommittedAt!: string | null;

  @ApiProperty({ description: 'the signing key: the first 16 hex digits of the SHA-256 of its SPKI DER' })
  @Matches(/^[0-9a-f]{16}$/, { message: '$property must be 16 hex digits' })
  keyId!: string;

  @ApiProperty({
    type: [String],
    description:
      'one entry per stream, in stream id order: "<streamId> <revision> <position> <hash>" of its last event',
    example: ['contract-0c6f4c1e-8f0e-4b9a-9a7e-3f7d1c2b5a10 4 8589934600 9f86d081884c7d65…'],
  })
  @IsArray()
  @Matches(CHECKPOINT_ENTRY, {
    each: true,
    message: 'each stream entry must read "<streamId> <revision> <position> <hash>"',
  })
  streams!: string[];

  @ApiProperty()
  @IsInt()
  @Min(0)
  streamCount!: number;

  @ApiProperty({ description: 'SHA-256 (hex) of the stream entries, each followed by a line feed' })
  @Matches(/^[0-9a-f]{64}$/, { message: '$property must be 64 hex digits' })
  streamsSha256!: string;

  @ApiProperty({ description: 'Ed25519 signature (base64) of the signed statement (see README)' })
  @Matches(/^[A-Za-z0-9+/]{86}==$/, { message: '$property must be a base64 Ed25519 signature' })
  signature!: string;
}

export class ReconciliationQueryDto {
  @ApiProperty({ format: 'uuid' })
  @LowercaseUuid()
  contractId!: string;

  @ApiPropertyOptional({
    description: 'count spend reported for periods starting at or after this instant (UTC)',
    example: '2027-01-01T00:00:00Z',
  })
  @IsOptional()
  @UtcInstant()
  from?: string;

  @ApiPropertyOptional({
    description: 'count spend reported for periods ending at or before this instant (UTC)',
    example: '2027-04-01T00:00:00Z',
  })
  @IsOptional()
  @UtcInstant()
  to?: string;
}

// ---------------------------------------------------------------------------------------------
// Responses (documentation only: the services return plain objects of these shapes)

export class ActorDto {
  @ApiProperty({ example: 'dana' })
  userId!: string;
  @ApiProperty({ type: [String], example: ['deal_approver'] })
  roles!: string[];
}

export class EventMetadataDto {
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  @ApiProperty({ format: 'uuid', description: 'the command that recorded it (idempotency)' })
  commandId!: string;
  @ApiProperty()
  correlationId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the event that caused it (reactors), else null' })
  causationId!: string | null;
  @ApiProperty({ type: ActorDto })
  actor!: ActorDto;
  @ApiProperty({ format: 'date-time', description: 'when the API decided the command' })
  recordedAt!: string;
  @ApiProperty({ example: 1 })
  schemaVersion!: number;
  @ApiProperty({ description: 'hash of the previous event of the stream (64 zeros for the first)' })
  prevHash!: string;
  @ApiProperty({
    description: 'SHA-256 over prevHash and the canonical JSON of stream, revision, eventId, type, data, metadata',
  })
  hash!: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'global position (decimal string)' })
  position!: string;
  @ApiProperty({ example: 'contract-0c6f4c1e-8f0e-4b9a-9a7e-3f7d1c2b5a10' })
  streamId!: string;
  @ApiProperty({ description: 'revision in its stream, from 0', example: '3' })
  revision!: string;
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  @ApiProperty({ example: 'ContractApproved' })
  type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  data!: Record<string, unknown>;
  @ApiProperty({ type: EventMetadataDto, description: 'exactly as stored, so the hash can be recomputed from it' })
  metadata!: EventMetadataDto;
  @ApiProperty({ nullable: true, type: String, description: 'data.reason (or data.cause) when the event has one' })
  reason!: string | null;
  @ApiProperty({ format: 'date-time', description: "the store's commit time" })
  createdAt!: string;
}

export class EventsPageDto {
  @ApiProperty({ type: [AuditEventDto] })
  events!: AuditEventDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'cursor to continue after the last event read (null when nothing was read)',
  })
  next!: string | null;
  @ApiProperty({ description: 'false when the end of the log (as of this request) or toPosition was reached' })
  hasMore!: boolean;
  @ApiProperty({ description: 'events read to build this page' })
  scanned!: number;
}

export class StreamHistoryDto {
  @ApiProperty()
  streamId!: string;
  @ApiProperty({ description: 'revision of the last event' })
  revision!: string;
  @ApiProperty({ type: [AuditEventDto] })
  events!: AuditEventDto[];
}

export class StateAsOfDto {
  @ApiProperty()
  id!: string;
  @ApiProperty()
  streamId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'as requested; null for now' })
  asOf!: string | null;
  @ApiProperty({ description: 'revision of the last event folded (the ETag the API sent then: W/"<revision>")' })
  revision!: string;
  @ApiProperty({ description: 'position of the last event folded' })
  position!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  recordedAt!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'the body GET /v1/<resource>/{id} answered then',
  })
  state!: Record<string, unknown>;
}

export class BrokenLinkDto {
  @ApiProperty()
  streamId!: string;
  @ApiProperty()
  revision!: string;
  @ApiProperty()
  position!: string;
  @ApiProperty({
    enum: BREAK_REASONS,
    description:
      "HASH_MISMATCH: the event's content no longer hashes to its hash; PREV_HASH_MISMATCH: it does not chain to the previous event's hash; REVISION_GAP: a revision is missing before it",
  })
  reason!: string;
}

export class AnomalyDto {
  @ApiProperty()
  streamId!: string;
  @ApiProperty()
  revision!: string;
  @ApiProperty()
  position!: string;
  @ApiProperty({
    enum: ANOMALY_REASONS,
    description:
      'IMPOSSIBLE_TRANSACTION: stored with a transaction id no transaction had when the check looked (not yet assigned, or reserved): written around the store, not by an append',
  })
  reason!: string;
}

export class ChainVerificationDto {
  @ApiProperty()
  verified!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { category: 'contract' } })
  scope!: Record<string, unknown>;
  @ApiProperty({ description: 'the log head when the check began; later events were not checked' })
  throughPosition!: string;
  @ApiProperty()
  streamsChecked!: number;
  @ApiProperty()
  eventsChecked!: number;
  @ApiProperty()
  brokenLinks!: number;
  @ApiPropertyOptional({ type: BrokenLinkDto, description: 'the first broken link in log order' })
  firstBroken?: BrokenLinkDto;
  @ApiProperty({
    description: 'events committed after throughPosition while an older transaction ran: checked, not yet in the log',
  })
  eventsAfterThrough!: number;
  @ApiProperty({ description: 'stored events that no read hands out; each is evidence of tampering' })
  anomalies!: number;
  @ApiPropertyOptional({ type: AnomalyDto, description: 'the first anomaly in log order' })
  firstAnomaly?: AnomalyDto;
}

export class CheckpointPublicKeyDto {
  @ApiProperty({ example: 'Ed25519' })
  algorithm!: string;
  @ApiProperty()
  keyId!: string;
  @ApiProperty({ description: 'SPKI PEM, for openssl or any Ed25519 library' })
  publicKeyPem!: string;
}

export class AnchorDto {
  @ApiProperty()
  revision!: string;
  @ApiProperty()
  position!: string;
  @ApiProperty()
  hash!: string;
}

export class CheckpointProblemDto {
  @ApiProperty()
  streamId!: string;
  @ApiProperty({
    enum: PROBLEM_KINDS,
    description:
      'TRUNCATED: events at and after the anchored revision are gone; DELETED: the whole stream is gone; REWRITTEN: the event at the anchored revision has another hash or position',
  })
  problem!: string;
  @ApiProperty({ type: AnchorDto })
  anchored!: AnchorDto;
  @ApiProperty({ type: AnchorDto, nullable: true, description: 'now at that revision, or the last event left' })
  found!: AnchorDto | null;
}

export class CheckpointVerificationDto {
  @ApiProperty({
    description: 'every anchored stream still holds its anchored head, and the log reaches the anchored head',
  })
  intact!: boolean;
  @ApiProperty()
  keyId!: string;
  @ApiProperty()
  takenAt!: string;
  @ApiProperty()
  manifestHeadPosition!: string;
  @ApiProperty()
  currentHeadPosition!: string;
  @ApiProperty()
  headBehindManifest!: boolean;
  @ApiProperty()
  streamsChecked!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { TRUNCATED: 0, DELETED: 0, REWRITTEN: 0 },
  })
  counts!: Record<string, number>;
  @ApiProperty({ type: [CheckpointProblemDto], description: 'the first 100 problems in manifest order' })
  problems!: CheckpointProblemDto[];
}

export class ValueChangeDto {
  @ApiProperty({ example: 'ContractAmendmentApproved' })
  type!: string;
  @ApiProperty()
  version!: number;
  @ApiProperty()
  totalValueMinor!: string;
  @ApiProperty({ nullable: true, type: String })
  recordedAt!: string | null;
  @ApiProperty({ nullable: true, type: String })
  actor!: string | null;
  @ApiProperty()
  position!: string;
}

export class SpendBatchDto {
  @ApiProperty()
  batchId!: string;
  @ApiProperty({ description: 'delivered: billableMinor + overdeliveredMinor' })
  amountMinor!: string;
  @ApiProperty({ description: 'within the campaign budget (reports recorded before the split: all of it)' })
  billableMinor!: string;
  @ApiProperty({ description: 'beyond the campaign budget: recorded, not billable' })
  overdeliveredMinor!: string;
  @ApiProperty({ description: 'recorded after the campaign had stopped serving (paused, suspended, completed)' })
  lateRecorded!: boolean;
  @ApiProperty({ format: 'date-time' })
  periodStart!: string;
  @ApiProperty({ format: 'date-time' })
  periodEnd!: string;
  @ApiProperty({ nullable: true, type: String })
  recordedAt!: string | null;
  @ApiProperty()
  position!: string;
}

export class CampaignReconciliationDto {
  @ApiProperty({ format: 'uuid' })
  campaignId!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'null when no campaign of this contract was recorded under the id',
  })
  status!: string | null;
  @ApiProperty()
  grossAllocatedMinor!: string;
  @ApiProperty()
  releasedMinor!: string;
  @ApiProperty({ description: 'allocated net of releases' })
  allocatedMinor!: string;
  @ApiProperty({ description: 'billable spend reported for periods inside the window' })
  spentMinor!: string;
  @ApiProperty({ description: 'overdelivery (not billable) reported for periods inside the window' })
  overdeliveredMinor!: string;
  @ApiProperty({ description: 'of the spend inside the window, what was recorded after the campaign stopped serving' })
  lateRecordedMinor!: string;
  @ApiProperty({ description: 'spend reported for periods outside the window or straddling a bound' })
  spentOutsideWindowMinor!: string;
  @ApiProperty({ description: 'allocatedMinor - spentMinor' })
  varianceMinor!: string;
  @ApiProperty({ type: [SpendBatchDto], description: 'every spend report of the campaign' })
  spend!: SpendBatchDto[];
}

export class PeriodSpendDto {
  @ApiProperty({ format: 'date-time' })
  periodStart!: string;
  @ApiProperty({ format: 'date-time' })
  periodEnd!: string;
  @ApiProperty({ description: 'billable' })
  spentMinor!: string;
  @ApiProperty()
  overdeliveredMinor!: string;
  @ApiProperty()
  lateRecordedMinor!: string;
  @ApiProperty({ description: 'campaigns that reported spend for this period' })
  campaigns!: number;
}

export class VarianceDto {
  @ApiProperty({ description: 'allocatedMinor - spentMinor' })
  allocatedMinusSpentMinor!: string;
  @ApiProperty({ description: 'contractValueMinor - allocatedMinor' })
  valueMinusAllocatedMinor!: string;
}

export class ReconciliationDto {
  @ApiProperty({ format: 'uuid' })
  contractId!: string;
  @ApiProperty({ format: 'uuid' })
  advertiserId!: string;
  @ApiProperty()
  status!: string;
  @ApiProperty({ example: 'CNY' })
  currency!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { from: '2027-01-01T00:00:00Z', to: null } })
  window!: Record<string, unknown>;
  @ApiProperty({ description: 'the latest position among the events used' })
  position!: string;
  @ApiProperty({ description: 'current contract value (after approved amendments)' })
  contractValueMinor!: string;
  @ApiProperty({ type: [ValueChangeDto], description: 'drafted value, revisions before approval, amendments' })
  valueHistory!: ValueChangeDto[];
  @ApiProperty()
  grossAllocatedMinor!: string;
  @ApiProperty()
  releasedMinor!: string;
  @ApiProperty({ description: 'allocated net of releases' })
  allocatedMinor!: string;
  @ApiProperty({ description: 'billable spend reported for periods inside the window' })
  spentMinor!: string;
  @ApiProperty({ description: 'overdelivery (not billable) reported for periods inside the window' })
  overdeliveredMinor!: string;
  @ApiProperty({ description: 'of the spend inside the window, what was recorded after its campaign stopped serving' })
  lateRecordedMinor!: string;
  @ApiProperty()
  spentOutsideWindowMinor!: string;
  @ApiProperty({ type: [CampaignReconciliationDto] })
  campaigns!: CampaignReconciliationDto[];
  @ApiProperty({ type: [PeriodSpendDto] })
  periods!: PeriodSpendDto[];
  @ApiProperty({ type: VarianceDto })
  variance!: VarianceDto;
}

export const EXPORT_DESCRIPTION = `Streams the filtered log in position order, up to the head when the request arrived (sent as X-Event-Position). Columns, in this order: ${EXPORT_COLUMNS.join(', ')}; actor is metadata.actor.userId, reason is data.reason (or data.cause), data is the event's JSON as the store holds it (every digit of every number kept). ndjson: one JSON object per line. csv: a header row, RFC 4180 quoting, CRLF line ends; a cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe unless neutraliseFormulas=false. Events appear in their stored form, as the hash chain covers them: an event written under an older schema version (metadata.schemaVersion) shows its data as written, not upcast to the current shape the application reads.`;
