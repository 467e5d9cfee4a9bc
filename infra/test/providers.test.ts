/**
 * The custom senders' delivery providers (issue 24 item 6): the settings each provider writes,
 * the secret (and its customer-managed key) the role may read and nothing else, SES or SNS
 * permissions only for SES or SNS, the SMTP sender's VPC placement, and the refusals.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duration, Stack, Validations, aws_ec2 as ec2, aws_kms as kms, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { VPC_ENI_ACTIONS } from '../lib/functions';
import { hardenedPool } from './fixtures';
import { ASSETS, logicalIdAt, roleStatements, symbolic, synth, testApp } from './helpers';
import { SMS_LIMITS, SMS_TO_PHONES, deliveries, failureQueue, logs, senderKey, table, userPool } from './statements';

type Extra = Partial<CognitoTriggersProps>;
type Setup = (stack: Stack) => Extra;

function build(enabled: CognitoTriggersProps['enabled'], setup: Setup) {
  const app = testApp();
  const stack = new Stack(app, 'Providers', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pool = hardenedPool(stack, { signInCaseSensitive: false });
  new CognitoTriggers(stack, 'Triggers', {
    pool: { userPool: pool },
    enabled,
    assetDirectory: ASSETS,
    settings: { 'custom-email-sender': { EMAIL_FROM: 'no-reply@mail.example.net' } },
    monitoring: false,
    ...setup(stack),
  });
  const out = synth(app, stack);
  const role = (id: string) => roleStatements(out.json, logicalIdAt(out.json, 'AWS::IAM::Role', `/Triggers/${id}Role/`));
  const fn = (id: string) => out.json.Resources[logicalIdAt(out.json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties;
  return { ...out, role, fn, env: (id: string) => symbolic(out.json, fn(id).Environment.Variables) };
}

const email = (setup: Setup) => build(['custom-email-sender'], setup);
const sms = (setup: Setup) => build(['custom-sms-sender'], setup);
/** A test's secret; its rotation is the owner's business, not the construct's. */
function secret(stack: Stack, id: string, encryptionKey?: kms.IKey) {
  const made = new secretsmanager.Secret(stack, id, { encryptionKey });
  Validations.of(made).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'a test secret: rotation belongs to its owner' });
  return made;
}
const secretWithKey = (stack: Stack, id: string) => secret(stack, id, new kms.Key(stack, `${id}Key`, { enableKeyRotation: true }));
const viaSecretsManager = { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } };
// Inline statements first; the pool's come last (a policy of their own, attached after the pool).
const EMAIL_INLINE = [logs('CustomEmailSender'), senderKey, deliveries('custom-email-sender')];
const POOL_LOOKUP = userPool('cognito-idp:AdminGetUser');

