/**
 * @module The storage step on an S3-compatible server that enforces session policies (MinIO locally): each
 * tenant's prefix s3://<bucket>/<slug>/ and credentials that reach nothing else, made with STS AssumeRole and the
 * tenant's prefix policy (the same document Terraform gives the tenant's IAM role on AWS, where IRSA provides the
 * credentials instead). Removal deletes every object under the prefix.
 */
import { CreateBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Observed, StorageDriver, StorageGrant, TenantRef } from '@tenantry/control-plane';
import { policyForTenant } from './storage-policy.js';

export interface S3StorageOptions {
  /** The server, e.g. http://127.0.0.1:9000. */
  endpoint: string;
  region?: string;
  bucket: string;
  /** Credentials allowed to create the bucket, assume roles and delete a tenant's objects. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** How long a tenant's credentials last. @defaultValue 365 days */
  credentialsSeconds?: number;
}

/** The object that marks a tenant's prefix as made (S3 has no folders). */
const MARKER = '.tenantry';

export class S3PrefixStorage implements StorageDriver {
  private readonly s3: S3Client;
  private readonly sts: STSClient;
  private readonly region: string;

  constructor(private readonly options: S3StorageOptions) {
    this.region = options.region ?? 'us-east-1';
    const common = { endpoint: options.endpoint, region: this.region, credentials: options.credentials };
    this.s3 = new S3Client({ ...common, forcePathStyle: true });
    this.sts = new STSClient(common);
  }

  private async ensureBucket(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch {
      await this.s3.send(new CreateBucketCommand({ Bucket: this.options.bucket })).catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
      });
    }
  }

  async create(tenant: TenantRef): Promise<StorageGrant> {
    const policy = policyForTenant(this.options.bucket, tenant.slug);
    await this.ensureBucket();
    await this.s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: `${tenant.slug}/${MARKER}`, Body: '' }));
    const { Credentials: credentials } = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::000000000000:role/tenantry-tenant-${tenant.slug}`,
        RoleSessionName: `tenant-${tenant.slug}`,
        Policy: JSON.stringify(policy),
        DurationSeconds: this.options.credentialsSeconds ?? 365 * 86_400,
      }),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken)
      throw new Error(`the S3 server gave no credentials for tenant ${tenant.slug}`);
    return {
      url: `s3://${this.options.bucket}/${tenant.slug}/`,
      env: {
        S3_ENDPOINT: this.options.endpoint,
        AWS_REGION: this.region,
        AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
        AWS_SESSION_TOKEN: credentials.SessionToken,
      },
    };
  }

  async remove(tenant: TenantRef): Promise<void> {
    policyForTenant(this.options.bucket, tenant.slug);
    await deletePrefix(this.s3, this.options.bucket, `${tenant.slug}/`);
  }

  /**
   * Lists the prefix with the grant's credentials, as the pod would: missing when they are refused (expired,
   * or the prefix is not theirs) or the prefix's marker is gone (removed).
   */
  async observe(tenant: TenantRef, grant: StorageGrant): Promise<Observed> {
    const env = grant.env ?? {};
    const { host: bucket, pathname } = new URL(grant.url);
    const prefix = pathname.slice(1);
    const s3 = new S3Client({
      endpoint: env.S3_ENDPOINT ?? this.options.endpoint,
      region: env.AWS_REGION ?? this.region,
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN },
    });
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${MARKER}`, MaxKeys: 1 }));
      if ((listed.KeyCount ?? 0) === 0) return { state: 'missing', message: `s3://${bucket}/${prefix} has no ${MARKER} marker: the prefix was removed` };
      return { state: 'present' };
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      if (['AccessDenied', 'InvalidAccessKeyId', 'ExpiredToken', 'SignatureDoesNotMatch', 'InvalidTokenId'].includes(name))
        return { state: 'missing', message: `${tenant.slug}'s credentials are refused on s3://${bucket}/${prefix} (${name}): ${(err as Error).message}` };
      throw err;
    } finally {
      s3.destroy();
    }
  }
}

/** Deletes every object under `prefix` (a page of up to 1,000 keys at a time); a no-op when there are none. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
}
