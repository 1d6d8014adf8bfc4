import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { streamAllOf, type EventStore, type Position, type StreamHead, type StreamHeadsBatch } from '#event-store';
import type { Runtime } from '#runtime';
import { ProblemException } from '../http/problem';
import { EVENT_STORE, RUNTIME } from '../infrastructure/tokens';

export const CHECKPOINT_FORMAT = 'ka-audit-checkpoint/1';

/** One anchored stream: "<streamId> <revision> <position> <hash>" (stream ids hold no spaces). */
export const CHECKPOINT_ENTRY = /^(\S+) (0|[1-9][0-9]*) (0|[1-9][0-9]*) (.*)$/;

export type CheckpointScope = { readonly all: true } | { readonly category: string };

/** What a manifest states; `signature` signs signedStatement() of the rest. */
export interface CheckpointManifest {
  readonly format: string;
  readonly scope: CheckpointScope;
  readonly takenAt: string;
  readonly headPosition: string;
  readonly headCommittedAt: string | null;
  readonly keyId: string;
  readonly streams: readonly string[];
  readonly streamCount: number;
  readonly streamsSha256: string;
  readonly signature: string;
}

const scopeText = (scope: CheckpointScope): string => ('category' in scope ? `category=${scope.category}` : 'all');

/**
 * The bytes the Ed25519 signature covers. The streams enter through the SHA-256 of their entries,
 * each followed by "\n", so a manifest of any size is signed and checked in constant memory, and
 * offline with standard tools (see README).
 */
export const signedStatement = (manifest: Omit<CheckpointManifest, 'streams' | 'signature'>): Buffer =>
  Buffer.from(
    [
      manifest.format,
      `scope=${scopeText(manifest.scope)}`,
      `takenAt=${manifest.takenAt}`,
      `headPosition=${manifest.headPosition}`,
      `headCommittedAt=${manifest.headCommittedAt ?? ''}`,
      `keyId=${manifest.keyId}`,
      `streamCount=${manifest.streamCount}`,
      `streamsSha256=${manifest.streamsSha256}`,
      '',
    ].join('\n'),
  );

const entryOf = (head: StreamHead): string =>
  `${head.streamId} ${head.revision} ${head.position} ${typeof head.hash === 'string' ? head.hash : JSON.stringify(head.hash ?? null)}`;

/** The checkpoint signing key, configured outside the database (AUDIT_SIGNING_KEY), or generated in embedded mode. */
@Injectable()
export class CheckpointSigner {
  private readonly logger = new Logger('CheckpointSigner');
  private key: Promise<{ privateKey: KeyObject; publicKey: KeyObject; keyId: string } | undefined> | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: Pick<Runtime, 'config'>) {}

  private load(): Promise<{ privateKey: KeyObject; publicKey: KeyObject; keyId: string } | undefined> {
    this.key ??= (async () => {
      const pem = this.runtime.config.auditSigningKey ?? (await this.embeddedKey());
      if (pem === undefined) return undefined;
      const privateKey = createPrivateKey(pem);
      if (privateKey.asymmetricKeyType !== 'ed25519') {
        throw new Error(`AUDIT_SIGNING_KEY must be an Ed25519 key (is ${privateKey.asymmetricKeyType})`);
      }
      const publicKey = createPublicKey(privateKey);
      const keyId = createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex')
        .slice(0, 16);
      return { privateKey, publicKey, keyId };
    })();
    return this.key;
  }

  /** Only embedded mode keeps a key beside its data; elsewhere the data directory may be the database's. */
  private async embeddedKey(): Promise<string | undefined> {
    if (this.runtime.config.mode !== 'embedded') return undefined;
    const file = join(this.runtime.config.dataDir, 'audit-signing-key.pem');
    if (existsSync(file)) return readFile(file, 'utf8');
    await mkdir(this.runtime.config.dataDir, { recursive: true });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    this.logger.log(`generated the audit checkpoint signing key ${file}; keep a copy of its public key elsewhere`);
    return readFile(file, 'utf8');
  }

  async required(): Promise<{ privateKey: KeyObject; publicKey: KeyObject; keyId: string }> {
    const key = await this.load();
    if (key === undefined) {
      throw new ProblemException(
        503,
        'CHECKPOINT_KEY_NOT_CONFIGURED',
        'audit checkpoints need AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE (an Ed25519 private key in PEM)',
      );
    }
    return key;
  }

  async publicKey(): Promise<{ algorithm: 'Ed25519'; keyId: string; publicKeyPem: string }> {
    const { publicKey, keyId } = await this.required();
    return {
      algorithm: 'Ed25519',
      keyId,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }
}

