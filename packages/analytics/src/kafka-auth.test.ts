/**
 * Kafka logins. Amazon MSK cannot run here: this checks what the clients are given (TLS and SASL/OAUTHBEARER)
 * and the token itself, signed for real with the AWS SigV4 signer from static credentials, as MSK's IAM
 * authentication expects it (a presigned kafka-cluster:Connect request, base64url-encoded).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaTopicsBusDriver } from './bus-drivers.js';
import { kafkaAuthFrom, kafkaConnectionOptions } from './kafka-auth.js';

test('plain connections unless KAFKA_AUTH asks for IAM, which needs the region', () => {
  assert.deepEqual(kafkaConnectionOptions(kafkaAuthFrom({ KAFKA_AUTH: 'none' })), {});
  assert.throws(() => kafkaAuthFrom({ KAFKA_AUTH: 'aws-msk-iam' }), /KAFKA_AUTH=aws-msk-iam needs AWS_REGION/);
  assert.deepEqual(kafkaAuthFrom({ KAFKA_AUTH: 'aws-msk-iam', AWS_REGION: 'eu-west-1' }), { mechanism: 'aws-msk-iam', region: 'eu-west-1' });
});

test('on MSK every client logs in over TLS with an OAUTHBEARER token: a SigV4-presigned kafka-cluster:Connect for the region', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDTENANTRYTEST', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret', AWS_SESSION_TOKEN: 'session' });
  try {
    const options = kafkaConnectionOptions({ mechanism: 'aws-msk-iam', region: 'eu-west-1' });
    assert.deepEqual(options.tls, {});
    assert.equal(options.sasl?.mechanism, 'OAUTHBEARER');
    const token = await (options.sasl!.token as () => Promise<string>)();
    const signed = new URL(Buffer.from(token, 'base64url').toString());
    assert.equal(signed.origin, 'https://kafka.eu-west-1.amazonaws.com');
    assert.equal(signed.searchParams.get('Action'), 'kafka-cluster:Connect');
    assert.match(signed.searchParams.get('X-Amz-Credential') ?? '', /^AKIDTENANTRYTEST\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    assert.match(signed.searchParams.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
    assert.equal(signed.searchParams.get('X-Amz-Security-Token'), 'session');
  } finally {
    process.env = saved;
  }
});

test("the analytics step tells a tenant's pod how to log in", () => {
  assert.deepEqual(
    new KafkaTopicsBusDriver(['b-1.msk.example:9098', 'b-2.msk.example:9098'], 3, { mechanism: 'aws-msk-iam', region: 'eu-west-1' }).podEnvironment(),
    {
      KAFKA_BROKERS: 'b-1.msk.example:9098,b-2.msk.example:9098',
      KAFKA_AUTH: 'aws-msk-iam',
    },
  );
  assert.deepEqual(new KafkaTopicsBusDriver(['127.0.0.1:9092']).podEnvironment(), { KAFKA_BROKERS: '127.0.0.1:9092' });
});
