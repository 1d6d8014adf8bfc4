import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePosition } from '#event-store';
import { FeedPositionExpired, LINK_PERMISSIONS, WORK_LISTS } from '#read-models';
import { Roles } from '../http/auth.guard';
import { UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { LinkPermissionFeed } from './change-feed';
import { CampaignServingDto, ChangeFeedQueryDto, PermissionChangePageDto } from './change-feed.dto';
import { PROJECTION_POSITION_HEADER, ProjectionQuery, ProjectionReads } from './projection-reads';

const DOWNSTREAM = ['service', 'compliance', 'sales', 'finance_auditor'] as const;

@ApiTags('downstream feeds')
@ApiBearerAuth()
@Controller('v1')
export class ChangeFeedsController {
  constructor(
    private readonly reads: ProjectionReads,
    private readonly feed: LinkPermissionFeed,
  ) {}

  @Get('link-permissions/changes')
  @Roles(...DOWNSTREAM)
  @ProjectionQuery()
  @ApiOperation({
    summary: 'Changed link permissions after a position, in position order (poll, long-poll or Server-Sent Events)',
    description:
      'Keep a cache of GET /v1/link-permissions current: read a snapshot (note its X-Projection-Position), then follow the changes after it. Every change of a row is delivered once, at the position of the event behind it, in position order; none is skipped however writes interleave (after a rebuild of the read model, the changes of a row within one rebuilt page may be merged into its last state). Resume from `next`. With `Accept: text/event-stream` the answer is a stream of `changes` events, one per position, whose `id` is that position (reconnect with Last-Event-ID).',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'event stream: resume after this position' })
  @ApiOkResponse({ type: PermissionChangePageDto })
  @ApiResponse({
    status: 410,
    description:
      'FEED_POSITION_EXPIRED: the changes after this position were pruned (they are kept LINK_FEED_RETENTION_DAYS); read a snapshot again and follow from its X-Projection-Position',
    content: { 'application/problem+json': {} },
  })
  async changes(
    @Query() query: ChangeFeedQueryDto,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const resumeAt = lastEventId === undefined ? undefined : parsePosition(lastEventId.trim());
    if (lastEventId !== undefined && resumeAt === undefined) {
      throw new ProblemException(
        400,
        'INVALID_LAST_EVENT_ID',
        'Last-Event-ID must be the id of an event this feed sent',
      );
    }
    const after = resumeAt ?? BigInt(query.after ?? '0');
    const limit = query.limit ?? 200;
    try {
      if (accept?.includes('text/event-stream')) {
        await this.feed.stream(after, limit, reply);
        return;
      }
      const page = await this.feed.poll(after, limit, query.waitMs ?? 0);
      await reply.header('cache-control', 'no-store').send(page);
    } catch (error) {
      if (!(error instanceof FeedPositionExpired)) throw error;
      throw new ProblemException(
        410,
        'FEED_POSITION_EXPIRED',
        `${error.message}: read GET /v1/link-permissions again and follow the changes after its X-Projection-Position`,
      );
    }
  }

  @Get('serving/campaigns/:campaignId')
  @Roles('service', 'sales', 'compliance')
  @ProjectionQuery()
  @ApiOperation({
    summary: 'May ad serving deliver this campaign now, link included, and if not, why?',
    description:
      'Live (status and flight), within budget, and its link target allowed today by the link permissions (contract, category approval, platform, URL host). X-Min-Position waits for both read models.',
  })
  @ApiOkResponse({ type: CampaignServingDto, headers: PROJECTION_POSITION_HEADER })
  @ApiNotFoundResponse({ description: 'no such campaign in the read model (yet: see X-Min-Position)' })
  async serving(
    @Param('campaignId', UuidPipe) campaignId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CampaignServingDto> {
    const { position, value } = await this.reads.read(LINK_PERMISSIONS, request, reply, () =>
      this.reads.read(WORK_LISTS, request, reply, (min) => this.reads.serving.answer(campaignId, new Date(), min)),
    );
    if (value === undefined) {
      throw new ProblemException(404, 'CAMPAIGN_NOT_FOUND', `there is no campaign ${campaignId} in the read model`);
    }
    return { ...value, position };
  }
}
