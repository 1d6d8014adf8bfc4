import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExecutePlatformPolicyCommand, FactsReader, type CommandContext, type WriteResult } from '#application';
import { PLATFORM_POLICY_STREAM, linkPolicyOf, platformPolicyDecider, type LinkPolicy } from '#domain';
import { Issues, Roles } from '../http/auth.guard';
import { ReasonDto, Transition, WriteRoute } from '../http/dto';
import { SlugPipe } from '../http/pipes';
import { Write } from '../http/write-context';
import { ChangeDomainsDto, CommercialLoadCapDto, LinkEligibleCategoryDto, RegisterPlatformDto } from './platforms.dto';
import { ApiResource } from '../http/responses';
import { LinkPolicyResponse } from './platforms.responses';

@ApiTags('platform policy')
@ApiBearerAuth()
@Controller('v1')
export class PlatformsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
  ) {}

  @Get('platform-policy')
  @Roles('platform_admin', 'compliance', 'sales', 'deal_approver', 'finance_auditor', 'service')
  @ApiOperation({ summary: 'Registered link platforms, link-eligible categories and the commercial-load cap' })
  @ApiResource(LinkPolicyResponse, 'the current policy, folded from its stream')
  async policy(@Res({ passthrough: true }) reply: FastifyReply): Promise<LinkPolicy> {
    const [state, revision] = await this.facts.stateWithRevision(platformPolicyDecider, PLATFORM_POLICY_STREAM);
    if (revision !== undefined) void reply.header('etag', `W/"${revision.toString()}"`);
    return linkPolicyOf(state);
  }

  @Put('platforms/:platform')
  @HttpCode(201)
  @Issues('RegisterLinkPlatform')
  @WriteRoute(true)
  @ApiOperation({ summary: 'Register a partner e-commerce platform ads may link to' })
  register(
    @Param('platform', SlugPipe) platform: string,
    @Body() body: RegisterPlatformDto,
    @Write() context: CommandContext,
  ) {
    return this.run(platform, { type: 'RegisterLinkPlatform', data: { platform, ...body } }, context);
  }

  @Put('platforms/:platform/domains')
  @Issues('ChangeLinkPlatformDomains')
  @WriteRoute()
  @ApiOperation({ summary: "Replace a platform's allowed link domains" })
  changeDomains(
    @Param('platform', SlugPipe) platform: string,
    @Body() body: ChangeDomainsDto,
    @Write() context: CommandContext,
  ) {
    return this.run(platform, { type: 'ChangeLinkPlatformDomains', data: { platform, ...body } }, context);
  }

  @Transition(
    'platforms/:platform/suspension',
    'SuspendLinkPlatform',
    'Suspend a platform: every link to it is denied at once',
  )
  suspend(@Param('platform', SlugPipe) platform: string, @Body() body: ReasonDto, @Write() context: CommandContext) {
    return this.run(platform, { type: 'SuspendLinkPlatform', data: { platform, reason: body.reason } }, context);
  }

  @Transition('platforms/:platform/reinstatement', 'ReinstateLinkPlatform', 'Reinstate a suspended platform')
  reinstate(@Param('platform', SlugPipe) platform: string, @Write() context: CommandContext) {
    return this.run(platform, { type: 'ReinstateLinkPlatform', data: { platform } }, context);
  }

  @Put('link-eligible-categories/:category')
  @HttpCode(201)
  @Issues('AddLinkEligibleCategory')
  @WriteRoute(true)
  @ApiOperation({ summary: 'Make a product category eligible for external links' })
  addCategory(
    @Param('category', SlugPipe) category: string,
    @Body() body: LinkEligibleCategoryDto,
    @Write() context: CommandContext,
  ) {
    return this.run(
      category,
      { type: 'AddLinkEligibleCategory', data: { category, regulated: body.regulated } },
      context,
    );
  }

  @Delete('link-eligible-categories/:category')
  @Issues('RemoveLinkEligibleCategory')
  @WriteRoute()
  @ApiOperation({ summary: 'Remove a category from the link-eligible list' })
  removeCategory(@Param('category', SlugPipe) category: string, @Write() context: CommandContext) {
    return this.run(category, { type: 'RemoveLinkEligibleCategory', data: { category } }, context);
  }

  @Put('commercial-load-cap')
  @Issues('SetCommercialLoadCap')
  @WriteRoute()
  @ApiOperation({ summary: 'Set the commercial-load cap (at most 15%)' })
  setCap(@Body() body: CommercialLoadCapDto, @Write() context: CommandContext) {
    return this.run(
      'commercial-load-cap',
      { type: 'SetCommercialLoadCap', data: { basisPoints: body.basisPoints } },
      context,
    );
  }

  private run(
    id: string,
    intent: ExecutePlatformPolicyCommand['intent'],
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.commandBus.execute(new ExecutePlatformPolicyCommand(id, intent, context));
  }
}
