export * from './commands';
export * from './events';
export { COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS, linkPolicyOf } from './state';
export type { LinkPlatform, PlatformPolicy } from './state';
export { platformPolicyDecider } from './decide';