export const PROBLEM_KINDS = ['TRUNCATED', 'DELETED', 'REWRITTEN'] as const;
export type CheckpointProblemKind = (typeof PROBLEM_KINDS)[number];

export interface CheckpointProblem {
  readonly streamId: string;
  readonly problem: CheckpointProblemKind;
  /** As the manifest anchored it. */
  readonly anchored: { readonly revision: string; readonly position: string; readonly hash: string };
  /** What the store holds at that revision now, or its last event when that revision is gone; null when the stream is gone. */
  readonly found: { readonly revision: string; readonly position: string; readonly hash: string } | null;
}

export interface CheckpointVerification {
  readonly intact: boolean;
  readonly keyId: string;
  readonly takenAt: string;
  readonly manifestHeadPosition: string;
  readonly currentHeadPosition: string;
  /** The log ends before the manifest's head: events were removed from its end. */
  readonly headBehindManifest: boolean;
  readonly streamsChecked: number;
  readonly counts: Readonly<Record<CheckpointProblemKind, number>>;
  /** The first problems, in manifest order. */
  readonly problems: readonly CheckpointProblem[];
}

const LISTED_PROBLEMS = 100;
const CONCURRENT_LOOKUPS = 8;
const HEADS_BATCH = 2_000;

const hashText = (hash: unknown): string => (typeof hash === 'string' ? hash : JSON.stringify(hash ?? null));

