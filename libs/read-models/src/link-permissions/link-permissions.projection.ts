import type { ClientBase } from 'pg';
import type { Migration } from '#event-store';
import { projected, type ProjectedEvent } from '../engine/domain-events';
import { LruCache, WorkingSet } from '../engine/cache';
import type { ApplierOptions, BatchApplier, Projection } from '../engine/projection';
import { laterPosition, type RowWrite } from '../engine/rows';
import {
  LINK_PERMISSIONS_EVENTS,
  evolveAdvertiser,
  evolveApproval,
  evolveContract,
  evolveEligibleCategory,
  evolvePlatform,
  inputKeyOf,
  startsInput,
  type InputKey,
  type AdvertiserInput,
  type ApprovalInput,
  type ContractInput,
  type EligibleCategoryInput,
  type PlatformInput,
} from './link-inputs';
import {
  LINK_PERMISSION_CHANGES_MIGRATION,
  LINK_PERMISSION_FEED_RETENTION_MIGRATION,
  LINK_PERMISSION_CHANGES_TABLE,
  changeRowsOf,
  type PermissionKey,
} from './link-permission-changes';
import { permissionKeysOf, permissionsOf, type LinkPermission } from './permissions';

export const LINK_PERMISSIONS = 'link_permissions';

/*
 * link_permissions is what queries read; the link_* tables hold the inputs, so that a change to one
 * input recomputes the permissions that depend on it from the others without replaying anything.
 * key_platforms/key_categories are the contract's permission keys (terms plus anything still
 * enabled), indexed so a platform or category change finds its contracts.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'link permissions and their inputs',
    sql: `
      CREATE TABLE link_platforms (
        platform text PRIMARY KEY,
        allowed_domains text[] NOT NULL,
        suspended boolean NOT NULL
      );
      CREATE TABLE link_eligible_categories (
        category text PRIMARY KEY,
        regulated boolean NOT NULL
      );
      CREATE TABLE link_advertisers (
        advertiser_id text PRIMARY KEY,
        verified boolean NOT NULL,
        suspended boolean NOT NULL
      );
      CREATE TABLE link_category_approvals (
        advertiser_id text NOT NULL,
        category text NOT NULL,
        status text NOT NULL,
        valid_until date NOT NULL,
        licence_ref text NOT NULL,
        PRIMARY KEY (advertiser_id, category)
      );
      CREATE TABLE link_contracts (
        contract_id text PRIMARY KEY,
        advertiser_id text NOT NULL,
        status text NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        categories text[] NOT NULL,
        platforms text[] NOT NULL,
        enabled_links jsonb NOT NULL,
        key_platforms text[] NOT NULL,
        key_categories text[] NOT NULL
      );
      CREATE INDEX ON link_contracts (advertiser_id);
      CREATE INDEX ON link_contracts USING gin (key_platforms);
      CREATE INDEX ON link_contracts USING gin (key_categories);
      CREATE TABLE link_permissions (
        advertiser_id text NOT NULL,
        contract_id text NOT NULL,
        platform text NOT NULL,
        category text NOT NULL,
        allowed boolean NOT NULL,
        reasons text[] NOT NULL,
        allowed_domains text[] NOT NULL,
        valid_from date NOT NULL,
        valid_until date NOT NULL,
        contract_ends_on date NOT NULL,
        category_valid_until date,
        ad_label_required boolean NOT NULL,
        regulated boolean NOT NULL,
        licence_ref text,
        source_position numeric(40,0) NOT NULL,
        PRIMARY KEY (advertiser_id, platform, category, contract_id)
      );
      CREATE INDEX ON link_permissions (contract_id);
    `,
  },
  LINK_PERMISSION_CHANGES_MIGRATION,
  LINK_PERMISSION_FEED_RETENTION_MIGRATION,
];

const approvalKey = (advertiserId: string, category: string): string => `${advertiserId}|${category}`;

const inputId = (key: InputKey): string => {
  switch (key.kind) {
    case 'platform':
      return `platform:${key.platform}`;
    case 'eligibleCategory':
      return `category:${key.category}`;
    case 'advertiser':
      return `advertiser:${key.advertiserId}`;
    case 'approval':
      return `approval:${approvalKey(key.advertiserId, key.category)}`;
    case 'contract':
      return `contract:${key.contractId}`;
  }
};

/** The link policy: small, so an applier reads it once and keeps all of it. */
interface Policy {
  loaded: boolean;
  readonly platforms: Map<string, PlatformInput>;
  readonly eligible: Map<string, EligibleCategoryInput>;
}

