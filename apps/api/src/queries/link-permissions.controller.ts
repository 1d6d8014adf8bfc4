import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { LINK_PERMISSIONS, decodePermissionCursor, listLinkPermissions, todayUtc } from '#read-models';
import { Roles } from '../http/auth.guard';
import { ProblemException } from '../http/problem';
import { PG_POOL } from '../infrastructure/tokens';
import {
  LinkCheckDto,
  LinkCheckQueryDto,
  LinkPermissionPageDto,
  LinkPermissionsQueryDto,
} from './link-permissions.dto';
import { PROJECTION_POSITION_HEADER, ProjectionQuery, ProjectionReads } from './projection-reads';

const READERS = ['service', 'compliance', 'sales', 'finance_auditor'] as const;

@ApiTags('read models')
@ApiBearerAuth()
@Controller('v1/link-permissions')
export class LinkPermissionsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reads: ProjectionReads,
  ) {}

  @Get()
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({
    summary: 'Link permissions (advertiser x contract x platform x category) with their deny reasons, as of today',
  })
  @ApiOkResponse({ type: LinkPermissionPageDto, headers: PROJECTION_POSITION_HEADER })
  async list(
    @Query() query: LinkPermissionsQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LinkPermissionPageDto> {
    const { limit = 50, cursor: text, ...filters } = query;
    const cursor = text === undefined ? undefined : decodePermissionCursor(text);
    if (text !== undefined && cursor === undefined) {
      throw new ProblemException(400, 'INVALID_CURSOR', 'cursor must be the nextCursor of a previous page');
    }
    const { value } = await this.reads.read(LINK_PERMISSIONS, request, reply, () =>
      listLinkPermissions(this.pool, filters, todayUtc(), cursor, limit),
    );
    return value;
  }

  @Get('check')
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({
    summary: 'May this advertiser link to this URL on this platform for this category, now?',
    description:
      "Allowed when one of the advertiser's contracts allows the platform and category today and the URL is an https link to one of the platform's allowed domains. Pass the X-Event-Position of a command as X-Min-Position to see its effect.",
  })
  @ApiOkResponse({ type: LinkCheckDto, headers: PROJECTION_POSITION_HEADER })
  async check(
    @Query() query: LinkCheckQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LinkCheckDto> {
    const { position, value } = await this.reads.read(LINK_PERMISSIONS, request, reply, (min) =>
      this.reads.linkPermissions.check(query, todayUtc(), min),
    );
    return { ...value, position };
  }
}
