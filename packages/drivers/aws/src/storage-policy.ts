/**
 * @module The policy that confines a tenant to its storage prefix, s3://<bucket>/<slug>/: objects under the prefix
 * can be read, written and deleted, the bucket can be listed only with that prefix, and nothing else is allowed.
 * One function makes it for every place that needs it: Terraform's tenant module (its IAM role policy, from
 * the generated template `deploy/terraform/modules/tenant/storage-policy.json.tftpl`) and the local S3 server.
 */
import { slugProblem } from '@tenantry/core';

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow' | 'Deny';
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string[]>>;
  }[];
}

/** The tenant's prefix policy. `bucket` and `slug` may also be template placeholders such as `${bucket}`. */
export function tenantStoragePolicy(bucket: string, slug: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TenantObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: [`arn:aws:s3:::${bucket}/${slug}/*`],
      },
      {
        Sid: 'ListTenantPrefix',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${bucket}`],
        Condition: { StringLike: { 's3:prefix': [`${slug}/*`, `${slug}/`] } },
      },
    ],
  };
}

/** The same policy for a real tenant: the slug is checked first, so no pattern can widen it. */
export function policyForTenant(bucket: string, slug: string): PolicyDocument {
  const problem = slugProblem(slug);
  if (problem) throw new Error(`no storage policy for "${slug}": ${problem}`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`"${bucket}" is not an S3 bucket name`);
  return tenantStoragePolicy(bucket, slug);
}

/** The Terraform template of the policy (rendered with templatefile(bucket, slug)), as committed in the tenant module. */
export function storagePolicyTemplate(): string {
  return `${JSON.stringify(tenantStoragePolicy('${bucket}', '${slug}'), null, 2)}\n`;
}