// Enough for the clients active at once; older inputs are read again when an event needs them.
const INPUT_CACHE = 50_000;

/** The inputs one batch works on: from the applier's caches or the helper tables, folded in memory, written back. */
class Inputs {
  readonly advertisers: WorkingSet<AdvertiserInput>;
  readonly approvals: WorkingSet<ApprovalInput>;
  readonly contracts: WorkingSet<ContractInput>;

  constructor(
    private readonly client: ClientBase,
    readonly policy: Policy,
    caches: {
      advertisers: LruCache<AdvertiserInput | null>;
      approvals: LruCache<ApprovalInput | null>;
      contracts: LruCache<ContractInput | null>;
    },
  ) {
    this.advertisers = new WorkingSet(caches.advertisers);
    this.approvals = new WorkingSet(caches.approvals);
    this.contracts = new WorkingSet(caches.contracts);
  }

  async loadPolicy(): Promise<void> {
    if (this.policy.loaded) return;
    const { rows } = await this.client.query<{ kind: 'platform' | 'category'; row: Record<string, unknown> }>(
      `SELECT 'platform' AS kind, to_jsonb(p) AS row FROM link_platforms p
       UNION ALL SELECT 'category', to_jsonb(c) FROM link_eligible_categories c`,
    );
    for (const { kind, row } of rows) {
      if (kind === 'platform') {
        const platform = row as { platform: string; allowed_domains: string[]; suspended: boolean };
        this.policy.platforms.set(platform.platform, {
          platform: platform.platform,
          allowedDomains: platform.allowed_domains,
          suspended: platform.suspended,
        });
      } else {
        const category = row as { category: string; regulated: boolean };
        this.policy.eligible.set(category.category, { category: category.category, regulated: category.regulated });
      }
    }
    this.policy.loaded = true;
  }

  /** Reads whatever of these neither the batch nor the caches know yet; absent rows are remembered as such. */
  async load(wanted: {
    advertisers?: Iterable<string>;
    approvals?: Iterable<[string, string]>;
    contracts?: Iterable<string>;
  }): Promise<void> {
    const advertisers = this.advertisers.unknown(wanted.advertisers ?? []);
    const subjects = new Map([...(wanted.approvals ?? [])].map(([a, c]) => [approvalKey(a, c), [a, c] as const]));
    const approvals = this.approvals.unknown(subjects.keys()).map((key) => subjects.get(key)!);
    const contracts = this.contracts.unknown(wanted.contracts ?? []);
    if (advertisers.length + approvals.length + contracts.length === 0) return;
    const { rows } = await this.client.query<{ kind: string; row: Record<string, unknown> }>(
      `SELECT 'advertiser' AS kind, to_jsonb(a) AS row FROM link_advertisers a WHERE a.advertiser_id = ANY($1::text[])
       UNION ALL
       SELECT 'approval', to_jsonb(c) FROM link_category_approvals c
         JOIN unnest($2::text[], $3::text[]) AS w(advertiser_id, category)
         ON c.advertiser_id = w.advertiser_id AND c.category = w.category
       UNION ALL
       SELECT 'contract', to_jsonb(k) FROM link_contracts k WHERE k.contract_id = ANY($4::text[])`,
      [advertisers, approvals.map(([a]) => a), approvals.map(([, c]) => c), contracts],
    );
    for (const id of advertisers) this.advertisers.set(id, undefined);
    for (const [a, c] of approvals) this.approvals.set(approvalKey(a, c), undefined);
    for (const id of contracts) this.contracts.set(id, undefined);
    for (const { kind, row } of rows) {
      if (kind === 'advertiser') {
        const advertiser = advertiserOf(row);
        this.advertisers.set(advertiser.advertiserId, advertiser);
      } else if (kind === 'approval') {
        const approval = approvalOf(row);
        this.approvals.set(approvalKey(approval.advertiserId, approval.category), approval);
      } else {
        const contract = contractOf(row);
        this.contracts.set(contract.contractId, contract);
      }
    }
  }

  keep(): void {
    this.advertisers.keep();
    this.approvals.keep();
    this.contracts.keep();
  }
}

