import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Param,
  Post,
  Query,
  Res,
  applyDecorators,
  type PipeTransform,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  advertiserDecider,
  advertiserStreamId,
  campaignDecider,
  campaignStreamId,
  contractDecider,
  contractStreamId,
  epochMs,
} from '#domain';
import { START, type Position } from '#event-store';
import { Roles } from '../http/auth.guard';
import { UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { MAX_SCAN_PER_REQUEST, AuditLog, type LogSelection } from './audit-log';
import {
  AsOfQueryDto,
  CheckpointManifestDto,
  CheckpointPublicKeyDto,
  CheckpointQueryDto,
  CheckpointVerificationDto,
  EXPORT_DESCRIPTION,
  EventsPageDto,
  EventsQueryDto,
  ExportQueryDto,
  ReconciliationDto,
  ReconciliationQueryDto,
  STREAM_ID,
  StateAsOfDto,
  StreamHistoryDto,
  ChainVerificationDto,
  VerifyQueryDto,
  type LogFilterQueryDto,
} from './audit.dto';
import { ChainVerification } from './chain-verifier';
import { CheckpointSigner, Checkpoints } from './checkpoints';
import { AuditExport } from './export';
import { ReconciliationService } from './reconciliation';
import { StateAsOf } from './state-as-of';

@Injectable()
export class StreamIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!STREAM_ID.test(value)) {
      throw new ProblemException(400, 'INVALID_STREAM_ID', `"${value}" is not a stream id such as contract-<uuid>`);
    }
    return value;
  }
}

const PROBLEM = { description: 'problem+json (RFC 9457)', content: { 'application/problem+json': {} } };
const Problems = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, ...PROBLEM })));

const FILTERS_WHILE_READING = `The store applies the category and eventType filters; the others (stream aside) are applied while reading the log, at most ${MAX_SCAN_PER_REQUEST.toLocaleString('en')} events per request, so a page may hold fewer events than the limit (even none) while hasMore is true: follow next.`;

const ordered = (low: bigint | number | undefined, high: bigint | number | undefined, what: string): void => {
  if (low !== undefined && high !== undefined && low > high) {
    throw new ProblemException(400, 'INVALID_RANGE', `${what}: the lower bound is after the upper bound`);
  }
};

const selectionOf = (query: LogFilterQueryDto & { cursor?: string }): LogSelection => {
  const fromPosition = query.fromPosition === undefined ? undefined : BigInt(query.fromPosition);
  const toPosition = query.toPosition === undefined ? undefined : BigInt(query.toPosition);
  const recordedFromMs = query.recordedFrom === undefined ? undefined : epochMs(query.recordedFrom);
  const recordedToMs = query.recordedTo === undefined ? undefined : epochMs(query.recordedTo);
  ordered(fromPosition, toPosition, 'fromPosition and toPosition');
  ordered(recordedFromMs, recordedToMs, 'recordedFrom and recordedTo');
  // Positions are opaque (p - 1 is no event's position on EventStoreDB): fromPosition stays an
  // inclusive bound, and the log resolves it to the exact position of the event before it.
  const cursor: Position = query.cursor === undefined ? START : BigInt(query.cursor);
  return {
    after: cursor,
    ...(fromPosition === undefined || fromPosition <= cursor ? {} : { from: fromPosition }),
    ...(toPosition === undefined ? {} : { through: toPosition }),
    ...(query.stream === undefined ? {} : { stream: query.stream }),
    ...(query.category === undefined ? {} : { categories: query.category }),
    ...(query.eventType === undefined ? {} : { eventTypes: query.eventType }),
    ...(query.advertiserId === undefined ? {} : { advertiserId: query.advertiserId }),
    ...(query.actor === undefined ? {} : { actor: query.actor }),
    ...(recordedFromMs === undefined ? {} : { recordedFromMs }),
    ...(recordedToMs === undefined ? {} : { recordedToMs }),
  };
};

