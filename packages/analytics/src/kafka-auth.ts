/**
 * @module How a Kafka client logs in. Locally, plain connections. On Amazon MSK (Serverless requires it), TLS and
 * IAM: SASL/OAUTHBEARER with a token signed with the program's AWS credentials (a tenant pod's IRSA role, which
 * allows writing its own topic only). The signer is loaded only when it is used.
 */
import type { SASLOptions } from '@platformatic/kafka';

/** `aws-msk-iam`: TLS and IAM, signed for `region`. */
export interface KafkaAuth {
  mechanism: 'aws-msk-iam';
  region: string;
}

/** The connection options of a client for `auth` (none: plain). */
export function kafkaConnectionOptions(auth: KafkaAuth | undefined): { tls?: object; sasl?: SASLOptions } {
  if (!auth) return {};
  return {
    tls: {},
    sasl: {
      mechanism: 'OAUTHBEARER',
      // Asked for at each login: tokens last 15 minutes and the credentials behind them rotate.
      token: async () => {
        const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
        return (await generateAuthToken({ region: auth.region })).token;
      },
    },
  };
}

/** The auth a program's environment asks for (KAFKA_AUTH, AWS_REGION). */
export function kafkaAuthFrom(config: { KAFKA_AUTH: 'none' | 'aws-msk-iam'; AWS_REGION?: string | undefined }): KafkaAuth | undefined {
  if (config.KAFKA_AUTH === 'none') return undefined;
  if (!config.AWS_REGION) throw new Error('KAFKA_AUTH=aws-msk-iam needs AWS_REGION, the region the MSK cluster is in');
  return { mechanism: 'aws-msk-iam', region: config.AWS_REGION };
}