const advertiserOf = (row: Record<string, unknown>): AdvertiserInput => ({
  advertiserId: row.advertiser_id as string,
  verified: row.verified as boolean,
  suspended: row.suspended as boolean,
});

const approvalOf = (row: Record<string, unknown>): ApprovalInput => ({
  advertiserId: row.advertiser_id as string,
  category: row.category as string,
  status: row.status as ApprovalInput['status'],
  validUntil: row.valid_until as string,
  licenceRef: row.licence_ref as string,
});

const contractOf = (row: Record<string, unknown>): ContractInput => ({
  contractId: row.contract_id as string,
  advertiserId: row.advertiser_id as string,
  status: row.status as ContractInput['status'],
  startsOn: row.starts_on as string,
  endsOn: row.ends_on as string,
  categories: row.categories as string[],
  platforms: row.platforms as string[],
  enabledLinks: row.enabled_links as Record<string, string[]>,
});

const contractRecord = (contract: ContractInput): Record<string, unknown> => {
  const keys = permissionKeysOf(contract);
  return {
    contract_id: contract.contractId,
    advertiser_id: contract.advertiserId,
    status: contract.status,
    starts_on: contract.startsOn,
    ends_on: contract.endsOn,
    categories: contract.categories,
    platforms: contract.platforms,
    enabled_links: contract.enabledLinks,
    key_platforms: keys.platforms,
    key_categories: keys.categories,
  };
};

const permissionRecord = (permission: LinkPermission): Record<string, unknown> => ({
  advertiser_id: permission.advertiserId,
  contract_id: permission.contractId,
  platform: permission.platform,
  category: permission.category,
  allowed: permission.allowed,
  reasons: permission.reasons,
  allowed_domains: permission.allowedDomains,
  valid_from: permission.validFrom,
  valid_until: permission.validUntil,
  contract_ends_on: permission.contractEndsOn,
  category_valid_until: permission.categoryValidUntil,
  ad_label_required: permission.adLabelRequired,
  regulated: permission.regulated,
  licence_ref: permission.licenceRef,
  source_position: permission.sourcePosition,
});

/** Positions of the last event in the batch that changed each input. */
class Touched {
  readonly platforms = new Map<string, string>();
  readonly categories = new Map<string, string>();
  readonly advertisers = new Map<string, string>();
  readonly approvals = new Map<string, string>();
  readonly approvalSubjects = new Map<string, [advertiserId: string, category: string]>();
  readonly contracts = new Map<string, string>();

  mark(map: Map<string, string>, key: string, position: string): void {
    map.set(key, laterPosition(map.get(key), position));
  }

  /** The permission's source position if any of its inputs changed in this batch, else undefined. */
  positionOf(contract: ContractInput, platform: string, category: string): string | undefined {
    let latest: string | undefined;
    for (const position of [
      this.contracts.get(contract.contractId),
      this.advertisers.get(contract.advertiserId),
      this.approvals.get(approvalKey(contract.advertiserId, category)),
      this.platforms.get(platform),
      this.categories.get(category),
    ]) {
      if (position !== undefined) latest = laterPosition(latest, position);
    }
    return latest;
  }
}

/**
 * Per batch: fold the input events into the helper rows, find every contract whose permissions
 * depend on a changed input, recompute those permissions from the inputs, and write the ones whose
 * inputs changed. All of it runs in the transaction that moves the checkpoint, so a revocation
 * denies in the same commit that records having seen it.
 *
 * The change feed keeps one entry per change of a row, at the position of the event behind it, so
 * a live batch is applied only up to the first event that may change a row an earlier event of the
 * batch changed (see RowScopes); the runner applies the rest after that part commits. A rebuild
 * applies whole pages, and a row changed twice within one appears once, in its last state.
 */
