/**
 * @module Objects under an s3://<bucket>/<prefix>/ STORAGE_URL. Credentials and region come from the AWS SDK's
 * usual chain: on EKS the tenant's IAM role (IRSA), whose policy allows only this prefix; locally the scoped keys
 * the storage step handed the pod. S3_ENDPOINT points it at an S3-compatible server (path-style addressing).
 */
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StorageErrors, keySegments, type ObjectStore } from './object-store.js';

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(storageUrl: string, environment: NodeJS.ProcessEnv = process.env) {
    const url = new URL(storageUrl);
    if (url.protocol !== 's3:' || !url.hostname || !url.pathname.endsWith('/') || url.pathname === '/') {
      throw new Error(`S3ObjectStore needs STORAGE_URL s3://<bucket>/<prefix>/, got ${storageUrl}`);
    }
    this.bucket = url.hostname;
    this.prefix = url.pathname.slice(1);
    const endpoint = environment.S3_ENDPOINT;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = environment;
    this.client = new S3Client({
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      region: environment.AWS_REGION ?? 'us-east-1',
      // Keys given to the pod, else the SDK's chain (on EKS: the web identity token of IRSA).
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, sessionToken } } : {}),
    });
  }

  private objectKey(key: string): string {
    return this.prefix + keySegments(key).join('/');
  }

  async put(key: string, body: Readable): Promise<void> {
    // Multipart for large or unknown lengths: the body is streamed, never held in memory whole.
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: this.objectKey(key), Body: body } }).done();
  }

  async get(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return object.Body as Readable;
    } catch (err) {
      if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404)) throw StorageErrors.notFound(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.prefix.length));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  }
}
