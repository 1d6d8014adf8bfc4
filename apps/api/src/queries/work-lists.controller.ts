import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import type { Actor, Role } from '#domain';
import {
  INBOX_CURSOR,
  KEY_CURSOR,
  WORK_LISTS,
  complianceInbox,
  dealApprovalInbox,
  decodeCursor,
  listAdvertisers,
  listCampaigns,
  listContracts,
  todayUtc,
  type AtPosition,
  type CursorPart,
  type ListScope,
} from '#read-models';
import { Roles } from '../http/auth.guard';
import { ProblemException } from '../http/problem';
import { PG_POOL } from '../infrastructure/tokens';
import { PROJECTION_POSITION_HEADER, ProjectionQuery, ProjectionReads } from './projection-reads';
import {
  AdvertiserListPageDto,
  AdvertiserListQueryDto,
  CampaignListPageDto,
  CampaignListQueryDto,
  ContractListPageDto,
  ContractListQueryDto,
  CursorPage,
  InboxPageDto,
} from './work-lists.dto';

const READERS = ['sales', 'deal_approver', 'compliance', 'finance_auditor'] as const;
/** Roles that see every client; a caller with none of them (a salesperson) sees only their own. */
const WIDE_ROLES: readonly Role[] = ['deal_approver', 'compliance', 'finance_auditor'];

const scopeOf = (actor: Actor | undefined): ListScope =>
  actor === undefined || actor.roles.some((role) => WIDE_ROLES.includes(role)) ? {} : { salesOwnerId: actor.userId };

const cursorOf = (text: string | undefined, parts: readonly CursorPart[]): string[] | undefined => {
  if (text === undefined) return undefined;
  const cursor = decodeCursor(text, parts);
  if (cursor === undefined) {
    throw new ProblemException(400, 'INVALID_CURSOR', 'cursor must be the nextCursor of a previous page of this list');
  }
  return cursor;
};

const SCOPE_NOTE = 'A caller whose only reading role is sales sees only the clients they own.';

@ApiTags('lists and inboxes')
@ApiBearerAuth()
@Controller('v1')
export class WorkListsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reads: ProjectionReads,
  ) {}

  /** One page of a work list: the cursor decoded (spelled as `parts`), X-Min-Position honoured. */
  private async page<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    cursor: string | undefined,
    parts: readonly CursorPart[],
    list: (after: string[] | undefined) => Promise<AtPosition<T>>,
  ): Promise<T> {
    const after = cursorOf(cursor, parts);
    return (await this.reads.read(WORK_LISTS, request, reply, () => list(after))).value;
  }

  @Get('contracts')
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({ summary: 'Contracts in id order, filtered, a page at a time', description: SCOPE_NOTE })
  @ApiOkResponse({ type: ContractListPageDto, headers: PROJECTION_POSITION_HEADER })
  contracts(
    @Query() query: ContractListQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContractListPageDto> {
    const { limit = 50, cursor, ...filters } = query;
    return this.page(request, reply, cursor, KEY_CURSOR, (after) =>
      listContracts(this.pool, filters, scopeOf(request.actor), todayUtc(), after, limit),
    );
  }

  @Get('campaigns')
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({ summary: 'Campaigns in id order, filtered, a page at a time', description: SCOPE_NOTE })
  @ApiOkResponse({ type: CampaignListPageDto, headers: PROJECTION_POSITION_HEADER })
  campaigns(
    @Query() query: CampaignListQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CampaignListPageDto> {
    const { limit = 50, cursor, ...filters } = query;
    return this.page(request, reply, cursor, KEY_CURSOR, (after) =>
      listCampaigns(this.pool, filters, scopeOf(request.actor), after, limit),
    );
  }

  @Get('advertisers')
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({
    summary: 'Advertisers by tier and verification, or found by legal name or registration number',
    description: `q matches any part of the legal name or registration number after NFKC normalisation and case folding, so full-width, half-width and CJK spellings match. ${SCOPE_NOTE}`,
  })
  @ApiOkResponse({ type: AdvertiserListPageDto, headers: PROJECTION_POSITION_HEADER })
  advertisers(
    @Query() query: AdvertiserListQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AdvertiserListPageDto> {
    const { limit = 50, cursor, ...filters } = query;
    return this.page(request, reply, cursor, KEY_CURSOR, (after) =>
      listAdvertisers(this.pool, filters, scopeOf(request.actor), after, limit),
    );
  }

  @Get('inbox/deal-approvals')
  @Roles('deal_approver')
  @ProjectionQuery()
  @ApiOperation({
    summary: 'Submitted contracts and proposed amendments awaiting a deal decision, oldest first',
    description:
      'Never lists what four eyes forbids the caller to decide: contracts they drafted, revised or submitted, amendments they proposed.',
  })
  @ApiOkResponse({ type: InboxPageDto, headers: PROJECTION_POSITION_HEADER })
  dealApprovals(
    @Query() query: CursorPage,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InboxPageDto> {
    return this.page(request, reply, query.cursor, INBOX_CURSOR, (after) =>
      dealApprovalInbox(this.pool, request.actor!.userId, new Date(), after, query.limit ?? 50),
    );
  }

  @Get('inbox/compliance-reviews')
  @Roles('compliance')
  @ProjectionQuery()
  @ApiOperation({
    summary: 'Category approvals and campaigns awaiting compliance review, oldest first',
    description:
      'Never lists what four eyes forbids the caller to decide: requests they made, campaigns they created or submitted.',
  })
  @ApiOkResponse({ type: InboxPageDto, headers: PROJECTION_POSITION_HEADER })
  complianceReviews(
    @Query() query: CursorPage,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InboxPageDto> {
    return this.page(request, reply, query.cursor, INBOX_CURSOR, (after) =>
      complianceInbox(this.pool, request.actor!.userId, new Date(), after, query.limit ?? 50),
    );
  }
}
