import { BusinessRuleViolation, NotFound, NotPermitted, requireRole, requiredText, sameUser } from '../shared';
import { COMMAND_ROLES } from '../permissions';
import type { Decider } from '../shared';
import type {
  AdvertiserCommand,
  ChangeKaTier,
  ReinstateAdvertiser,
  RegisterAdvertiser,
  SuspendAdvertiser,
  VerifyAdvertiser,
} from './commands';
import type {
  AdvertiserEvent,
  AdvertiserRegistered,
  AdvertiserReinstated,
  AdvertiserSuspended,
  AdvertiserVerificationRejected,
  AdvertiserVerified,
  KaTier,
  KaTierChanged,
} from './events';
import { KA_TIERS } from './events';
import type { Advertiser, RegisteredAdvertiser } from './state';
import { evolve, initialAdvertiser } from './state';

// Canonical lowercase UUIDs only: one advertiser must map to one stream name, and the category
// approval stream relies on an advertiser id never containing '_'.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const decide = (command: AdvertiserCommand, state: Advertiser): AdvertiserEvent[] => {
  switch (command.type) {
    case 'RegisterAdvertiser':
      return [registerAdvertiser(command, state)];
    case 'VerifyAdvertiser':
      return [verifyAdvertiser(command, state)];
    case 'ChangeKaTier':
      return [changeKaTier(command, state)];
    case 'SuspendAdvertiser':
      return [suspendAdvertiser(command, state)];
    case 'ReinstateAdvertiser':
      return [reinstateAdvertiser(command, state)];
  }
};

export const advertiserDecider: Decider<AdvertiserCommand, AdvertiserEvent, Advertiser> = {
  initialState: initialAdvertiser,
  evolve,
  decide,
};

const registerAdvertiser = (command: RegisterAdvertiser, state: Advertiser): AdvertiserRegistered => {
  requireRole(command.metadata.actor, COMMAND_ROLES.RegisterAdvertiser, 'Registering an advertiser');
  const { advertiserId } = command.data;
  if (!UUID.test(advertiserId)) {
    throw new BusinessRuleViolation(
      'INVALID_ADVERTISER_ID',
      `Advertiser id '${advertiserId}' must be a lowercase UUID; leave it out to have one assigned.`,
    );
  }
  const legalName = requiredText(command.data.legalName, 'LEGAL_NAME_REQUIRED', "Give the advertiser's legal name.");
  const registrationNumber = requiredText(
    command.data.registrationNumber,
    'REGISTRATION_NUMBER_REQUIRED',
    "Give the advertiser's company registration number.",
  );
  const kaTier = kaTierOf(command.data.kaTier);
  const salesOwnerId = requiredText(
    command.data.salesOwnerId,
    'SALES_OWNER_REQUIRED',
    'Name the salesperson who owns this account.',
  );
  if (state.status !== 'None') {
    throw new BusinessRuleViolation(
      'ADVERTISER_ALREADY_REGISTERED',
      `Advertiser ${advertiserId} is already registered.`,
    );
  }
  return {
    type: 'AdvertiserRegistered',
    data: { advertiserId, legalName, registrationNumber, kaTier, salesOwnerId },
  };
};

const verifyAdvertiser = (
  command: VerifyAdvertiser,
  state: Advertiser,
): AdvertiserVerified | AdvertiserVerificationRejected => {
  requireRole(command.metadata.actor, COMMAND_ROLES.VerifyAdvertiser, 'Verifying an advertiser');
  const advertiser = registered(state, command.data.advertiserId);
  const { userId } = command.metadata.actor;
  if (sameUser(userId, advertiser.registeredBy)) {
    throw new NotPermitted(
      'FOUR_EYES',
      'You registered this advertiser, so another compliance reviewer must verify it.',
    );
  }
  // The account's sales owner has the same interest in a quick yes as whoever typed it in.
  if (sameUser(userId, advertiser.salesOwnerId)) {
    throw new NotPermitted(
      'FOUR_EYES',
      'You own this account in sales, so another compliance reviewer must verify it.',
    );
  }
  if (advertiser.verification === 'Verified') {
    throw new BusinessRuleViolation(
      'ADVERTISER_ALREADY_VERIFIED',
      `Advertiser ${advertiser.advertiserId} is already verified; suspend it if it should stop trading.`,
    );
  }
  const { data } = command;
  switch (data.decision) {
    case 'verified':
      return { type: 'AdvertiserVerified', data: { advertiserId: advertiser.advertiserId } };
    case 'rejected': {
      if (advertiser.verification === 'Rejected') {
        throw new BusinessRuleViolation(
          'VERIFICATION_ALREADY_REJECTED',
          `Verification of advertiser ${advertiser.advertiserId} is already rejected.`,
        );
      }
      const reason = requiredText(data.reason, 'REASON_REQUIRED', 'Say why the verification is rejected.');
      return { type: 'AdvertiserVerificationRejected', data: { advertiserId: advertiser.advertiserId, reason } };
    }
  }
};

const changeKaTier = (command: ChangeKaTier, state: Advertiser): KaTierChanged => {
  requireRole(command.metadata.actor, COMMAND_ROLES.ChangeKaTier, 'Changing the KA tier');
  const advertiser = registered(state, command.data.advertiserId);
  const kaTier = kaTierOf(command.data.kaTier);
  if (kaTier === advertiser.kaTier) {
    throw new BusinessRuleViolation('KA_TIER_UNCHANGED', `Advertiser ${advertiser.advertiserId} is already ${kaTier}.`);
  }
  return { type: 'KaTierChanged', data: { advertiserId: advertiser.advertiserId, kaTier } };
};

const suspendAdvertiser = (command: SuspendAdvertiser, state: Advertiser): AdvertiserSuspended => {
  requireRole(command.metadata.actor, COMMAND_ROLES.SuspendAdvertiser, 'Suspending an advertiser');
  const advertiser = registered(state, command.data.advertiserId);
  const reason = requiredText(command.data.reason, 'REASON_REQUIRED', 'Say why the advertiser is suspended.');
  if (advertiser.suspended) {
    throw new BusinessRuleViolation(
      'ADVERTISER_ALREADY_SUSPENDED',
      `Advertiser ${advertiser.advertiserId} is already suspended.`,
    );
  }
  return { type: 'AdvertiserSuspended', data: { advertiserId: advertiser.advertiserId, reason } };
};

const reinstateAdvertiser = (command: ReinstateAdvertiser, state: Advertiser): AdvertiserReinstated => {
  requireRole(command.metadata.actor, COMMAND_ROLES.ReinstateAdvertiser, 'Reinstating an advertiser');
  const advertiser = registered(state, command.data.advertiserId);
  if (!advertiser.suspended) {
    throw new BusinessRuleViolation(
      'ADVERTISER_NOT_SUSPENDED',
      `Advertiser ${advertiser.advertiserId} is not suspended, so there is nothing to reinstate.`,
    );
  }
  return { type: 'AdvertiserReinstated', data: { advertiserId: advertiser.advertiserId } };
};

const registered = (state: Advertiser, advertiserId: string): RegisteredAdvertiser => {
  if (state.status === 'None') {
    throw new NotFound('ADVERTISER_NOT_FOUND', `No advertiser ${advertiserId} is registered.`);
  }
  return state;
};

const kaTierOf = (kaTier: string): KaTier => {
  const known = KA_TIERS.find((tier) => tier === kaTier);
  if (known === undefined) {
    throw new BusinessRuleViolation('INVALID_KA_TIER', `KA tier '${kaTier}' is not one of ${KA_TIERS.join(', ')}.`);
  }
  return known;
};
