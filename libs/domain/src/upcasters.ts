import { contractUpcasters } from './contract';
import type { Upcaster } from './shared';

/** Every stored event type's upcasters; a type not listed is at version 1. */
export const UPCASTERS: readonly Upcaster[] = [...contractUpcasters];
