import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExecuteCategoryApprovalCommand, FactsReader, type CommandContext, type WriteResult } from '#application';
import { categoryApprovalDecider, categoryApprovalStreamId, type CategoryApproval } from '#domain';
import { Issues, Roles } from '../http/auth.guard';
import { ReasonDto, Transition, WriteRoute } from '../http/dto';
import { SlugPipe, UuidPipe } from '../http/pipes';
import { ProblemException } from '../http/problem';
import { Write, etagOf } from '../http/write-context';
import { RequestCategoryApprovalDto } from './category-approvals.dto';
import { ApiResource } from '../http/responses';
import { CategoryApprovalResponse } from './category-approvals.responses';

@ApiTags('category approvals')
@ApiBearerAuth()
@Controller('v1/advertisers/:advertiserId/category-approvals')
export class CategoryApprovalsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
  ) {}

  @Post()
  @HttpCode(201)
  @Issues('RequestCategoryApproval')
  @WriteRoute(true)
  @ApiOperation({ summary: 'Request approval of a product category for the advertiser, with its licence' })
  request(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Body() body: RequestCategoryApprovalDto,
    @Write() context: CommandContext,
  ) {
    const { category, licenceRef, validUntil } = body;
    return this.run(
      advertiserId,
      category,
      { type: 'RequestCategoryApproval', data: { advertiserId, category, licenceRef, validUntil } },
      context,
    );
  }

  @Get(':category')
  @Roles('sales', 'deal_approver', 'compliance', 'finance_auditor', 'service')
  @ApiOperation({ summary: "The advertiser's approval of a category, folded from its stream (ETag = revision)" })
  @ApiResource(CategoryApprovalResponse, 'the approval: status, validity and, while pending, who requested it')
  async get(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Param('category', SlugPipe) category: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const [state, revision] = await this.facts.stateWithRevision(
      categoryApprovalDecider,
      categoryApprovalStreamId(advertiserId, category),
    );
    if (revision === undefined) {
      throw new ProblemException(
        404,
        'CATEGORY_APPROVAL_NOT_FOUND',
        `category ${category} was never requested for advertiser ${advertiserId}`,
      );
    }
    void reply.header('etag', etagOf(revision));
    return state satisfies CategoryApproval;
  }

  @Transition(':category/approval', 'ApproveCategory', 'Approve the pending request (four eyes: not its requester)')
  approve(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Param('category', SlugPipe) category: string,
    @Write() context: CommandContext,
  ) {
    return this.run(advertiserId, category, { type: 'ApproveCategory', data: { advertiserId, category } }, context);
  }

  @Transition(':category/rejection', 'RejectCategory', 'Reject the pending request (four eyes: not its requester)')
  reject(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Param('category', SlugPipe) category: string,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      advertiserId,
      category,
      { type: 'RejectCategory', data: { advertiserId, category, reason: body.reason } },
      context,
    );
  }

  @Transition(
    ':category/revocation',
    'RevokeCategoryApproval',
    'Revoke the approval: links and campaigns in the category are denied at once',
  )
  revoke(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Param('category', SlugPipe) category: string,
    @Body() body: ReasonDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      advertiserId,
      category,
      { type: 'RevokeCategoryApproval', data: { advertiserId, category, reason: body.reason } },
      context,
    );
  }

  @Transition(
    ':category/expiry',
    'ExpireCategoryApproval',
    'Record that the approval lapsed (from the day after its valid-until date)',
  )
  expire(
    @Param('advertiserId', UuidPipe) advertiserId: string,
    @Param('category', SlugPipe) category: string,
    @Write() context: CommandContext,
  ) {
    return this.run(
      advertiserId,
      category,
      { type: 'ExpireCategoryApproval', data: { advertiserId, category } },
      context,
    );
  }

  private run(
    advertiserId: string,
    category: string,
    intent: ExecuteCategoryApprovalCommand['intent'],
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.commandBus.execute(new ExecuteCategoryApprovalCommand(advertiserId, category, intent, context));
  }
}