@Injectable()
export class Checkpoints {
  private readonly logger = new Logger('Checkpoints');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly signer: CheckpointSigner,
  ) {}

  /**
   * Streams the signed manifest as one JSON document: its header, one entry per stream (from the
   * store in batches, with backpressure), then the count, the entries' SHA-256 and the signature, so
   * memory stays flat whatever the number of streams.
   */
  async send(scope: CheckpointScope, reply: FastifyReply): Promise<void> {
    const { privateKey, keyId } = await this.signer.required();
    const batches = this.heads(scope)[Symbol.asyncIterator]();
    const first = await batches.next();
    const firstBatch: StreamHeadsBatch = first.done ? { head: 0n, headCommittedAt: null, heads: [] } : first.value;
    const header = {
      format: CHECKPOINT_FORMAT,
      scope,
      takenAt: new Date().toISOString(),
      headPosition: firstBatch.head.toString(),
      headCommittedAt: firstBatch.headCommittedAt?.toISOString() ?? null,
      keyId,
    };
    reply.hijack();
    const raw = reply.raw;
    const headers: OutgoingHttpHeaders = {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="audit-checkpoint-${header.takenAt.replace(/[-:]|\.\d+/g, '')}.json"`,
      'cache-control': 'no-store',
      'x-event-position': header.headPosition,
    };
    raw.writeHead(200, headers);
    const digest = createHash('sha256');
    let count = 0;
    const write = async (text: string): Promise<void> => {
      if (!raw.write(text)) await once(raw, 'drain');
    };
    try {
      await write(`${JSON.stringify(header).slice(0, -1)},"streams":[`);
      let batch: StreamHeadsBatch | undefined = first.done ? undefined : first.value;
      while (batch !== undefined) {
        let text = '';
        for (const head of batch.heads) {
          const entry = entryOf(head);
          digest.update(`${entry}\n`);
          text += `${count === 0 ? '' : ','}\n${JSON.stringify(entry)}`;
          count++;
        }
        if (text !== '') await write(text);
        const next = await batches.next();
        batch = next.done ? undefined : next.value;
      }
      const streamsSha256 = digest.digest('hex');
      const signature = sign(
        null,
        signedStatement({ ...header, streamCount: count, streamsSha256 }),
        privateKey,
      ).toString('base64');
      raw.end(`\n],"streamCount":${count},"streamsSha256":"${streamsSha256}","signature":"${signature}"}\n`);
    } catch (error) {
      this.logger.error('audit checkpoint failed while streaming', (error as Error)?.stack ?? String(error));
      raw.destroy();
    } finally {
      await batches.return?.(undefined);
    }
  }

  /** Stream heads from the store's snapshot read, or by folding the log up to its head. */
  private async *heads(scope: CheckpointScope): AsyncGenerator<StreamHeadsBatch> {
    const category = 'category' in scope ? scope.category : undefined;
    if (this.store.streamHeads !== undefined) {
      yield* this.store.streamHeads({ batchSize: HEADS_BATCH, ...(category === undefined ? {} : { category }) });
      return;
    }
    const head = await this.store.headPosition();
    const last = new Map<string, StreamHead>();
    let headCommittedAt: Date | null = null;
    for await (const events of streamAllOf(this.store, {
      through: head,
      ...(category === undefined ? {} : { filter: { streamCategories: [category] } }),
    })) {
      for (const event of events) {
        last.set(event.streamId, {
          streamId: event.streamId,
          revision: event.revision,
          hash: event.metadata.hash,
          position: event.position,
        });
        if (event.position === head) headCommittedAt = event.createdAt;
      }
    }
    const heads = [...last.values()].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
    yield { head, headCommittedAt, heads };
  }

  /**
   * Checks the manifest's signature with this API's key, then each anchored stream against the store:
   * the event at the anchored revision must still be there with the anchored position and hash.
   */
  async verify(manifest: CheckpointManifest): Promise<CheckpointVerification> {
    const { publicKey, keyId } = await this.signer.required();
    if (manifest.keyId !== keyId) {
      throw new ProblemException(
        422,
        'CHECKPOINT_KEY_UNKNOWN',
        `the manifest was signed with key ${manifest.keyId}; this API signs with ${keyId}`,
      );
    }
    const digest = createHash('sha256');
    for (const entry of manifest.streams) digest.update(`${entry}\n`);
    const signed = signedStatement({ ...manifest });
    if (
      manifest.streams.length !== manifest.streamCount ||
      digest.digest('hex') !== manifest.streamsSha256 ||
      !verify(null, signed, publicKey, Buffer.from(manifest.signature, 'base64'))
    ) {
      throw new ProblemException(
        422,
        'CHECKPOINT_SIGNATURE_INVALID',
        'the manifest does not match its signature: it was altered, or not issued by this API',
      );
    }
    const currentHead = await this.store.headPosition();
    const problems: CheckpointProblem[] = [];
    const counts: Record<CheckpointProblemKind, number> = { TRUNCATED: 0, DELETED: 0, REWRITTEN: 0 };
    let next = 0;
    const found: (CheckpointProblem | undefined)[] = new Array<CheckpointProblem | undefined>(manifest.streams.length);
    await Promise.all(
      Array.from({ length: CONCURRENT_LOOKUPS }, async () => {
        while (next < manifest.streams.length) {
          const index = next++;
          found[index] = await this.check(manifest.streams[index]!);
        }
      }),
    );
    for (const problem of found) {
      if (problem === undefined) continue;
      counts[problem.problem]++;
      if (problems.length < LISTED_PROBLEMS) problems.push(problem);
    }
    const headBehindManifest = currentHead < BigInt(manifest.headPosition);
    return {
      intact: problems.length === 0 && !headBehindManifest,
      keyId,
      takenAt: manifest.takenAt,
      manifestHeadPosition: manifest.headPosition,
      currentHeadPosition: currentHead.toString(),
      headBehindManifest,
      streamsChecked: manifest.streams.length,
      counts,
      problems,
    };
  }

  private async check(entry: string): Promise<CheckpointProblem | undefined> {
    const [, streamId, revisionText, positionText, hash] = CHECKPOINT_ENTRY.exec(entry)!;
    const revision = BigInt(revisionText!);
    const anchored = { revision: revisionText!, position: positionText!, hash: hash! };
    const describe = (event: { revision: bigint; position: Position; metadata: { hash?: unknown } }) => ({
      revision: event.revision.toString(),
      position: event.position.toString(),
      hash: hashText(event.metadata.hash),
    });
    const [atRevision] = await this.store.readStream(streamId!, { fromRevision: revision, maxCount: 1 });
    if (atRevision !== undefined) {
      const now = describe(atRevision);
      return now.revision === anchored.revision && now.position === anchored.position && now.hash === anchored.hash
        ? undefined
        : { streamId: streamId!, problem: 'REWRITTEN', anchored, found: now };
    }
    const [last] = await this.store.readStream(streamId!, { direction: 'backwards', maxCount: 1 });
    return last === undefined
      ? { streamId: streamId!, problem: 'DELETED', anchored, found: null }
      : { streamId: streamId!, problem: 'TRUNCATED', anchored, found: describe(last) };
  }
}