const linkPermissionsApplier = (options: ApplierOptions = {}): BatchApplier => {
  const policy: Policy = { loaded: false, platforms: new Map(), eligible: new Map() };
  const caches = {
    advertisers: new LruCache<AdvertiserInput | null>(INPUT_CACHE),
    approvals: new LruCache<ApprovalInput | null>(INPUT_CACHE),
    contracts: new LruCache<ContractInput | null>(INPUT_CACHE),
  };
  return async (client, recorded) => {
    const events: ProjectedEvent[] = [];
    const indexes: number[] = [];
    recorded.forEach((event, index) => {
      const input = projected(event);
      if (inputKeyOf(input) === undefined) return;
      events.push(input);
      indexes.push(index);
    });
    if (events.length === 0) return [];
    const inputs = new Inputs(client, policy, caches);
    await inputs.loadPolicy();
    const keys = events.map((event) => inputKeyOf(event)!);
    await loadInputsOf(inputs, events, keys);
    const together = options.rebuild ? events.length : new RowScopes().leadingRun(events, keys, inputs);
    const writes = await applyInputEvents(client, inputs, events.slice(0, together), keys.slice(0, together));
    inputs.keep();
    return together === events.length ? writes : { writes, through: indexes[together]! };
  };
};

/**
 * Which permission rows events may change, coarsely enough to need no reads: a platform's or an
 * eligible category's event any row; an advertiser's or a category approval's event the rows of
 * that advertiser's contracts; a contract's event that contract's rows.
 */
class RowScopes {
  private everything = false;
  private readonly advertisers = new Set<string>();
  private readonly advertisersOfContracts = new Set<string>();
  private readonly contracts = new Set<string>();

  /** How many of the events, from the first, change no row twice (at least one: nothing overlaps the first). */
  leadingRun(events: readonly ProjectedEvent[], keys: readonly InputKey[], inputs: Inputs): number {
    for (const [index, key] of keys.entries()) if (!this.add(key, events[index]!, inputs)) return index;
    return keys.length;
  }

  /** Records the event's scope; false, recording nothing, when it overlaps what is recorded. */
  private add(key: InputKey, event: ProjectedEvent, inputs: Inputs): boolean {
    if (this.everything) return false;
    switch (key.kind) {
      case 'platform':
      case 'eligibleCategory':
        if (this.advertisers.size + this.contracts.size > 0) return false;
        this.everything = true;
        return true;
      case 'advertiser':
      case 'approval':
        if (this.advertisers.has(key.advertiserId) || this.advertisersOfContracts.has(key.advertiserId)) return false;
        this.advertisers.add(key.advertiserId);
        return true;
      case 'contract': {
        // A contract drafted in this batch is not among the inputs yet: its draft names the advertiser.
        const advertiserId =
          inputs.contracts.get(key.contractId)?.advertiserId ?? (event.data as { advertiserId?: string }).advertiserId;
        if (this.contracts.has(key.contractId)) return false;
        if (advertiserId !== undefined && this.advertisers.has(advertiserId)) return false;
        this.contracts.add(key.contractId);
        if (advertiserId !== undefined) this.advertisersOfContracts.add(advertiserId);
        return true;
      }
    }
  }
}

/** Reads the inputs the events change, but for those an event of theirs here starts afresh. */
const loadInputsOf = async (inputs: Inputs, events: readonly ProjectedEvent[], keys: readonly InputKey[]) => {
  // An input whose first event here starts it afresh (a registration, a draft) needs no read.
  const started = new Set<string>();
  const seen = new Set<string>();
  keys.forEach((key, index) => {
    const id = inputId(key);
    if (seen.has(id)) return;
    seen.add(id);
    if (startsInput(events[index]!)) started.add(id);
  });
  const toRead = keys.filter((key) => !started.has(inputId(key)));
  await inputs.load({
    advertisers: toRead.flatMap((key) => (key.kind === 'advertiser' ? [key.advertiserId] : [])),
    approvals: toRead.flatMap((key) =>
      key.kind === 'approval' ? [[key.advertiserId, key.category] as [string, string]] : [],
    ),
    contracts: toRead.flatMap((key) => (key.kind === 'contract' ? [key.contractId] : [])),
  });
};

