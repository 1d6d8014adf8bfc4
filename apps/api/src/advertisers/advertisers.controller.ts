import { Body, Controller, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExecuteAdvertiserCommand, FactsReader, type CommandContext, type WriteResult } from '#application';
import { advertiserDecider, advertiserStreamId, type Advertiser } from '#domain';
import { Issues, Roles } from '../http/auth.guard';
import { ReasonDto, Transition, WriteRoute } from '../http/dto';
import { UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { Write, etagOf } from '../http/write-context';
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
  @Issues('RegisterAdvertiser')
  @WriteRoute(true)
  @ApiOperation({ summary: 'Register a key-account advertiser' })
  register(@Body() body: RegisterAdvertiserDto, @Write() context: CommandContext) {
    // The id is the command id, which an Idempotency-Key fixes, so a retry after a lost response finds
    // the advertiser it already registered instead of registering a second one.
    const advertiserId = body.advertiserId ?? context.commandId;
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
    'VerifyAdvertiser',
    "Record compliance's verification decision (four eyes: not the sales owner)",
  )
  verify(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: VerificationDto,
    @Write() context: CommandContext,
  ) {
    const data =
      body.decision === 'rejected'
        ? { advertiserId, decision: 'rejected' as const, reason: body.reason ?? '' }
        : { advertiserId, decision: 'verified' as const };
    return this.run(advertiserId, { type: 'VerifyAdvertiser', data }, context);
  }

  @Put(':advertiserId/ka-tier')
  @Issues('ChangeKaTier')
  @WriteRoute()
  @ApiOperation({ summary: "Change the advertiser's KA tier" })
  changeTier(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: KaTierDto,
    @Write() context: CommandContext,
  ) {
    return this.run(advertiserId, { type: 'ChangeKaTier', data: { advertiserId, kaTier: body.kaTier } }, context);
  }

  @Transition(
    ':advertiserId/suspension',
    'SuspendAdvertiser',
    'Suspend the advertiser: all its links are denied at once',
  )
  suspend(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(advertiserId, { type: 'SuspendAdvertiser', data: { advertiserId, reason: body.reason } }, context);
  }

  @Transition(':advertiserId/reinstatement', 'ReinstateAdvertiser', 'Reinstate a suspended advertiser')
  reinstate(@Param('advertiserId', UuidPipe) advertiserId: string, @Write() context: CommandContext) {
    return this.run(advertiserId, { type: 'ReinstateAdvertiser', data: { advertiserId } }, context);
  }

  private run(
    advertiserId: string,
    intent: ExecuteAdvertiserCommand['intent'],
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.commandBus.execute(new ExecuteAdvertiserCommand(advertiserId, intent, context));
  }
}
