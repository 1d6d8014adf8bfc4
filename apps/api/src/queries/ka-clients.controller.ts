import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { KA_CLIENTS, findKaClient, listKaClients } from '#read-models';
import { Roles } from '../http/auth.guard';
import { UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { PG_POOL } from '../infrastructure/tokens';
import { KaClientDto, KaClientPageDto, KaClientsQueryDto, kaClientDto } from './ka-clients.dto';
import { PROJECTION_POSITION_HEADER, ProjectionQuery, ProjectionReads } from './projection-reads';

const READERS = ['service', 'sales', 'deal_approver', 'compliance', 'finance_auditor'] as const;

@ApiTags('read models')
@ApiBearerAuth()
@Controller('v1/ka-clients')
export class KaClientsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reads: ProjectionReads,
  ) {}

  @Get()
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({ summary: 'KA clients in id order, filtered, a page at a time' })
  @ApiOkResponse({ type: KaClientPageDto, headers: PROJECTION_POSITION_HEADER })
  async list(
    @Query() query: KaClientsQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KaClientPageDto> {
    const { limit = 50, cursor, ...filters } = query;
    const { value: page } = await this.reads.read(KA_CLIENTS, request, reply, () =>
      listKaClients(this.pool, filters, cursor, limit),
    );
    return { items: page.items.map(kaClientDto), nextCursor: page.nextCursor };
  }

  @Get(':advertiserId')
  @Roles(...READERS)
  @ProjectionQuery()
  @ApiOperation({ summary: 'One KA client: identity, standing, categories, contracts and campaign counts' })
  @ApiOkResponse({ type: KaClientDto, headers: PROJECTION_POSITION_HEADER })
  @ApiNotFoundResponse({ description: 'no such client in the read model (yet: see X-Min-Position)' })
  async get(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KaClientDto> {
    const { value: client } = await this.reads.read(KA_CLIENTS, request, reply, () =>
      findKaClient(this.pool, advertiserId),
    );
    if (client === undefined) {
      throw new ProblemException(404, 'KA_CLIENT_NOT_FOUND', `there is no KA client ${advertiserId}`);
    }
    return kaClientDto(client);
  }
}