const applyInputEvents = async (
  client: ClientBase,
  inputs: Inputs,
  events: readonly ProjectedEvent[],
  keys: readonly InputKey[],
): Promise<RowWrite[]> => {
  const touched = new Touched();
  const removedCategories = new Set<string>();
  events.forEach((event, index) => {
    const key = keys[index]!;
    switch (key.kind) {
      case 'platform': {
        const next = evolvePlatform(inputs.policy.platforms.get(key.platform), event);
        if (next) inputs.policy.platforms.set(key.platform, next);
        touched.mark(touched.platforms, key.platform, event.position);
        break;
      }
      case 'eligibleCategory': {
        const next = evolveEligibleCategory(inputs.policy.eligible.get(key.category), event);
        if (next) {
          inputs.policy.eligible.set(key.category, next);
          removedCategories.delete(key.category);
        } else {
          inputs.policy.eligible.delete(key.category);
          removedCategories.add(key.category);
        }
        touched.mark(touched.categories, key.category, event.position);
        break;
      }
      case 'advertiser':
        inputs.advertisers.set(key.advertiserId, evolveAdvertiser(inputs.advertisers.get(key.advertiserId), event));
        touched.mark(touched.advertisers, key.advertiserId, event.position);
        break;
      case 'approval': {
        const id = approvalKey(key.advertiserId, key.category);
        inputs.approvals.set(id, evolveApproval(inputs.approvals.get(id), event));
        touched.mark(touched.approvals, id, event.position);
        touched.approvalSubjects.set(id, [key.advertiserId, key.category]);
        break;
      }
      case 'contract':
        inputs.contracts.set(key.contractId, evolveContract(inputs.contracts.get(key.contractId), event));
        touched.mark(touched.contracts, key.contractId, event.position);
        break;
    }
  });

  // Every read before the first write: a transaction holds back the event store's read horizon
  // only from its first write on. The committed helper rows are enough to find the affected
  // contracts, because a contract changed in this batch is affected directly.
  const affected = await affectedContracts(client, touched);
  await inputs.load({ contracts: affected });
  const contracts = affected.map((id) => inputs.contracts.get(id)).filter((c): c is ContractInput => c !== undefined);
  await inputs.load({
    advertisers: contracts.map((contract) => contract.advertiserId),
    approvals: contracts.flatMap((contract) =>
      permissionKeysOf(contract).categories.map((category) => [contract.advertiserId, category] as [string, string]),
    ),
  });

  const rows: (Record<string, unknown> & PermissionKey & { source_position: string })[] = [];
  for (const contract of contracts) {
    const computed = permissionsOf(contract, {
      advertiser: inputs.advertisers.get(contract.advertiserId),
      platform: (platform) => inputs.policy.platforms.get(platform),
      eligibleCategory: (category) => inputs.policy.eligible.get(category),
      approval: (category) => inputs.approvals.get(approvalKey(contract.advertiserId, category)),
    });
    for (const permission of computed) {
      const sourcePosition = touched.positionOf(contract, permission.platform, permission.category);
      // A permission none of whose inputs changed in this batch is already right as stored.
      if (sourcePosition !== undefined) {
        rows.push(permissionRecord({ ...permission, sourcePosition }) as (typeof rows)[number]);
      }
    }
  }
  const removed = await stalePermissions(client, inputs, touched);
  return [
    ...changedInputs(inputs, touched, removedCategories),
    {
      table: 'link_permissions',
      key: ['advertiser_id', 'platform', 'category', 'contract_id'],
      rows,
      deletes: removed.map(({ advertiser_id, platform, category, contract_id }) => ({
        advertiser_id,
        platform,
        category,
        contract_id,
      })),
    },
    {
      table: LINK_PERMISSION_CHANGES_TABLE.name,
      key: LINK_PERMISSION_CHANGES_TABLE.key,
      rows: changeRowsOf(rows, removed),
    },
  ];
};

/** The helper rows this batch changed or removed, to be written with the permissions. */
const changedInputs = (inputs: Inputs, touched: Touched, removedCategories: ReadonlySet<string>): RowWrite[] => {
  const present = <V>(map: { get(key: string): V | undefined }, keys: Iterable<string>): V[] =>
    [...keys].map((key) => map.get(key)).filter((value): value is V => value !== undefined);
  return [
    {
      table: 'link_platforms',
      key: ['platform'],
      rows: present(inputs.policy.platforms, touched.platforms.keys()).map((platform) => ({
        platform: platform.platform,
        allowed_domains: platform.allowedDomains,
        suspended: platform.suspended,
      })),
    },
    {
      table: 'link_eligible_categories',
      key: ['category'],
      rows: present(inputs.policy.eligible, touched.categories.keys()).map((category) => ({
        category: category.category,
        regulated: category.regulated,
      })),
      deletes: [...removedCategories].map((category) => ({ category })),
    },
    {
      table: 'link_advertisers',
      key: ['advertiser_id'],
      rows: present(inputs.advertisers, touched.advertisers.keys()).map((advertiser) => ({
        advertiser_id: advertiser.advertiserId,
        verified: advertiser.verified,
        suspended: advertiser.suspended,
      })),
    },
    {
      table: 'link_category_approvals',
      key: ['advertiser_id', 'category'],
      rows: present(inputs.approvals, touched.approvals.keys()).map((approval) => ({
        advertiser_id: approval.advertiserId,
        category: approval.category,
        status: approval.status,
        valid_until: approval.validUntil,
        licence_ref: approval.licenceRef,
      })),
    },
    {
      table: 'link_contracts',
      key: ['contract_id'],
      rows: present(inputs.contracts, touched.contracts.keys()).map(contractRecord),
    },
  ];
};

