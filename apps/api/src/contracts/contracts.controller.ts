import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Param,
  Patch,
  Post,
  Res,
  type PipeTransform,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExecuteContractCommand, FactsReader, type CommandContext, type WriteResult } from '#application';
import { contractDecider, contractStreamId, type Contract } from '#domain';
import { Issues, Roles } from '../http/auth.guard';
import { ReasonDto, Transition, WriteRoute } from '../http/dto';
import { SlugPipe, UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { Write, etagOf } from '../http/write-context';
import {
  DraftContractDto,
  EnableExternalLinkDto,
  ProposeAmendmentDto,
  ReviseContractDto,
  type AmendmentChangesDto,
} from './contracts.dto';
import { ApiResource } from '../http/responses';
import { ContractResponse } from './contracts.responses';

/** A version in the path is a positive integer; whether it names the pending amendment is the decider's call. */
@Injectable()
export class VersionPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9][0-9]{0,8}$/.test(value)) {
      throw new ProblemException(400, 'INVALID_VERSION', `"${value}" is not an amendment version (a positive integer)`);
    }
    return Number(value);
  }
}

/** @IsOptional lets `null` through; a term sent as null is treated as not sent rather than stored. */
const sentTerms = <T extends object>(dto: T): Partial<T> =>
  Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;