describe('emailProvider', () => {
  it('smtp: the settings, GetSecretValue on the credentials and Decrypt on their key through Secrets Manager only, no SES', () => {
    const out = email((stack) => ({ emailProvider: { kind: 'smtp', host: 'smtp.internal.example.net', security: 'starttls', credentials: secretWithKey(stack, 'SmtpLogin') } }));
    assert.deepEqual(out.violations, []);
    const env = out.env('CustomEmailSender');
    assert.deepEqual(
      [env.EMAIL_PROVIDER, env.SMTP_HOST, env.SMTP_PORT, env.SMTP_SECURITY, env.SMTP_CREDENTIALS_SECRET],
      ['smtp', 'smtp.internal.example.net', '587', 'starttls', 'Ref(SmtpLogin)'],
    );
    assert.deepEqual(out.role('CustomEmailSender'), [
      ...EMAIL_INLINE,
      { Sid: 'ProviderSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'Ref(SmtpLogin)' },
      { Sid: 'ProviderSecretKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'SmtpLoginKey.Arn', Condition: viaSecretsManager },
      failureQueue,
      POOL_LOOKUP,
    ]);
    assert.ok(!JSON.stringify(out.role('CustomEmailSender')).includes('ses:'), 'no SES permission');
  });

  it('smtp without AUTH: no secret statement; the port defaults by security', () => {
    const out = email(() => ({ emailProvider: { kind: 'smtp', host: '127.0.0.1', security: 'none' } }));
    assert.deepEqual(out.role('CustomEmailSender'), [...EMAIL_INLINE, failureQueue, POOL_LOOKUP]);
    assert.equal(out.env('CustomEmailSender').SMTP_PORT, '25');
    assert.equal(email(() => ({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'tls' } })).env('CustomEmailSender').SMTP_PORT, '465');
    assert.equal(out.env('CustomEmailSender').SMTP_CREDENTIALS_SECRET, undefined);
  });

  it('sendgrid: a secret known by name is matched with its six-character suffix; the API URL is passed on; no KMS statement for the AWS-managed key', () => {
    const out = email((stack) => ({
      emailProvider: { kind: 'sendgrid', apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'prod/sendgrid'), apiUrl: 'https://api.eu.sendgrid.com' },
    }));
    const env = out.env('CustomEmailSender');
    assert.deepEqual([env.EMAIL_PROVIDER, env.SENDGRID_API_KEY_SECRET, env.SENDGRID_API_URL], ['sendgrid', 'prod/sendgrid', 'https://api.eu.sendgrid.com']);
    assert.deepEqual(out.role('CustomEmailSender'), [
      ...EMAIL_INLINE,
      {
        Sid: 'ProviderSecret',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:Ref(AWS::Partition):secretsmanager:eu-west-1:123456789012:secret:prod/sendgrid-??????',
      },
      failureQueue,
      POOL_LOOKUP,
    ]);
    assert.deepEqual(out.violations, []);
  });

  it('smtp in a VPC: the function in the private subnets, the ENI actions on the role (acknowledged), one placement only', () => {
    const out = email((stack) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      return { emailProvider: { kind: 'smtp', host: 'mail.corp.internal', security: 'starttls', vpc: { vpc } } };
    });
    const config = symbolic(out.json, out.fn('CustomEmailSender').VpcConfig);
    assert.equal(config.SubnetIds.length, 2);
    assert.ok(config.SubnetIds.every((s: string) => /PrivateSubnet/.test(s)), JSON.stringify(config.SubnetIds));
    assert.equal(config.SecurityGroupIds.length, 1);
    assert.deepEqual(
      out.role('CustomEmailSender').find((s: any) => s.Sid === 'VpcNetworkInterfaces'),
      { Sid: 'VpcNetworkInterfaces', Effect: 'Allow', Action: VPC_ENI_ACTIONS, Resource: '*' },
    );
    assert.ok(!out.violations.some((v) => v.includes('CustomEmailSender')), out.violations.join('\n'));
    assert.throws(
      () =>
        email((stack) => {
          const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
          return {
            emailProvider: { kind: 'smtp', host: 'mail.corp.internal', security: 'starttls', vpc: { vpc } },
            functionOptions: { 'custom-email-sender': { vpc: { vpc } } },
          };
        }),
      /custom-email-sender has two VPC placements/,
    );
  });

  it("passes the providers' time limits as the senders read them, refusing what they would refuse", () => {
    const smtp = email(() => ({
      emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'tls', connectTimeout: Duration.millis(500), timeout: Duration.millis(4000) },
    })).env('CustomEmailSender');
    assert.deepEqual([smtp.SMTP_CONNECT_TIMEOUT_MS, smtp.SMTP_TIMEOUT_MS], ['500', '4000']);
    const unset = email(() => ({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'tls' } })).env('CustomEmailSender');
    assert.deepEqual([unset.SMTP_CONNECT_TIMEOUT_MS, unset.SMTP_TIMEOUT_MS], [undefined, undefined], 'the binary defaults');
    const twilio = sms((stack) => ({
      smsProvider: { kind: 'twilio', credentials: secret(stack, 'T'), from: '+14155550100', connectTimeout: Duration.millis(300), requestTimeout: Duration.millis(1500) },
    })).env('CustomSmsSender');
    assert.deepEqual([twilio.PROVIDER_CONNECT_TIMEOUT_MS, twilio.PROVIDER_REQUEST_TIMEOUT_MS], ['300', '1500']);
    assert.throws(
      () => email(() => ({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'tls', timeout: Duration.seconds(5) } })),
      /emailProvider.timeout must be from 100 ms to 4800 ms \(SMTP_TIMEOUT_MS\), got 5000 ms/,
    );
    assert.throws(
      () => email(() => ({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'tls', connectTimeout: Duration.millis(3500) } })),
      /emailProvider.timeout \(3000 ms\) must be at least connectTimeout \(3500 ms\)/,
    );
    assert.throws(
      () => email((stack) => ({ emailProvider: { kind: 'sendgrid', apiKey: secret(stack, 'K'), requestTimeout: Duration.millis(500), connectTimeout: Duration.millis(800) } })),
      /emailProvider.requestTimeout \(500 ms\) must be at least connectTimeout \(800 ms\)/,
    );
    assert.throws(
      () => sms((stack) => ({ smsProvider: { kind: 'twilio', credentials: secret(stack, 'T'), from: '+14155550100', connectTimeout: Duration.millis(10) } })),
      /smsProvider.connectTimeout must be from 50 ms to 4 s \(PROVIDER_CONNECT_TIMEOUT_MS\)/,
    );
  });

  it('refuses what the sender would refuse', () => {
    const refused = (provider: Extra, re: RegExp) => assert.throws(() => email(() => provider), re);
    refused({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'none' } }, /security none .* only for a loopback host .*smtp.example.net is not one/);
    refused({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'starttls', port: 70000 } }, /emailProvider.port must be an integer from 1 to 65535/);
    refused({ emailProvider: { kind: 'smtp', host: 'smtp example', security: 'tls' } }, /emailProvider.host "smtp example" is not a host name/);
    refused({ emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'ssl' as 'tls' } }, /emailProvider.security must be starttls, tls or none/);
    assert.throws(
      () => email((stack) => ({ emailProvider: { kind: 'sendgrid', apiKey: secret(stack, 'K'), apiUrl: 'http://api.sendgrid.com/v3/mail/send' } })),
      /emailProvider.apiUrl must be an https URL/,
    );
    assert.throws(
      () =>
        build(['custom-email-sender'], () => ({
          emailProvider: { kind: 'smtp', host: 'smtp.example.net', security: 'tls' },
          settings: { 'custom-email-sender': { EMAIL_FROM: 'a@example.net', EMAIL_CONFIGURATION_SET: 'transactional' } },
        })),
      /EMAIL_CONFIGURATION_SET is an SES setting, but emailProvider is smtp/,
    );
    refused({ extraSettings: { 'custom-email-sender': { SMTP_HOST: 'smtp.example.net' } } }, /SMTP_HOST is set by the construct/);
  });
});

