/**
 * Stacks the tests (and `scripts/synth-lint-fixtures.ts`, for cfn-lint) synthesize besides the
 * demo: every trigger on against a new pool, and every trigger on against an existing pool.
 */
import { App, RemovalPolicy, Stack, aws_cognito as cognito, aws_ec2 as ec2, aws_kms as kms, aws_logs as logs, aws_secretsmanager as secretsmanager, aws_sns as sns } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { TRIGGER_NAMES } from '../lib/triggers';

export const EVERY_SETTING: CognitoTriggersProps['settings'] = {
  'pre-signup': {
    ALLOWED_EMAIL_DOMAINS: ['Example.com', '*.example.org'],
    DENIED_EMAIL_DOMAINS: 'mailinator.com',
    AUTO_CONFIRM_EMAIL_DOMAINS: ['example.com'],
    UNIQUE_EMAIL: true,
    UNIQUE_PHONE: false,
    MIN_USERNAME_LENGTH: 3,
    CHECK_EXISTING_USERS: false,
    PENDING_RESERVATION_SECONDS: 259_200,
    REMINDER_AFTER_SECONDS: 43_200,
    LINK_FEDERATED_USERS: true,
    LINK_TRUSTED_PROVIDERS: ['Google', 'CorpSAML'],
    FEDERATED_PROVIDER_NAMES: 'corpsaml:CorpSAML',
    ON_DEPENDENCY_FAILURE: 'allow',
    DUPLICATE_MESSAGE: 'generic',
    // The squatting guard's index; its table and old pool come from user-migration's settings.
    LEGACY_USERS_EMAIL_INDEX: 'by-email',
  },
  'pre-authentication': {
    LOCKOUT_MAX_ATTEMPTS: 5,
    LOCKOUT_WINDOW_SECONDS: 300,
    LOCKOUT_BASE_SECONDS: 300,
    LOCKOUT_MAX_SECONDS: 3600,
    LOCKOUT_ON_STORE_FAILURE: 'deny',
  },
  'post-authentication': { LOGIN_HISTORY_DAYS: 90 },
  'post-confirmation': { WELCOME_EMAIL_FROM: 'welcome@mail.example.com', DEFAULT_GROUP: 'members' },
  'pre-token-generation': {
    SUPPRESS_CLAIMS: ['phone_number'],
    CLAIMS_FROM_PROFILE: { tenantId: 'custom:tenant', roles: 'roles' },
    ACCESS_TOKEN_SCOPES_FROM_GROUPS: 'admins:orders/write orders/read;editors:orders/read',
  },
  'user-migration': {
    LEGACY_USERS_TABLE: 'legacy-users',
    OLD_USER_POOL_ID: 'eu-west-1_Old123',
    OLD_CLIENT_ID: '1example23456789',
    MIGRATE_ATTRIBUTES: ['email', 'name', 'custom:*'],
    PASSWORD_MIN_LENGTH: 10,
    MIGRATION_LOCKOUT: 'count',
    MIGRATION_RESET_MAX_ATTEMPTS: 5,
    MIGRATION_RESET_LOCK_SECONDS: 3600,
    FORCE_ALIAS_CREATION: true,
  },
  'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com', EMAIL_CONFIGURATION_SET: 'transactional', DEFAULT_LOCALE: 'de' },
  'custom-sms-sender': { SMS_SENDER_ID: 'Example', SMS_ORIGINATION_NUMBER: '+14155550100', DEFAULT_LOCALE: 'pt-BR' },
  'define-auth-challenge': { SIGN_IN_CODE_MAX_ANSWERS: 3 },
  'create-auth-challenge': { SIGN_IN_CODE_FROM: 'sign-in@mail.example.com', SIGN_IN_CODE_LENGTH: 6, SIGN_IN_CODE_TTL_SECONDS: 300 },
  // LINK_TRUSTED_PROVIDERS taken from pre-signup (Google, CorpSAML): Google's verified flag may pass.
  'inbound-federation': {
    FEDERATION_ATTRIBUTE_MAP: {
      Google: { email: 'email', email_verified: 'email_verified', name: 'name' },
      CorpSAML: {
        email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress|mail',
        'custom:groups': 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups[]',
      },
    },
    UNMAPPED_PROVIDERS: 'deny',
  },
  'signup-reminder': {
    REMINDER_EMAIL_FROM: 'Example <no-reply@example.com>',
    DEFAULT_LOCALE: 'de',
    SIGNUP_URL: 'https://example.com/signup',
  },
};

/**
 * A pool that passes cdk-nag on its own (Plus plan, MFA by app, a strong password policy), so that
 * every acknowledgement in a test stack is the construct's; `extra` adds or overrides properties.
 */