/** Contracts with a permission that depends on an input changed in this batch. */
const affectedContracts = async (client: ClientBase, touched: Touched): Promise<string[]> => {
  const found = new Set(touched.contracts.keys());
  // Only the branches this batch needs: an empty array still costs an index scan.
  const branches: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (touched.advertisers.size > 0) {
    branches.push(
      `SELECT contract_id FROM link_contracts WHERE advertiser_id = ANY(${param([...touched.advertisers.keys()])}::text[])`,
    );
  }
  if (touched.approvalSubjects.size > 0) {
    const subjects = [...touched.approvalSubjects.values()];
    branches.push(
      `SELECT k.contract_id FROM unnest(${param(subjects.map(([advertiserId]) => advertiserId))}::text[],
         ${param(subjects.map(([, category]) => category))}::text[]) AS w(advertiser_id, category)
       JOIN link_contracts k ON k.advertiser_id = w.advertiser_id
       WHERE w.category = ANY(k.key_categories)`,
    );
  }
  if (touched.platforms.size > 0) {
    branches.push(
      `SELECT contract_id FROM link_contracts WHERE key_platforms && ${param([...touched.platforms.keys()])}::text[]`,
    );
  }
  if (touched.categories.size > 0) {
    branches.push(
      `SELECT contract_id FROM link_contracts WHERE key_categories && ${param([...touched.categories.keys()])}::text[]`,
    );
  }
  if (branches.length > 0) {
    const { rows } = await client.query<{ contract_id: string }>(branches.join(' UNION '), params);
    for (const row of rows) found.add(row.contract_id);
  }
  return [...found];
};

/**
 * An amendment or a disabled link can shrink a contract's permission keys: the stored rows outside
 * them, to be deleted, with the position of the contract's event that removed them for the change
 * feed. Read from the committed rows, which only this runner writes.
 */
const stalePermissions = async (
  client: ClientBase,
  inputs: Inputs,
  touched: Touched,
): Promise<(PermissionKey & { position: string })[]> => {
  const kept = new Map(
    [...touched.contracts.keys()].flatMap((contractId) => {
      const contract = inputs.contracts.get(contractId);
      return contract ? [[contractId, permissionKeysOf(contract)] as const] : [];
    }),
  );
  if (kept.size === 0) return [];
  const { rows } = await client.query<PermissionKey>(
    'SELECT advertiser_id, contract_id, platform, category FROM link_permissions WHERE contract_id = ANY($1::text[])',
    [[...kept.keys()]],
  );
  return rows
    .filter((row) => {
      const keys = kept.get(row.contract_id)!;
      return !(keys.platforms.includes(row.platform) && keys.categories.includes(row.category));
    })
    .map((row) => ({ ...row, position: touched.contracts.get(row.contract_id)! }));
};

export const linkPermissionsProjection: Projection = {
  name: LINK_PERMISSIONS,
  version: 1,
  component: 'read-model:link_permissions',
  migrations: MIGRATIONS,
  events: LINK_PERMISSIONS_EVENTS,
  tables: [
    { name: 'link_platforms', key: ['platform'] },
    { name: 'link_eligible_categories', key: ['category'] },
    { name: 'link_advertisers', key: ['advertiser_id'] },
    { name: 'link_category_approvals', key: ['advertiser_id', 'category'] },
    { name: 'link_contracts', key: ['contract_id'] },
    { name: 'link_permissions', key: ['advertiser_id', 'platform', 'category', 'contract_id'] },
    LINK_PERMISSION_CHANGES_TABLE,
  ],
  applier: linkPermissionsApplier,
};