@ApiTags('contracts')
@ApiBearerAuth()
@Controller('v1/contracts')
export class ContractsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
  ) {}

  @Post()
  @HttpCode(201)
  @Issues('DraftContract')
  @WriteRoute(true)
  @ApiOperation({ summary: 'Draft a contract with a registered advertiser' })
  draft(@Body() body: DraftContractDto, @Write() context: CommandContext) {
    // The id is the command id, which an Idempotency-Key fixes, so a retry after a lost response finds
    // the contract it already drafted instead of drafting a second one.
    const contractId = body.contractId ?? context.commandId;
    const { advertiserId, channel, currency, totalValueMinor, startsOn, endsOn, categories, platforms } = body;
    return this.run(
      contractId,
      {
        type: 'DraftContract',
        data: { contractId, advertiserId, channel, currency, totalValueMinor, startsOn, endsOn, categories, platforms },
      },
      context,
    );
  }

  @Get(':contractId')
  @Roles('sales', 'deal_approver', 'compliance', 'finance_auditor')
  @ApiOperation({ summary: 'A contract as of now, folded from its stream (ETag = revision)' })
  @ApiResource(ContractResponse, 'the contract: status, terms, version, pending amendment, enabled links, allocations')
  async get(@Param('contractId', UuidPipe) contractId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const [state, revision] = await this.facts.stateWithRevision(contractDecider, contractStreamId(contractId));
    if (revision === undefined) throw new ProblemException(404, 'CONTRACT_NOT_FOUND', `no contract ${contractId}`);
    void reply.header('etag', etagOf(revision));
    return state satisfies Contract;
  }

  @Patch(':contractId')
  @Issues('ReviseContractDraft')
  @WriteRoute()
  @ApiOperation({ summary: 'Revise a draft or rejected contract: send only the terms that change' })
  revise(
    @Param('contractId', UuidPipe) contractId: string,
    @Body() body: ReviseContractDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      contractId,
      { type: 'ReviseContractDraft', data: { contractId, changes: sentTerms(body) } },
      context,
    );
  }

  @Transition(':contractId/submission', 'SubmitContract', 'Submit the contract for approval')
  submit(@Param('contractId', UuidPipe) contractId: string, @Write() context: CommandContext) {
    return this.run(contractId, { type: 'SubmitContract', data: { contractId } }, context);
  }

  @Transition(
    ':contractId/approval',
    'ApproveContract',
    'Approve a submitted contract (four eyes: not whoever drafted, revised or submitted it)',
  )
  approve(@Param('contractId', UuidPipe) contractId: string, @Write() context: CommandContext) {
    return this.run(contractId, { type: 'ApproveContract', data: { contractId } }, context);
  }

  @Transition(
    ':contractId/rejection',
    'RejectContract',
    'Reject a submitted contract (four eyes); sales may revise and resubmit it',
  )
  reject(@Param('contractId', UuidPipe) contractId: string, @Body() body: ReasonDto, @Write() context: CommandContext) {
    return this.run(contractId, { type: 'RejectContract', data: { contractId, reason: body.reason } }, context);
  }

  @Transition(
    ':contractId/signature',
    'SignContract',
    "Record the advertiser's signature: the approved contract becomes Active",
  )
  sign(@Param('contractId', UuidPipe) contractId: string, @Write() context: CommandContext) {
    return this.run(contractId, { type: 'SignContract', data: { contractId } }, context);
  }

  @Transition(
    ':contractId/suspension',
    'SuspendContract',
    'Suspend the contract: its links and campaigns are denied at once',
  )
  suspend(
    @Param('contractId', UuidPipe) contractId: string,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(contractId, { type: 'SuspendContract', data: { contractId, reason: body.reason } }, context);
  }

  @Transition(':contractId/resumption', 'ResumeContract', 'Resume a suspended contract')
  resume(@Param('contractId', UuidPipe) contractId: string, @Write() context: CommandContext) {
    return this.run(contractId, { type: 'ResumeContract', data: { contractId } }, context);
  }

  @Transition(':contractId/termination', 'TerminateContract', 'Terminate the contract for good')
  terminate(
    @Param('contractId', UuidPipe) contractId: string,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(contractId, { type: 'TerminateContract', data: { contractId, reason: body.reason } }, context);
  }

  @Transition(
    ':contractId/expiry',
    'ExpireContract',
    'Record that the contract ran out (from the day after its end date)',
  )
  expire(@Param('contractId', UuidPipe) contractId: string, @Write() context: CommandContext) {
    return this.run(contractId, { type: 'ExpireContract', data: { contractId } }, context);
  }

  @Post(':contractId/amendments')
  @HttpCode(200)
  @Issues('ProposeAmendment')
  @WriteRoute()
  @ApiOperation({
    summary: 'Propose an amendment to an active contract',
    description:
      "The amendment gets the contract's current version plus one; GET the contract to see it under pendingAmendment.",
  })
  proposeAmendment(
    @Param('contractId', UuidPipe) contractId: string,
    @Body() body: ProposeAmendmentDto,
    @Write() context: CommandContext,
  ) {
    const changes = sentTerms<AmendmentChangesDto>(body.changes);
    return this.run(contractId, { type: 'ProposeAmendment', data: { contractId, changes } }, context);
  }

  @Transition(
    ':contractId/amendments/:version/approval',
    'ApproveAmendment',
    'Approve the pending amendment of this version (four eyes: not its proposer)',
  )
  approveAmendment(
    @Param('contractId', UuidPipe) contractId: string,
    @Param('version', VersionPipe) version: number,
    @Write() context: CommandContext,
  ) {
    return this.run(contractId, { type: 'ApproveAmendment', data: { contractId, version } }, context);
  }

  @Transition(
    ':contractId/amendments/:version/rejection',
    'RejectAmendment',
    'Reject the pending amendment of this version (four eyes: not its proposer)',
  )
  rejectAmendment(
    @Param('contractId', UuidPipe) contractId: string,
    @Param('version', VersionPipe) version: number,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      contractId,
      { type: 'RejectAmendment', data: { contractId, version, reason: body.reason } },
      context,
    );
  }

  @Post(':contractId/external-links')
  @HttpCode(200)
  @Issues('EnableExternalLink')
  @WriteRoute()
  @ApiOperation({
    summary: 'Enable external links to a platform for some categories',
    description: 'Enabling a platform again replaces its set of categories.',
  })
  enableLink(
    @Param('contractId', UuidPipe) contractId: string,
    @Body() body: EnableExternalLinkDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      contractId,
      { type: 'EnableExternalLink', data: { contractId, platform: body.platform, categories: body.categories } },
      context,
    );
  }

  @Delete(':contractId/external-links/:platform')
  @Issues('DisableExternalLink')
  @WriteRoute()
  @ApiOperation({ summary: 'Disable external links to a platform (body: the reason)' })
  disableLink(
    @Param('contractId', UuidPipe) contractId: string,
    @Param('platform', SlugPipe) platform: string,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      contractId,
      { type: 'DisableExternalLink', data: { contractId, platform, reason: body.reason } },
      context,
    );
  }

  private run(
    contractId: string,
    intent: ExecuteContractCommand['intent'],
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.commandBus.execute(new ExecuteContractCommand(contractId, intent, context));
  }
}