/** Finance's read-only view of the event store itself: history, state as of a moment, proofs. */
@ApiTags('audit')
@ApiBearerAuth()
@Roles('finance_auditor')
@Problems(400, 401, 403, 503)
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly log: AuditLog,
    private readonly asOf: StateAsOf,
    private readonly exporter: AuditExport,
    private readonly verification: ChainVerification,
    private readonly reconciliation: ReconciliationService,
    private readonly checkpoints: Checkpoints,
    private readonly signer: CheckpointSigner,
  ) {}

  @Get('events')
  @ApiOperation({
    summary: 'The global event log, filtered, with every event’s full metadata, in position order',
    description: `Cursor pagination: pass a page's next as cursor. ${FILTERS_WHILE_READING}`,
  })
  @ApiOkResponse({ type: EventsPageDto })
  events(@Query() query: EventsQueryDto) {
    return this.log.page(selectionOf(query), query.limit ?? 100);
  }

  @Get('streams/:streamId')
  @ApiOperation({ summary: "One stream's whole history, in revision order" })
  @ApiOkResponse({ type: StreamHistoryDto })
  @Problems(404)
  async stream(@Param('streamId', StreamIdPipe) streamId: string) {
    const events = await this.log.stream(streamId);
    if (events === undefined) throw new ProblemException(404, 'STREAM_NOT_FOUND', `no stream ${streamId}`);
    return { streamId, revision: events[events.length - 1]!.revision, events };
  }

  @Get('contracts/:contractId')
  @ApiOperation({
    summary: 'A contract as GET /v1/contracts/{id} showed it at a position or instant',
    description:
      'Folds the longest prefix of the contract stream recorded at or before asOf (by position, or by metadata.recordedAt) with the contract decider.',
  })
  @ApiOkResponse({ type: StateAsOfDto })
  @Problems(404)
  contract(@Param('contractId', UuidPipe) contractId: string, @Query() query: AsOfQueryDto) {
    return this.asOf.view(
      contractDecider,
      { noun: 'contract', code: 'CONTRACT_NOT_FOUND', id: contractId, streamId: contractStreamId(contractId) },
      query.asOf,
    );
  }

  @Get('advertisers/:advertiserId')
  @ApiOperation({ summary: 'An advertiser as GET /v1/advertisers/{id} showed it at a position or instant' })
  @ApiOkResponse({ type: StateAsOfDto })
  @Problems(404)
  advertiser(@Param('advertiserId', UuidPipe) advertiserId: string, @Query() query: AsOfQueryDto) {
    return this.asOf.view(
      advertiserDecider,
      {
        noun: 'advertiser',
        code: 'ADVERTISER_NOT_FOUND',
        id: advertiserId,
        streamId: advertiserStreamId(advertiserId),
      },
      query.asOf,
    );
  }

  @Get('campaigns/:campaignId')
  @ApiOperation({ summary: 'A campaign as GET /v1/campaigns/{id} showed it at a position or instant' })
  @ApiOkResponse({ type: StateAsOfDto })
  @Problems(404)
  campaign(@Param('campaignId', UuidPipe) campaignId: string, @Query() query: AsOfQueryDto) {
    return this.asOf.view(
      campaignDecider,
      { noun: 'campaign', code: 'CAMPAIGN_NOT_FOUND', id: campaignId, streamId: campaignStreamId(campaignId) },
      query.asOf,
    );
  }

  @Get('export')
  @ApiOperation({
    summary: 'Download the filtered log as NDJSON or CSV, streamed in constant memory',
    description: `${EXPORT_DESCRIPTION} The store applies the category and eventType filters; the others are applied while reading, over the whole selected range.`,
  })
  @ApiOkResponse({
    description: 'an attachment (Content-Disposition), sent chunked',
    content: {
      'application/x-ndjson': { schema: { type: 'string', description: 'one JSON object per line' } },
      'text/csv': { schema: { type: 'string', description: 'RFC 4180, with a header row' } },
    },
  })
  async export(@Query() query: ExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    await this.exporter.send(selectionOf(query), query.format ?? 'ndjson', reply, query.neutraliseFormulas ?? true);
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Recompute the hash chains of one stream, one category, or every stream',
    description:
      'Each event must follow the previous revision of its stream, carry the previous event’s hash as prevHash, and hash to its stored hash. Reports the first broken link in log order.',
  })
  @ApiOkResponse({ type: ChainVerificationDto })
  @Problems(404)
  verify(@Query() query: VerifyQueryDto) {
    if (query.stream !== undefined && query.category !== undefined) {
      throw new ProblemException(400, 'ONE_SCOPE_ONLY', 'give a stream or a category, not both');
    }
    return this.verification.verify(query);
  }

  @Get('checkpoints')
  @ApiOperation({
    summary: 'A signed manifest of every stream head, for finance to keep outside this system',
    description:
      "Each stream's last revision, position and hash in the log up to its head, plus the head position and when the store committed it, signed with Ed25519 by a key configured outside the database. Streamed as one JSON document in constant memory. Send it back to POST /v1/audit/checkpoints/verification later to find streams truncated, deleted or rewritten since.",
  })
  @ApiOkResponse({ type: CheckpointManifestDto, description: 'an attachment (Content-Disposition), sent chunked' })
  @Problems(503)
  async checkpoint(@Query() query: CheckpointQueryDto, @Res() reply: FastifyReply): Promise<void> {
    await this.checkpoints.send(query.category === undefined ? { all: true } : { category: query.category }, reply);
  }

  @Get('checkpoints/public-key')
  @ApiOperation({ summary: 'The public key that checks checkpoint signatures offline' })
  @ApiOkResponse({ type: CheckpointPublicKeyDto })
  @Problems(503)
  checkpointKey() {
    return this.signer.publicKey();
  }

  @Post('checkpoints/verification')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a stored manifest: its signature, then every anchored stream head against the store',
    description:
      'Refuses (422) a manifest whose signature does not hold. A stream whose anchored revision is gone is TRUNCATED, or DELETED when nothing of it is left; one whose event at that revision has another hash or position is REWRITTEN. Events appended since are fine.',
  })
  @ApiBody({ type: CheckpointManifestDto })
  @ApiOkResponse({ type: CheckpointVerificationDto })
  @Problems(422)
  verifyCheckpoint(@Body() manifest: CheckpointManifestDto) {
    return this.checkpoints.verify(manifest);
  }

  @Get('reconciliation')
  @ApiOperation({
    summary: 'Contract value, allocations and reported spend of one contract, with the variances',
    description:
      'Computed from the contract stream and the streams of the campaigns it allocated budget to. Spend counts when its reported period lies inside [from, to]; value and allocations are as recorded up to now.',
  })
  @ApiOkResponse({ type: ReconciliationDto })
  @Problems(404)
  reconcile(@Query() query: ReconciliationQueryDto) {
    const from = query.from === undefined ? undefined : { text: query.from, ms: epochMs(query.from)! };
    const to = query.to === undefined ? undefined : { text: query.to, ms: epochMs(query.to)! };
    ordered(from?.ms, to?.ms, 'from and to');
    return this.reconciliation.reconcile(query.contractId, {
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
  }
}
