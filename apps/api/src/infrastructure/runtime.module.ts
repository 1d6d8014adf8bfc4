import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Runtime } from '#runtime';
import { TokenVerifier } from '../http/tokens';
import { EVENT_STORE, PG_POOL, RUNTIME } from './tokens';

class RuntimeCloser implements OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** Runs after the HTTP server has stopped taking requests and in-flight ones finished. */
  onApplicationShutdown(): Promise<void> {
    return this.runtime.close();
  }
}

/** Hands what the runtime opened (pool, event store, embedded PostgreSQL) to Nest, and closes it on shutdown. */
@Global()
@Module({})
export class RuntimeModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: EVENT_STORE, useValue: runtime.eventStore },
        { provide: PG_POOL, useValue: runtime.pool },
        {
          provide: TokenVerifier,
          useValue: new TokenVerifier({
            secret: runtime.jwtSecret,
            publicKeyPem: runtime.config.jwtPublicKey,
            jwksUrl: runtime.config.jwtJwksUrl,
            jwksCooldownSeconds: runtime.config.jwtJwksCooldownSeconds,
            issuer: runtime.config.jwtIssuer,
            audience: runtime.config.jwtAudience,
            maxLifetimeSeconds: runtime.config.jwtMaxLifetimeSeconds,
            clockSkewSeconds: runtime.config.jwtClockSkewSeconds,
          }),
        },
        RuntimeCloser,
      ],
      exports: [RUNTIME, EVENT_STORE, PG_POOL, TokenVerifier],
    };
  }
}
