import { Injectable, SetMetadata, applyDecorators, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { COMMAND_ROLES, type DomainCommandType, type Role } from '#domain';
import { ProblemException } from './problem';

const ROLES_KEY = 'ka:roles';
const PUBLIC_KEY = 'ka:public';

/**
 * The roles allowed to call a route; a route without @Roles, @Issues or @Public is refused to
 * everyone. The OpenAPI document lists them as the operation's x-roles.
 */
export const Roles = (...roles: readonly Role[]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), ApiExtension('x-roles', [...roles]));

/** A route that issues this command admits exactly the roles the deciders accept for it (COMMAND_ROLES). */
export const Issues = (command: DomainCommandType) => Roles(...COMMAND_ROLES[command]);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

const unauthenticated = (detail: string) =>
  new ProblemException(401, 'UNAUTHENTICATED', detail, { 'www-authenticate': 'Bearer realm="ka-contracting"' });

/** The token was verified by the authentication hook (authentication.ts); this decides per route. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.tokenProblem !== undefined) {
      throw unauthenticated(`the bearer token is not valid (${request.tokenProblem})`);
    }
    if (!request.actor) throw unauthenticated('send Authorization: Bearer <token>');
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!request.actor.roles.some((role) => allowed.includes(role))) {
      throw new ProblemException(
        403,
        'ROLE_REQUIRED',
        `this route needs one of the roles: ${allowed.join(', ') || '(none)'}`,
      );
    }
    return true;
  }
}