export function hardenedPool(stack: Stack, extra: Partial<cognito.UserPoolProps> = {}, id = 'Pool'): cognito.UserPool {
  return new cognito.UserPool(stack, id, {
    featurePlan: cognito.FeaturePlan.PLUS,
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
    ...extra,
  });
}

/** Every trigger on, a pool in the same stack (Plus plan), V2 tokens. */
export function everyTriggerStack(app: App, opts: { assets: string; asl: string }) {
  const stack = new Stack(app, 'Every');
  const userPool = hardenedPool(stack, { removalPolicy: RemovalPolicy.DESTROY });
  const triggers = new CognitoTriggers(stack, 'Triggers', {
    pool: { userPool },
    enabled: TRIGGER_NAMES,
    settings: EVERY_SETTING,
    assetDirectory: opts.assets,
    reminderDefinitionFile: opts.asl,
    emailSender: { identity: 'example.com' },
    preTokenGenerationVersion: 'V2_0',
    removalPolicy: RemovalPolicy.DESTROY,
    eventBus: 'create',
  });
  return { stack, userPool, triggers };
}

/**
 * Every trigger on, attached to a pool deployed elsewhere. Without `asl`, the construct loads its
 * default definition, the real triggers/signup-reminder/state-machine.asl.json.
 */
export function existingPoolStack(app: App, opts: { assets: string; asl?: string; attach?: boolean; id?: string }) {
  const stack = new Stack(app, opts.id ?? 'Existing');
  const triggers = new CognitoTriggers(stack, 'Triggers', {
    pool: { existingUserPoolId: 'eu-west-1_AbCdEf123', featurePlan: cognito.FeaturePlan.PLUS, attach: opts.attach },
    enabled: TRIGGER_NAMES,
    settings: EVERY_SETTING,
    assetDirectory: opts.assets,
    reminderDefinitionFile: opts.asl,
    emailSender: { identity: 'example.com' },
    preTokenGenerationVersion: 'V2_0',
  });
  return { stack, triggers };
}

/**
 * The production-shaped example of docs/deploy.md ("A production-shaped stack"): a pool that keeps
 * its users, the core triggers, e-mail through a private SMTP server reached from the VPC, SMS
 * through Twilio limited to two countries, alarms to the on-call topic, tracing, and canary
 * deployments that roll back on the alarms. Keep the two in step.
 */
export function productionStack(app: App, opts: { assets: string }) {
  const stack = new Stack(app, 'Production', { env: { account: '123456789012', region: 'eu-west-1' } });
  const userPool = new cognito.UserPool(stack, 'Users', {
    // Plus: threat protection (cdk-nag COG8).
    featurePlan: cognito.FeaturePlan.PLUS,
    signInAliases: { email: true },
    signInCaseSensitive: false,
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const network = ec2.Vpc.fromVpcAttributes(stack, 'Network', {
    vpcId: 'vpc-0abc1234def567890',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaa1111bbb22222a', 'subnet-0ccc3333ddd44444b'],
  });
  const secretsKey = kms.Key.fromKeyArn(stack, 'SecretsKey', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  const triggers = new CognitoTriggers(stack, 'Triggers', {
    pool: { userPool },
    enabled: ['pre-signup', 'pre-authentication', 'post-confirmation', 'custom-email-sender', 'custom-sms-sender'],
    settings: {
      'pre-signup': { UNIQUE_EMAIL: true, DENIED_EMAIL_DOMAINS: ['mailinator.com', 'guerrillamail.com'] },
      'pre-authentication': { LOCKOUT_MAX_ATTEMPTS: 5, LOCKOUT_ON_STORE_FAILURE: 'allow' },
      'post-confirmation': { DEFAULT_GROUP: 'members' },
      'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com' },
      'custom-sms-sender': { SMS_ALLOWED_COUNTRY_CODES: ['49', '43'] },
    },
    assetDirectory: opts.assets,
    emailProvider: {
      kind: 'smtp',
      host: 'smtp.mail.internal.example.com',
      security: 'starttls',
      credentials: secretsmanager.Secret.fromSecretAttributes(stack, 'SmtpLogin', {
        secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/cognito/smtp-AbCdEf',
        encryptionKey: secretsKey,
      }),
      vpc: { vpc: network },
    },
    smsProvider: {
      kind: 'twilio',
      credentials: secretsmanager.Secret.fromSecretAttributes(stack, 'TwilioLogin', {
        secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/cognito/twilio-GhIjKl',
        encryptionKey: secretsKey,
      }),
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
    },
    monitoring: { alarmTopic: sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:eu-west-1:123456789012:on-call'), dashboardName: 'cognito-triggers' },
    tracing: true,
    deployment: { '*': 'canary-10-percent-5-minutes' },
    functionDefaults: { logRetention: logs.RetentionDays.THREE_MONTHS },
    functionOptions: { 'pre-signup': { reservedConcurrency: 100 } },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return { stack, userPool, triggers };
}
