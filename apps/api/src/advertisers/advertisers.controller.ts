import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { advertiserDecider, advertiserStreamId, type Advertiser } from '#domain';
import type { WriteResult } from '../commands/command-executor';
import { FactsReader } from '../commands/facts-reader';
import { Roles } from '../http/auth.guard';
import { ReasonDto, Transition, WriteRoute } from '../http/dto';
import { UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { Write, etagOf, type WriteContext } from '../http/write-context';
import { ExecuteAdvertiserCommand } from './advertiser.handler';
import { KaTierDto, RegisterAdvertiserDto, VerificationDto } from './advertisers.dto';
import { ApiResource } from '../http/responses';
import { AdvertiserResponse } from './advertisers.responses';

@ApiTags('advertisers')
@ApiBearerAuth()
@Controller('v1/advertisers')
export class AdvertisersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('sales')
  @WriteRoute(true)
  @ApiOperation({ summary: 'Register a key-account advertiser' })
  register(@Body() body: RegisterAdvertiserDto, @Write() context: WriteContext) {
    const advertiserId = body.advertiserId ?? randomUUID();
    return this.run(
      advertiserId,
      {
        type: 'RegisterAdvertiser',
        data: {
          advertiserId,
          legalName: body.legalName,
          registrationNumber: body.registrationNumber,
          kaTier: body.kaTier,
          salesOwnerId: body.salesOwnerId ?? context.actor.userId,
        },
      },
      context,
    );
  }

  @Get(':advertiserId')
  @Roles('sales', 'deal_approver', 'compliance', 'finance_auditor', 'service')
  @ApiOperation({ summary: 'An advertiser as of now, folded from its stream (ETag = revision)' })
  @ApiResource(AdvertiserResponse, 'the advertiser')
  async get(@Param('advertiserId', UuidPipe) advertiserId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const [state, revision] = await this.facts.stateWithRevision(advertiserDecider, advertiserStreamId(advertiserId));
    if (revision === undefined)
      throw new ProblemException(404, 'ADVERTISER_NOT_FOUND', `no advertiser ${advertiserId}`);
    void reply.header('etag', etagOf(revision));
    return state satisfies Advertiser;
  }

  @Transition(
    ':advertiserId/verification',
    ['compliance'],
    "Record compliance's verification decision (four eyes: not the sales owner)",
  )
  verify(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: VerificationDto,
    @Write() context: WriteContext,
  ) {
    const data =
      body.decision === 'rejected'
        ? { advertiserId, decision: 'rejected' as const, reason: body.reason ?? '' }
        : { advertiserId, decision: 'verified' as const };
    return this.run(advertiserId, { type: 'VerifyAdvertiser', data }, context);
  }

  @Put(':advertiserId/ka-tier')
  @Roles('sales', 'deal_approver')
  @WriteRoute()
  @ApiOperation({ summary: "Change the advertiser's KA tier" })
  changeTier(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: KaTierDto,
    @Write() context: WriteContext,
  ) {
    return this.run(advertiserId, { type: 'ChangeKaTier', data: { advertiserId, kaTier: body.kaTier } }, context);
  }

  @Transition(':advertiserId/suspension', ['compliance'], 'Suspend the advertiser: all its links are denied at once')
  suspend(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: ReasonDto,
    @Write() context: WriteContext,
  ) {
    return this.run(advertiserId, { type: 'SuspendAdvertiser', data: { advertiserId, reason: body.reason } }, context);
  }

  @Transition(':advertiserId/reinstatement', ['compliance'], 'Reinstate a suspended advertiser')
  reinstate(@Param('advertiserId', UuidPipe) advertiserId: string, @Write() context: WriteContext) {
    return this.run(advertiserId, { type: 'ReinstateAdvertiser', data: { advertiserId } }, context);
  }

  private run(
    advertiserId: string,
    intent: ExecuteAdvertiserCommand['intent'],
    context: WriteContext,
  ): Promise<WriteResult> {
    return this.commandBus.execute(new ExecuteAdvertiserCommand(advertiserId, intent, context));
  }
}