describe('smsProvider', () => {
  it('twilio: the settings, GetSecretValue on the credentials only; no SNS permission and no topic deny', () => {
    const out = sms((stack) => ({
      smsProvider: { kind: 'twilio', credentials: secret(stack, 'Twilio'), messagingServiceSid: 'MG' + '0123456789abcdef'.repeat(2) },
      settings: { 'custom-sms-sender': { SMS_ALLOWED_COUNTRY_CODES: ['+1', '44'], SMS_DENIED_PREFIXES: '1876, +1809', SMS_MAX_PER_NUMBER: 5, SMS_NUMBER_WINDOW_SECONDS: 900 } },
    }));
    assert.deepEqual(out.violations, []);
    const env = out.env('CustomSmsSender');
    assert.deepEqual(
      [env.SMS_PROVIDER, env.TWILIO_CREDENTIALS_SECRET, env.TWILIO_MESSAGING_SERVICE_SID, env.TWILIO_FROM, env.SMS_ALLOWED_COUNTRY_CODES],
      ['twilio', 'Ref(Twilio)', 'MG0123456789abcdef0123456789abcdef', undefined, '1,44'],
    );
    assert.deepEqual([env.SMS_DENIED_PREFIXES, env.SMS_MAX_PER_NUMBER, env.SMS_NUMBER_WINDOW_SECONDS], ['1876,1809', '5', '900']);
    assert.deepEqual(out.role('CustomSmsSender'), [
      logs('CustomSmsSender'),
      senderKey,
      deliveries('custom-sms-sender'),
      table('SmsLimits', 'dynamodb:UpdateItem', SMS_LIMITS),
      { Sid: 'ProviderSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'Ref(Twilio)' },
      failureQueue,
      userPool('cognito-idp:AdminGetUser'),
    ]);
  });

  it('sns (the default): SMS to phone numbers, the topic deny, no secret', () => {
    const out = sms(() => ({ smsProvider: { kind: 'sns' } }));
    const statements = out.role('CustomSmsSender');
    for (const s of SMS_TO_PHONES) assert.deepEqual(statements.find((x: any) => x.Sid === s.Sid), s);
    assert.ok(!JSON.stringify(statements).includes('secretsmanager:'));
    assert.equal(out.env('CustomSmsSender').SMS_PROVIDER, undefined);
  });

  it('refuses a sender that is not exactly one of from and messagingServiceSid, SNS settings with twilio, and bad values', () => {
    const twilio = (p: Record<string, unknown>, extra: Extra = {}) => () =>
      sms((stack) => ({ smsProvider: { kind: 'twilio', credentials: secret(stack, 'T'), ...p }, ...extra }));
    assert.throws(twilio({ from: '+14155550100', messagingServiceSid: 'MG' + '0'.repeat(32) }), /exactly one of from .* and messagingServiceSid/);
    assert.throws(twilio({}), /exactly one of from/);
    assert.throws(twilio({ from: '4155550100' }), /smsProvider.from "4155550100" is not an E.164 number/);
    assert.throws(twilio({ messagingServiceSid: 'PN123' }), /not a Messaging Service SID/);
    assert.throws(twilio({ from: '+14155550100', apiUrl: 'http://127.0.0.1:9' }), /smsProvider.apiUrl must be an https URL/);
    assert.throws(
      twilio({ from: '+14155550100' }, { settings: { 'custom-sms-sender': { SMS_SENDER_ID: 'Example' } } }),
      /SMS_SENDER_ID are SNS settings, but smsProvider is twilio/,
    );
    assert.throws(() => sms(() => ({ settings: { 'custom-sms-sender': { SMS_ALLOWED_COUNTRY_CODES: ['044'] } } })), /SMS_ALLOWED_COUNTRY_CODES/);
    assert.throws(() => sms(() => ({ settings: { 'custom-sms-sender': { SMS_DENIED_PREFIXES: '12345678' } } })), /SMS_DENIED_PREFIXES/);
    assert.throws(() => sms(() => ({ settings: { 'custom-sms-sender': { SMS_MAX_PER_NUMBER: 1001 } } })), /SMS_MAX_PER_NUMBER/);
    assert.throws(() => sms(() => ({ settings: { 'custom-sms-sender': { SMS_NUMBER_WINDOW_SECONDS: 59 } } })), /SMS_NUMBER_WINDOW_SECONDS/);
  });
});
