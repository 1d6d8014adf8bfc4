import { Body, Controller, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExecuteCampaignCommand, FactsReader, type CommandContext, type WriteResult } from '#application';
import { campaignDecider, campaignStreamId, type Campaign } from '#domain';
import { Issues, Roles } from '../http/auth.guard';
import { ReasonDto, Transition, WriteRoute } from '../http/dto';
import { UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { Write, etagOf } from '../http/write-context';
import { CampaignBudgetDto, CreateCampaignDto, PolicySuspensionDto, SpendReportDto } from './campaigns.dto';
import { ApiResource } from '../http/responses';
import { CampaignResponse } from './campaigns.responses';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
  ) {}

  @Post()
  @HttpCode(201)
  @Issues('CreateCampaign')
  @WriteRoute(true)
  @ApiOperation({
    summary: 'Create a campaign under an active contract, allocating its budget from the contract value',
    description: 'A budget over what the contract has left is refused with 409 BUDGET_EXCEEDED.',
  })
  create(@Body() body: CreateCampaignDto, @Write() context: CommandContext) {
    // The id is the command id, which an Idempotency-Key fixes, so a retry after a lost response finds
    // the campaign (and the allocation) it already made instead of making a second one.
    const campaignId = body.campaignId ?? context.commandId;
    const { contractId, advertiserId, category, budgetMinor, startsAt, endsAt, linkTarget, adLabel } = body;
    return this.run(
      campaignId,
      {
        type: 'CreateCampaign',
        data: {
          campaignId,
          contractId,
          advertiserId,
          category,
          budgetMinor,
          startsAt,
          endsAt,
          ...(linkTarget === undefined ? {} : { linkTarget: { platform: linkTarget.platform, url: linkTarget.url } }),
          adLabel,
        },
      },
      context,
    );
  }

  @Get(':campaignId')
  @Roles('sales', 'deal_approver', 'compliance', 'finance_auditor', 'service')
  @ApiOperation({ summary: 'A campaign as of now, folded from its stream (ETag = revision)' })
  @ApiResource(CampaignResponse, 'the campaign')
  async get(@Param('campaignId', UuidPipe) campaignId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const [state, revision] = await this.facts.stateWithRevision(campaignDecider, campaignStreamId(campaignId));
    if (revision === undefined) throw new ProblemException(404, 'CAMPAIGN_NOT_FOUND', `no campaign ${campaignId}`);
    void reply.header('etag', etagOf(revision));
    return state satisfies Campaign;
  }

  @Transition(':campaignId/submission', 'SubmitCampaign', 'Submit a draft campaign for compliance review')
  submit(@Param('campaignId', UuidPipe) campaignId: string, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'SubmitCampaign', data: { campaignId } }, context);
  }

  @Post(':campaignId/approval')
  @HttpCode(200)
  @Issues('ApproveCampaign')
  @WriteRoute()
  @ApiOperation({
    summary: 'Approve a submitted campaign (four eyes: not its creator or submitter)',
    description: 'Checks again that the contract is active, the category approved and the link allowed.',
  })
  approve(@Param('campaignId', UuidPipe) campaignId: string, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'ApproveCampaign', data: { campaignId } }, context);
  }

  @Post(':campaignId/rejection')
  @HttpCode(200)
  @Issues('RejectCampaign')
  @WriteRoute()
  @ApiOperation({
    summary: 'Reject a submitted campaign (four eyes); its budget goes back to the contract',
  })
  reject(@Param('campaignId', UuidPipe) campaignId: string, @Body() body: ReasonDto, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'RejectCampaign', data: { campaignId, reason: body.reason } }, context);
  }

  @Transition(
    ':campaignId/launch',
    'LaunchCampaign',
    'Launch an approved campaign within its window, under an active contract',
  )
  launch(@Param('campaignId', UuidPipe) campaignId: string, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'LaunchCampaign', data: { campaignId } }, context);
  }

  @Transition(':campaignId/pause', 'PauseCampaign', 'Pause a live campaign, with a reason')
  pause(@Param('campaignId', UuidPipe) campaignId: string, @Body() body: ReasonDto, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'PauseCampaign', data: { campaignId, reason: body.reason } }, context);
  }

  @Transition(':campaignId/resumption', 'ResumeCampaign', 'Resume a paused campaign that has budget left')
  resume(@Param('campaignId', UuidPipe) campaignId: string, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'ResumeCampaign', data: { campaignId } }, context);
  }

  @Transition(
    ':campaignId/completion',
    'CompleteCampaign',
    'Complete a launched campaign; what it did not spend goes back to the contract',
  )
  complete(@Param('campaignId', UuidPipe) campaignId: string, @Write() context: CommandContext) {
    return this.run(campaignId, { type: 'CompleteCampaign', data: { campaignId } }, context);
  }

  @Transition(
    ':campaignId/policy-suspension',
    'SuspendCampaignByPolicy',
    'Suspend a campaign whose permission lapsed (revoked category, suspended contract...)',
  )
  suspendByPolicy(
    @Param('campaignId', UuidPipe) campaignId: string,
    @Body() body: PolicySuspensionDto,
    @Write() context: CommandContext,
  ) {
    return this.run(campaignId, { type: 'SuspendCampaignByPolicy', data: { campaignId, cause: body.cause } }, context);
  }

  @Put(':campaignId/budget')
  @Issues('ChangeCampaignBudget')
  @WriteRoute()
  @ApiOperation({
    summary: 'Change the budget; the contract allocation follows (409 BUDGET_EXCEEDED when it has no room)',
  })
  changeBudget(
    @Param('campaignId', UuidPipe) campaignId: string,
    @Body() body: CampaignBudgetDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      campaignId,
      { type: 'ChangeCampaignBudget', data: { campaignId, budgetMinor: body.budgetMinor } },
      context,
    );
  }

  @Post(':campaignId/spend')
  @HttpCode(200)
  @Issues('ReportCampaignSpend')
  @WriteRoute()
  @ApiOperation({
    summary: 'Report a batch of spend from ad serving; billable up to the budget, the rest overdelivery',
    description:
      'Billable spend stops at the campaign budget; delivery beyond it is recorded as overdelivery (not billable) ' +
      'and pauses a live campaign. Spend for a period in which the campaign was live is accepted after a pause, ' +
      'a suspension by policy or completion (after completion all of it is overdelivery: the budget was given back); ' +
      'a period in which it was never live is refused with 409 SPEND_PERIOD_NOT_LIVE. A batch reported again with ' +
      'the same figures is acknowledged (position null) and recorded once.',
  })
  reportSpend(
    @Param('campaignId', UuidPipe) campaignId: string,
    @Body() body: SpendReportDto,
    @Write() context: CommandContext,
  ) {
    const { batchId, amountMinor, periodStart, periodEnd } = body;
    return this.run(
      campaignId,
      { type: 'ReportCampaignSpend', data: { campaignId, batchId, amountMinor, periodStart, periodEnd } },
      context,
    );
  }

  private run(
    campaignId: string,
    intent: ExecuteCampaignCommand['intent'],
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.commandBus.execute(new ExecuteCampaignCommand(campaignId, intent, context));
  }
}
