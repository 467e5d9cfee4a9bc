/**
 * Every trigger on, against a pool in the same stack. This file lists every statement of every
 * role: a new permission anywhere is a diff here.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Stack, aws_cognito as cognito } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { TRIGGER_NAMES } from '../lib/triggers';
import { everyTriggerStack, hardenedPool } from './fixtures';
import { ASSETS, REMINDER_ASL, findCycle, logicalIdAt, resourcesOfType, roleStatements, symbolic, synth, testApp } from './helpers';
import {
  LINKING_POOL,
  LOCKOUTS,
  PRE_SIGNUP_POOL,
  RESERVATIONS,
  SES_IDENTITY,
  SIGN_IN_CODES,
  SQUATTING_GUARD,
  OLD_POOL_ARN,
  SMS_LIMITS,
  SMS_TO_PHONES,
  USER_ROWS,
  deliveries,
  eventBus,
  failureQueue,
  logs,
  operatorStatements,
  senderKey,
  table,
  userPool,
} from './statements';

const SES_CONFIGURATION_SET = 'arn:Ref(AWS::Partition):ses:Ref(AWS::Region):Ref(AWS::AccountId):configuration-set/transactional';

const app = testApp();
const { stack } = everyTriggerStack(app, { assets: ASSETS, asl: REMINDER_ASL });
const out = synth(app, stack);
const { json } = out;

/**
 * The permission table. Keep in step with docs/deploy.md. Every setting that widens a grant is on
 * here, `eventBus` included: the functions that publish domain events get PutEvents on that bus
 * (inline, so before the statements on a pool in this stack).
 */
const EXPECTED: Record<string, unknown[]> = {
  PreSignup: [
    logs('PreSignup'),
    // UpdateItem, the e-mail reservation read and the USER# rows because LINK_FEDERATED_USERS is on (see 'grants that depend on settings' below).
    table('Reservations', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
    table('EmailReservations', 'dynamodb:GetItem', ['EMAIL#*']),
    table('UserRows', 'dynamodb:UpdateItem', USER_ROWS),
    // The squatting guard asks user-migration's stores (taken from its settings) and the e-mail index.
    SQUATTING_GUARD.table,
    SQUATTING_GUARD.emailIndex('by-email'),
    SQUATTING_GUARD.oldPool,
    { Sid: 'ReminderStateMachine', Effect: 'Allow', Action: 'states:StartExecution', Resource: 'Ref(Triggers/ReminderStateMachine)' },
    eventBus(),
    userPool([...PRE_SIGNUP_POOL, ...LINKING_POOL]),
  ],
  PreAuthentication: [logs('PreAuthentication'), table('Lockouts', 'dynamodb:UpdateItem', LOCKOUTS), eventBus()],
  PostAuthentication: [
    logs('PostAuthentication'),
    table('Lockouts', 'dynamodb:DeleteItem', LOCKOUTS),
    table('UserRows', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], USER_ROWS),
    eventBus(),
  ],
  PostConfirmation: [
    logs('PostConfirmation'),
    table('UserRows', 'dynamodb:UpdateItem', USER_ROWS),
    table('Reservations', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
    table('Lockouts', 'dynamodb:DeleteItem', LOCKOUTS),
    // The claims and SES because WELCOME_EMAIL_FROM is set, the group because DEFAULT_GROUP is.
    table('WelcomeClaims', 'dynamodb:UpdateItem', ['IDEMPOTENCY#welcome#*']),
    { Sid: 'EmailIdentity', Effect: 'Allow', Action: 'ses:SendEmail', Resource: SES_IDENTITY },
    eventBus(),
    userPool('cognito-idp:AdminAddUserToGroup'),
  ],
  PreTokenGeneration: [
    logs('PreTokenGeneration'),
    table('UserRows', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], USER_ROWS),
    // LINK_TRUSTED_PROVIDERS taken from pre-signup, which links.
    userPool('cognito-idp:AdminUpdateUserAttributes'),
  ],
  CustomMessage: [logs('CustomMessage')],
  // No AWS call: its own logs only.
  InboundFederation: [logs('InboundFederation')],
  UserMigration: [
    logs('UserMigration'),
    // The lockout record and the forgot-password counter beside it; the reservations (e-mail and
    // phone, a pending one taken over); the legacy table and the old pool because both are set.
    table('Lockouts', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], LOCKOUTS),
    table('Reservations', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
    // The saved dummy hash (with LEGACY_USERS_TABLE): read at cold start, written at most once per instance.
    table('DummyHash', ['dynamodb:GetItem', 'dynamodb:PutItem'], ['MIGRATION#*']),
    {
      Sid: 'LegacyUsersTable',
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: 'arn:Ref(AWS::Partition):dynamodb:Ref(AWS::Region):Ref(AWS::AccountId):table/legacy-users',
    },
    {
      Sid: 'OldUserPool',
      Effect: 'Allow',
      Action: ['cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminGetUser'],
      Resource: 'arn:Ref(AWS::Partition):cognito-idp:eu-west-1:Ref(AWS::AccountId):userpool/eu-west-1_Old123',
    },
    eventBus(),
    // The new pool: the holder of a pending reservation in the way, and (FORCE_ALIAS_CREATION is on) of an alias.
    userPool('cognito-idp:AdminGetUser'),
  ],
  CustomEmailSender: [
    logs('CustomEmailSender'),
    senderKey,
    deliveries('custom-email-sender'),
    { Sid: 'EmailIdentity', Effect: 'Allow', Action: 'ses:SendEmail', Resource: SES_IDENTITY },
    // Because EMAIL_CONFIGURATION_SET is set: SESv2 authorizes the send on the configuration set too.
    { Sid: 'SesConfigurationSet', Effect: 'Allow', Action: 'ses:SendEmail', Resource: SES_CONFIGURATION_SET },
    failureQueue,
    // The account-takeover notice has no address in it: the user's is read from the pool.
    userPool('cognito-idp:AdminGetUser'),
  ],
  // sns:Publish on "*" (phone numbers have no ARN) with the Deny on every topic and endpoint.
  CustomSmsSender: [
    logs('CustomSmsSender'),
    senderKey,
    deliveries('custom-sms-sender'),
    ...SMS_TO_PHONES,
    // The pumping guard's per-number counter (SMS_MAX_PER_NUMBER, binary default 10: on unless 0).
    table('SmsLimits', 'dynamodb:UpdateItem', SMS_LIMITS),
    failureQueue,
    userPool('cognito-idp:AdminGetUser'),
  ],
  DefineAuthChallenge: [logs('DefineAuthChallenge')],
  CreateAuthChallenge: [
    logs('CreateAuthChallenge'),
    // The issue row and the send counter under SIGNIN#, never a password lockout; SES from the configured identity only.
    table('SignInCodes', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], SIGN_IN_CODES),
    { Sid: 'EmailIdentity', Effect: 'Allow', Action: 'ses:SendEmail', Resource: SES_IDENTITY },
  ],
  // Deletes the issue row after a right answer: DeleteItem on SIGNIN# rows, nothing else.
  VerifyAuthChallengeResponse: [logs('VerifyAuthChallengeResponse'), table('SignInCodes', 'dynamodb:DeleteItem', SIGN_IN_CODES)],
  SignupReminder: [
    logs('SignupReminder'),
    table('ReminderClaims', 'dynamodb:UpdateItem', ['IDEMPOTENCY#signup-remind#*', 'IDEMPOTENCY#signup-expire-notice#*']),
    table('ExpiryMarkers', ['dynamodb:GetItem', 'dynamodb:PutItem'], ['IDEMPOTENCY#signup-expire#*']),
    table('Reservations', 'dynamodb:DeleteItem', RESERVATIONS),
    { Sid: 'EmailIdentity', Effect: 'Allow', Action: 'ses:SendEmail', Resource: SES_IDENTITY },
    eventBus(),
    userPool(['cognito-idp:AdminGetUser', 'cognito-idp:AdminDeleteUser']),
  ],
};

const pascal = (b: string) => b.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

describe('every trigger on, pool in the same stack', () => {
  it('gives each function role exactly its statements', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), TRIGGER_NAMES.map(pascal).sort());
    for (const [id, statements] of Object.entries(EXPECTED)) {
      const roleId = logicalIdAt(json, 'AWS::IAM::Role', `/Triggers/${id}Role/`);
      assert.deepEqual(roleStatements(json, roleId), statements, `${id} role`);
    }
  });

  it('keeps the sign-in code rows and the password lockouts apart: SIGNIN# for the code triggers only, no LOCKOUT# for them', () => {
    const keysOf = (statements: unknown[]) =>
      statements.flatMap((st: any) => st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? []) as string[];
    for (const id of Object.keys(EXPECTED)) {
      const keys = keysOf(roleStatements(json, logicalIdAt(json, 'AWS::IAM::Role', `/Triggers/${id}Role/`)));
      const codeTrigger = id === 'CreateAuthChallenge' || id === 'VerifyAuthChallengeResponse';
      assert.equal(keys.includes('SIGNIN#*'), codeTrigger, `${id}: SIGNIN# rows`);
      if (codeTrigger) assert.deepEqual(keys, ['SIGNIN#*'], `${id} reaches no other rows`);
    }
    const operator = json.Resources[logicalIdAt(json, 'AWS::IAM::ManagedPolicy', '/Triggers/OperatorPolicy/')].Properties.PolicyDocument.Statement;
    assert.ok(!keysOf(operator).includes('SIGNIN#*'), 'the operator policy reaches lockouts and reservations only');
  });

  it('hands the pool\'s case rule to exactly the functions that key rows by user name, and to triggers-admin as an output', () => {
    const envOf = (id: string) => json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties.Environment.Variables;
    const byName = ['PreSignup', 'PreAuthentication', 'UserMigration', 'CreateAuthChallenge', 'VerifyAuthChallengeResponse'];
    for (const id of Object.keys(EXPECTED)) {
      // The fixture's pool states no rule: the construct's default, case-insensitive.
      assert.equal(envOf(id).USER_NAMES_CASE_SENSITIVE, byName.includes(id) ? 'false' : undefined, id);
    }
    const pool = Object.values<any>(resourcesOfType(json, 'AWS::Cognito::UserPool'))[0];
    assert.deepEqual(pool.Properties.UsernameConfiguration, { CaseSensitive: false });
    const outputs = Object.values<any>(json.Outputs);
    assert.ok(outputs.some((o) => o.Value === 'false' && /USER_NAMES_CASE_SENSITIVE for triggers-admin/.test(o.Description)));
  });

  it('gives user-migration 1,024 MB (its password-hash bounds assume it) and every other function 256 MB', () => {
    const memory = (id: string) => json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties.MemorySize;
    for (const id of Object.keys(EXPECTED)) assert.equal(memory(id), id === 'UserMigration' ? 1024 : 256, id);
  });

  it('lets the reminder state machine invoke only the reminder function (plus the logging/tracing CDK requires)', () => {
    const roleId = logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/ReminderStateMachine/Role/');
    assert.deepEqual(roleStatements(json, roleId), [
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        Resource: '*',
      },
      { Sid: 'InvokeSignupReminder', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'Ref(Triggers/SignupReminderAlias)' },
    ]);
  });

  it('has exactly one role per function plus the state machine role, no AWS-managed policy, one customer-managed policy (the operator\'s)', () => {
    const roles = resourcesOfType(json, 'AWS::IAM::Role');
    assert.equal(Object.keys(roles).length, TRIGGER_NAMES.length + 1);
    for (const [id, r] of Object.entries<any>(roles)) assert.equal(r.Properties.ManagedPolicyArns, undefined, id);
    assert.deepEqual(
      Object.keys(resourcesOfType(json, 'AWS::IAM::ManagedPolicy')),
      [logicalIdAt(json, 'AWS::IAM::ManagedPolicy', '/Triggers/OperatorPolicy/')],
    );
  });

  it('gives the operator policy (triggers-admin: show|unlock, release, backfill) exactly its statements, attached to nothing', () => {
    const policy = json.Resources[logicalIdAt(json, 'AWS::IAM::ManagedPolicy', '/Triggers/OperatorPolicy/')].Properties;
    assert.deepEqual(symbolic(json, policy.PolicyDocument.Statement), operatorStatements('Pool.Arn', 'Triggers/EventBus.Arn'));
    assert.equal(policy.Roles, undefined);
    assert.equal(policy.Users, undefined);
    assert.equal(policy.Groups, undefined);
    const outputs = Object.values<any>(symbolic(json, json.Outputs));
    assert.ok(outputs.some((o) => o.Value === 'Ref(Triggers/OperatorPolicy)' && /triggers-admin/.test(o.Description)));
    assert.ok(outputs.some((o) => o.Value === 'Ref(Triggers/Table)' && /TABLE_NAME/.test(o.Description)));
  });

  it('wires every Cognito trigger into LambdaConfig, V2 pre token generation through its own config', () => {
    const pool = Object.values<any>(resourcesOfType(json, 'AWS::Cognito::UserPool'))[0];
    assert.deepEqual(symbolic(json, pool.Properties.LambdaConfig), {
      PreSignUp: 'Ref(Triggers/PreSignupAlias)',
      PreAuthentication: 'Ref(Triggers/PreAuthenticationAlias)',
      PostAuthentication: 'Ref(Triggers/PostAuthenticationAlias)',
      PostConfirmation: 'Ref(Triggers/PostConfirmationAlias)',
      PreTokenGenerationConfig: { LambdaArn: 'Ref(Triggers/PreTokenGenerationAlias)', LambdaVersion: 'V2_0' },
      CustomMessage: 'Ref(Triggers/CustomMessageAlias)',
      UserMigration: 'Ref(Triggers/UserMigrationAlias)',
      CustomEmailSender: { LambdaArn: 'Ref(Triggers/CustomEmailSenderAlias)', LambdaVersion: 'V1_0' },
      CustomSMSSender: { LambdaArn: 'Ref(Triggers/CustomSmsSenderAlias)', LambdaVersion: 'V1_0' },
      KMSKeyID: 'Triggers/SenderKey.Arn',
      DefineAuthChallenge: 'Ref(Triggers/DefineAuthChallengeAlias)',
      CreateAuthChallenge: 'Ref(Triggers/CreateAuthChallengeAlias)',
      VerifyAuthChallengeResponse: 'Ref(Triggers/VerifyAuthChallengeResponseAlias)',
      // The L1 property until an L2 operation exists; V1_0 is the only version Cognito accepts.
      InboundFederation: { LambdaArn: 'Ref(Triggers/InboundFederationAlias)', LambdaVersion: 'V1_0' },
    });
    // Each of the thirteen may be invoked by Cognito from this pool; the reminder function by nobody but its state machine.
    const perms = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Permission')).map((p) => symbolic(json, p.Properties));
    assert.equal(perms.length, 13);
    assert.ok(perms.some((p) => p.FunctionName === 'Ref(Triggers/InboundFederationAlias)' && p.Action === 'lambda:InvokeFunction'));
    for (const p of perms) {
      assert.equal(p.Principal, 'cognito-idp.amazonaws.com');
      assert.equal(p.SourceArn, 'Pool.Arn');
      assert.notEqual(p.FunctionName, 'Ref(Triggers/SignupReminderAlias)');
    }
  });

  it('builds every function for arm64 on provided.al2023 with a timeout within 5 s and JSON logs', () => {
    const fns = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Function'));
    assert.equal(fns.length, TRIGGER_NAMES.length);
    for (const f of fns) {
      const p = f.Properties;
      assert.deepEqual(p.Architectures, ['arm64']);
      assert.equal(p.Runtime, 'provided.al2023');
      assert.ok(p.Timeout >= 1 && p.Timeout <= 5);
      assert.equal(p.LoggingConfig.LogFormat, 'JSON');
      assert.ok(p.LoggingConfig.LogGroup.Ref);
    }
    for (const g of Object.values<any>(resourcesOfType(json, 'AWS::Logs::LogGroup'))) assert.equal(g.Properties.RetentionInDays, 30);
  });

  it('hands each binary the names of the resources it uses, and its checked settings', () => {
    const env = (id: string) => symbolic(json, json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties.Environment.Variables);
    assert.deepEqual(env('PreSignup'), {
      ALLOWED_EMAIL_DOMAINS: 'example.com,*.example.org',
      DENIED_EMAIL_DOMAINS: 'mailinator.com',
      AUTO_CONFIRM_EMAIL_DOMAINS: 'example.com',
      UNIQUE_EMAIL: 'true',
      UNIQUE_PHONE: 'false',
      MIN_USERNAME_LENGTH: '3',
      CHECK_EXISTING_USERS: 'false',
      PENDING_RESERVATION_SECONDS: '259200',
      REMINDER_AFTER_SECONDS: '43200',
      LINK_FEDERATED_USERS: 'true',
      LINK_TRUSTED_PROVIDERS: 'Google,CorpSAML',
      FEDERATED_PROVIDER_NAMES: 'corpsaml:CorpSAML',
      ON_DEPENDENCY_FAILURE: 'allow',
      DUPLICATE_MESSAGE: 'generic',
      LEGACY_USERS_EMAIL_INDEX: 'by-email',
      // user-migration's backends, for the squatting guard.
      LEGACY_USERS_TABLE: 'legacy-users',
      OLD_USER_POOL_ID: 'eu-west-1_Old123',
      USER_NAMES_CASE_SENSITIVE: 'false',
      RUST_LOG: 'info',
      TABLE_NAME: 'Ref(Triggers/Table)',
      REMINDER_STATE_MACHINE_ARN: 'Ref(Triggers/ReminderStateMachine)',
      EVENT_BUS_NAME: 'Triggers/EventBus.Arn',
    });
    assert.deepEqual(env('PreTokenGeneration'), {
      SUPPRESS_CLAIMS: 'phone_number',
      CLAIMS_FROM_PROFILE: 'tenantId:custom:tenant,roles:roles',
      ACCESS_TOKEN_SCOPES_FROM_GROUPS: 'admins:orders/write orders/read;editors:orders/read',
      // Taken from pre-signup, which links.
      LINK_TRUSTED_PROVIDERS: 'Google,CorpSAML',
      RUST_LOG: 'info',
      TABLE_NAME: 'Ref(Triggers/Table)',
    });
    assert.deepEqual(env('PreAuthentication'), {
      LOCKOUT_MAX_ATTEMPTS: '5',
      LOCKOUT_WINDOW_SECONDS: '300',
      LOCKOUT_BASE_SECONDS: '300',
      LOCKOUT_MAX_SECONDS: '3600',
      LOCKOUT_ON_STORE_FAILURE: 'deny',
      USER_NAMES_CASE_SENSITIVE: 'false',
      RUST_LOG: 'info',
      TABLE_NAME: 'Ref(Triggers/Table)',
      EVENT_BUS_NAME: 'Triggers/EventBus.Arn',
    });
    assert.deepEqual(env('SignupReminder'), {
      REMINDER_EMAIL_FROM: 'Example <no-reply@example.com>',
      SIGNUP_URL: 'https://example.com/signup',
      DEFAULT_LOCALE: 'de',
      RUST_LOG: 'info',
      TABLE_NAME: 'Ref(Triggers/Table)',
      EVENT_BUS_NAME: 'Triggers/EventBus.Arn',
    });
    assert.deepEqual(env('CustomEmailSender'), {
      EMAIL_FROM: 'no-reply@example.com',
      EMAIL_CONFIGURATION_SET: 'transactional',
      DEFAULT_LOCALE: 'de',
      RUST_LOG: 'info',
      KMS_KEY_ARN: 'Triggers/SenderKey.Arn',
      TABLE_NAME: 'Ref(Triggers/Table)',
    });
    assert.deepEqual(env('CustomSmsSender'), {
      SMS_SENDER_ID: 'Example',
      SMS_ORIGINATION_NUMBER: '+14155550100',
      DEFAULT_LOCALE: 'pt-BR',
      RUST_LOG: 'info',
      KMS_KEY_ARN: 'Triggers/SenderKey.Arn',
      TABLE_NAME: 'Ref(Triggers/Table)',
    });
    assert.deepEqual(env('CustomMessage'), { RUST_LOG: 'info' });
    // verify now deletes the used code: the table, and the case rule create keys the rows with.
    assert.deepEqual(env('VerifyAuthChallengeResponse'), { USER_NAMES_CASE_SENSITIVE: 'false', RUST_LOG: 'info', TABLE_NAME: 'Ref(Triggers/Table)' });
    assert.deepEqual(env('InboundFederation'), {
      FEDERATION_ATTRIBUTE_MAP:
        'Google: email=email, email_verified=email_verified, name=name; ' +
        'CorpSAML: email=http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress|mail, ' +
        'custom:groups=http://schemas.microsoft.com/ws/2008/06/identity/claims/groups[]',
      UNMAPPED_PROVIDERS: 'deny',
      // Taken from pre-signup, which links.
      LINK_TRUSTED_PROVIDERS: 'Google,CorpSAML',
      RUST_LOG: 'info',
    });
  });

  it('runs the reminder state machine from the ASL file, with logging and tracing', () => {
    const sm = Object.values<any>(resourcesOfType(json, 'AWS::StepFunctions::StateMachine'));
    assert.equal(sm.length, 1);
    const p = symbolic(json, sm[0].Properties);
    assert.equal(p.StateMachineType, 'STANDARD');
    assert.deepEqual(p.DefinitionSubstitutions, { SignupReminderFunctionArn: 'Ref(Triggers/SignupReminderAlias)' });
    assert.ok(p.DefinitionString.includes('${SignupReminderFunctionArn}'));
    assert.deepEqual(p.LoggingConfiguration, {
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: 'Triggers/ReminderStateMachineLogs.Arn' } }],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
    assert.deepEqual(p.TracingConfiguration, { Enabled: true });
  });

  it('creates the custom-sender key with rotation, usable by Cognito only from this account\'s pools', () => {
    // The other key is the alarm topic's (monitoring.test.ts).
    const keys = Object.values<any>(resourcesOfType(json, 'AWS::KMS::Key')).filter((k) => !k.Metadata['aws:cdk:path'].includes('/Monitoring/'));
    assert.equal(keys.length, 1);
    const p = symbolic(json, keys[0].Properties);
    assert.equal(p.EnableKeyRotation, true);
    assert.deepEqual(p.KeyPolicy.Statement[1], {
      Sid: 'CognitoEncryptsCustomSenderCodes',
      Effect: 'Allow',
      Principal: { Service: 'cognito-idp.amazonaws.com' },
      Action: ['kms:CreateGrant', 'kms:Encrypt'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': 'Ref(AWS::AccountId)' },
        ArnLike: { 'aws:SourceArn': 'arn:Ref(AWS::Partition):cognito-idp:Ref(AWS::Region):Ref(AWS::AccountId):userpool/*' },
      },
    });
  });

  it('has no dependency cycle', () => {
    assert.equal(findCycle(json), undefined);
  });

  it('invokes the custom senders asynchronously: two retries, an hour at most, then the encrypted failure queue', () => {
    const configs = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::EventInvokeConfig')).map((c) => symbolic(json, c.Properties));
    assert.deepEqual(
      configs.map((c) => c.FunctionName).sort(),
      ['Ref(Triggers/CustomEmailSenderFunction)', 'Ref(Triggers/CustomSmsSenderFunction)'],
      'exactly the two asynchronous triggers',
    );
    for (const c of configs) {
      assert.deepEqual(
        { ...c, FunctionName: undefined },
        {
          FunctionName: undefined,
          // On the alias Cognito invokes (the published version), not $LATEST: its name, the ARN's eighth part.
          Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', c.FunctionName.replace(/Function\)$/, 'Alias)')] }] },
          MaximumRetryAttempts: 2,
          MaximumEventAgeInSeconds: 3600,
          DestinationConfig: { OnFailure: { Destination: 'Triggers/FailureQueue.Arn' } },
        },
      );
    }
    const queues = Object.values<any>(resourcesOfType(json, 'AWS::SQS::Queue'));
    assert.equal(queues.length, 1);
    assert.equal(queues[0].Properties.SqsManagedSseEnabled, true);
    assert.equal(queues[0].Properties.MessageRetentionPeriod, 14 * 86_400);
    // TLS only: the queue policy denies every request without SecureTransport.
    const [policy] = Object.values<any>(resourcesOfType(json, 'AWS::SQS::QueuePolicy')).map((p) => symbolic(json, p.Properties));
    assert.deepEqual(policy.PolicyDocument.Statement.map((s: any) => [s.Effect, s.Action, s.Condition]), [
      ['Deny', 'sqs:*', { Bool: { 'aws:SecureTransport': 'false' } }],
    ]);
    // The sender roles send to it (FailureQueue in EXPECTED); nothing else may.
    for (const [id, statements] of Object.entries(EXPECTED)) {
      const sends = statements.some((s: any) => s.Sid === 'FailureQueue');
      assert.equal(sends, id === 'CustomEmailSender' || id === 'CustomSmsSender', id);
    }
    const outputs = Object.values<any>(symbolic(json, json.Outputs));
    assert.ok(outputs.some((o) => o.Value === 'Triggers/FailureQueue.Arn' && /failed every retry/.test(o.Description)));
    assert.ok(outputs.some((o) => o.Value === 'Triggers/SenderKey.Arn' && /KMSKeyID/.test(o.Description)));
  });

  it('times the asynchronous senders out within 10 s (the 30 s delivery lease assumes it), every other function within 5 s', () => {
    const timeout = (id: string) => json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties.Timeout;
    for (const id of Object.keys(EXPECTED)) {
      const t = timeout(id);
      assert.ok(t >= 1 && t <= (id === 'CustomEmailSender' || id === 'CustomSmsSender' ? 10 : 5), `${id}: ${t}`);
    }
  });

  it('passes cdk-nag AwsSolutions; acknowledged: CDK\'s state-machine wildcards, SNS\'s phone numbers, the failure queue having no DLQ', () => {
    assert.deepEqual(out.violations, []);
    const acks = Object.entries(out.acknowledged).flatMap(([id, rules]) => rules.map((r) => `${symbolic(json, { Ref: id }).slice(4, -1)} ${r.id}`));
    assert.deepEqual(acks.sort(), [
      'Triggers/CustomSmsSenderRole AwsSolutions-IAM5[Resource::*]',
      'Triggers/FailureQueue AwsSolutions-SQS3',
      // The TLS-only queue policy inherits the queue's acknowledgement.
      'Triggers/FailureQueue/Policy AwsSolutions-SQS3',
      'Triggers/ReminderStateMachine/Role AwsSolutions-IAM5[Resource::*]',
      'Triggers/ReminderStateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
    ]);
    const reason = (path: string) => {
      const id = logicalIdAt(json, 'AWS::IAM::Role', path);
      return out.acknowledged[id].find((r) => r.id === 'AwsSolutions-IAM5[Resource::*]')!.reason;
    };
    assert.match(reason('/Triggers/CustomSmsSenderRole/'), /phone number .* is authorized on no resource.*DenySnsTopics/);
  });
});

/** Statements of each role of a small stack (pool in the stack), keyed like EXPECTED. */
function statementsOf(props: Partial<CognitoTriggersProps> & Pick<CognitoTriggersProps, 'enabled'>, withPool?: (pool: cognito.UserPool) => void) {
  const app = testApp();
  const stack = new Stack(app, 'Small');
  const userPool = hardenedPool(stack, { signInCaseSensitive: false });
  withPool?.(userPool);
  new CognitoTriggers(stack, 'Triggers', { pool: { userPool }, assetDirectory: ASSETS, reminderDefinitionFile: REMINDER_ASL, ...props });
  const small = synth(app, stack);
  assert.deepEqual(small.violations, []);
  const byRole = Object.fromEntries(
    props.enabled.map((b) => [pascal(b), roleStatements(small.json, logicalIdAt(small.json, 'AWS::IAM::Role', `/Triggers/${pascal(b)}Role/`))]),
  );
  return { byRole, json: small.json };
}

describe('grants that depend on settings', () => {
  it('user-migration: only the backend it is given; the lockout record written in both modes (the forgot-password counter); AdminGetUser on the new pool, never ListUsers', () => {
    // `check` leaves the counting to pre-authentication: it must be on, and every client must prevent user-existence errors.
    const { byRole } = statementsOf(
      {
        enabled: ['user-migration', 'pre-authentication'],
        settings: { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users', MIGRATION_LOCKOUT: 'check' } },
      },
      (pool) => pool.addClient('App', { authFlows: { userPassword: true }, preventUserExistenceErrors: true }),
    );
    assert.deepEqual(byRole.UserMigration, [
      logs('UserMigration'),
      table('Lockouts', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], LOCKOUTS),
      table('Reservations', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
      table('DummyHash', ['dynamodb:GetItem', 'dynamodb:PutItem'], ['MIGRATION#*']),
      {
        Sid: 'LegacyUsersTable',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: 'arn:Ref(AWS::Partition):dynamodb:Ref(AWS::Region):Ref(AWS::AccountId):table/legacy-users',
      },
      userPool('cognito-idp:AdminGetUser'),
    ]);
  });

  it('user-migration: with the old pool alone, no legacy-table read and no dummy-hash row (it follows the legacy rows)', () => {
    const { byRole } = statementsOf({
      enabled: ['user-migration'],
      settings: { 'user-migration': { OLD_USER_POOL_ID: 'eu-west-1_Old123', OLD_CLIENT_ID: 'c1' } },
    });
    assert.deepEqual(byRole.UserMigration, [
      logs('UserMigration'),
      table('Lockouts', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], LOCKOUTS),
      table('Reservations', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
      { Sid: 'OldUserPool', Effect: 'Allow', Action: ['cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminGetUser'], Resource: OLD_POOL_ARN },
      userPool('cognito-idp:AdminGetUser'),
    ]);
  });

  it('post-confirmation: no claims, SES or group statement while WELCOME_EMAIL_FROM and DEFAULT_GROUP are unset', () => {
    const { byRole } = statementsOf({ enabled: ['post-confirmation'] });
    assert.deepEqual(byRole.PostConfirmation, [
      logs('PostConfirmation'),
      table('UserRows', 'dynamodb:UpdateItem', USER_ROWS),
      table('Reservations', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
      table('Lockouts', 'dynamodb:DeleteItem', LOCKOUTS),
    ]);
  });

  it('post-confirmation: the welcome claims and SES together with WELCOME_EMAIL_FROM', () => {
    const { byRole } = statementsOf({
      enabled: ['post-confirmation'],
      settings: { 'post-confirmation': { WELCOME_EMAIL_FROM: 'welcome@example.com' } },
      emailSender: { identity: 'example.com' },
    });
    assert.deepEqual(byRole.PostConfirmation, [
      logs('PostConfirmation'),
      table('UserRows', 'dynamodb:UpdateItem', USER_ROWS),
      table('Reservations', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
      table('Lockouts', 'dynamodb:DeleteItem', LOCKOUTS),
      table('WelcomeClaims', 'dynamodb:UpdateItem', ['IDEMPOTENCY#welcome#*']),
      { Sid: 'EmailIdentity', Effect: 'Allow', Action: 'ses:SendEmail', Resource: SES_IDENTITY },
    ]);
  });

  it('pre-signup: the linking actions, the reservation update, the e-mail reservation read and the USER# rows only with LINK_FEDERATED_USERS', () => {
    const off = statementsOf({ enabled: ['pre-signup'] });
    assert.deepEqual(off.byRole.PreSignup, [logs('PreSignup'), table('Reservations', 'dynamodb:PutItem', RESERVATIONS), userPool(PRE_SIGNUP_POOL)]);
    const explicitlyOff = statementsOf({ enabled: ['pre-signup'], settings: { 'pre-signup': { LINK_FEDERATED_USERS: false } } });
    assert.deepEqual(explicitlyOff.byRole.PreSignup, off.byRole.PreSignup);
    const on = statementsOf({ enabled: ['pre-signup'], settings: { 'pre-signup': { LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google' } } });
    assert.deepEqual(on.byRole.PreSignup, [
      logs('PreSignup'),
      table('Reservations', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], RESERVATIONS),
      // Linking reads the e-mail reservation's mark of an address the domain rule verified (never linked into); no phone row.
      table('EmailReservations', 'dynamodb:GetItem', ['EMAIL#*']),
      table('UserRows', 'dynamodb:UpdateItem', USER_ROWS),
      userPool([...PRE_SIGNUP_POOL, ...LINKING_POOL]),
    ]);
  });

  it('pre-token-generation: AdminUpdateUserAttributes only with LINK_TRUSTED_PROVIDERS, its own or pre-signup\'s while it links', () => {
    const env = (json: any) =>
      symbolic(json, json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', '/Triggers/PreTokenGenerationFunction/')].Properties.Environment.Variables);
    const alone = statementsOf({ enabled: ['pre-token-generation'] });
    assert.deepEqual(alone.byRole.PreTokenGeneration, [logs('PreTokenGeneration'), table('UserRows', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], USER_ROWS)]);
    assert.equal(env(alone.json).LINK_TRUSTED_PROVIDERS, undefined);
    const notLinking = statementsOf({ enabled: ['pre-signup', 'pre-token-generation'] });
    assert.deepEqual(notLinking.byRole.PreTokenGeneration, alone.byRole.PreTokenGeneration);
    const withRepair = [...alone.byRole.PreTokenGeneration, userPool('cognito-idp:AdminUpdateUserAttributes')];
    const own = statementsOf({ enabled: ['pre-token-generation'], settings: { 'pre-token-generation': { LINK_TRUSTED_PROVIDERS: ['Google'] } } });
    assert.deepEqual(own.byRole.PreTokenGeneration, withRepair);
    assert.equal(env(own.json).LINK_TRUSTED_PROVIDERS, 'Google');
    const inherited = statementsOf({
      enabled: ['pre-signup', 'pre-token-generation'],
      settings: { 'pre-signup': { LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google, CorpSAML' } },
    });
    assert.deepEqual(inherited.byRole.PreTokenGeneration, withRepair);
    assert.equal(env(inherited.json).LINK_TRUSTED_PROVIDERS, 'Google,CorpSAML');
    const narrower = statementsOf({
      enabled: ['pre-signup', 'pre-token-generation'],
      settings: { 'pre-signup': { LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google,CorpSAML' }, 'pre-token-generation': { LINK_TRUSTED_PROVIDERS: 'Google' } },
    });
    assert.equal(env(narrower.json).LINK_TRUSTED_PROVIDERS, 'Google');
  });

  it('signup-reminder: SES always (REMINDER_EMAIL_FROM is required); pre-signup gets StartExecution only with the reminder on', () => {
    const on = statementsOf({
      enabled: ['signup-reminder'],
      settings: { 'signup-reminder': { REMINDER_EMAIL_FROM: 'no-reply@example.com' } },
      emailSender: { identity: 'example.com' },
    });
    // No eventBus here: the table's statements less PutEvents.
    const noBus = (st: any) => st.Sid !== 'EventBus';
    assert.deepEqual(on.byRole.SignupReminder, EXPECTED.SignupReminder.filter(noBus));
    const linking = { 'pre-signup': { LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google' } };
    const off = statementsOf({ enabled: ['pre-signup'], settings: linking });
    const guard = ['LegacyUsersTable', 'LegacyUsersEmailIndex', 'OldUserPool'];
    assert.deepEqual(off.byRole.PreSignup, EXPECTED.PreSignup.filter((st: any) => st.Sid !== 'ReminderStateMachine' && noBus(st) && !guard.includes(st.Sid)));
  });

  it('pre-signup: the squatting guard reads the legacy stores user-migration moves users from, only while there are some', () => {
    const base = [logs('PreSignup'), table('Reservations', 'dynamodb:PutItem', RESERVATIONS)];
    const envOf = (json: any) =>
      json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', '/Triggers/PreSignupFunction/')].Properties.Environment.Variables;
    // No migration: no legacy statement, no setting.
    const alone = statementsOf({ enabled: ['pre-signup'] });
    assert.deepEqual(alone.byRole.PreSignup, [...base, userPool(PRE_SIGNUP_POOL)]);
    assert.equal(envOf(alone.json).LEGACY_USERS_TABLE, undefined);
    // With user-migration on: its table and old pool, read-only, and their names.
    const migrating = statementsOf({
      enabled: ['pre-signup', 'user-migration'],
      settings: { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users', OLD_USER_POOL_ID: 'eu-west-1_Old123', OLD_CLIENT_ID: 'c1' } },
    });
    assert.deepEqual(migrating.byRole.PreSignup, [...base, SQUATTING_GUARD.table, SQUATTING_GUARD.oldPool, userPool(PRE_SIGNUP_POOL)]);
    assert.deepEqual([envOf(migrating.json).LEGACY_USERS_TABLE, envOf(migrating.json).OLD_USER_POOL_ID], ['legacy-users', 'eu-west-1_Old123']);
    // A migration deployed elsewhere: pre-signup's own settings; the index only with its Query.
    const own = statementsOf({
      enabled: ['pre-signup'],
      settings: { 'pre-signup': { LEGACY_USERS_TABLE: 'legacy-users', LEGACY_USERS_EMAIL_INDEX: 'by-email' } },
    });
    assert.deepEqual(own.byRole.PreSignup, [...base, SQUATTING_GUARD.table, SQUATTING_GUARD.emailIndex('by-email'), userPool(PRE_SIGNUP_POOL)]);
  });

  it('custom-email-sender: the configuration set only with EMAIL_CONFIGURATION_SET; no queue, key or table without a sender', () => {
    const { byRole, json } = statementsOf({
      enabled: ['custom-email-sender'],
      settings: { 'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com' } },
      emailSender: { identity: 'example.com' },
    });
    assert.deepEqual(byRole.CustomEmailSender, EXPECTED.CustomEmailSender.filter((st: any) => st.Sid !== 'SesConfigurationSet'));
    const none = statementsOf({ enabled: ['custom-message'], monitoring: false });
    for (const type of ['AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::Lambda::EventInvokeConfig']) {
      assert.equal(Object.keys(resourcesOfType(none.json, type)).length, 0, type);
    }
    // One sender alone still fills LambdaConfig with its slot, V1_0, and the pool's key.
    const pool = Object.values<any>(resourcesOfType(json, 'AWS::Cognito::UserPool'))[0];
    assert.deepEqual(symbolic(json, pool.Properties.LambdaConfig), {
      CustomEmailSender: { LambdaArn: 'Ref(Triggers/CustomEmailSenderAlias)', LambdaVersion: 'V1_0' },
      KMSKeyID: 'Triggers/SenderKey.Arn',
    });
  });

  it('custom-sms-sender: the same statements without any setting (SNS and the topic deny never depend on one); no counter with SMS_MAX_PER_NUMBER 0', () => {
    const { byRole, json } = statementsOf({ enabled: ['custom-sms-sender'] });
    assert.deepEqual(byRole.CustomSmsSender, EXPECTED.CustomSmsSender);
    const unlimited = statementsOf({ enabled: ['custom-sms-sender'], settings: { 'custom-sms-sender': { SMS_MAX_PER_NUMBER: 0 } } });
    assert.deepEqual(unlimited.byRole.CustomSmsSender, EXPECTED.CustomSmsSender.filter((st: any) => st.Sid !== 'TableSmsLimits'));
    const pool = Object.values<any>(resourcesOfType(json, 'AWS::Cognito::UserPool'))[0];
    assert.deepEqual(symbolic(json, pool.Properties.LambdaConfig), {
      CustomSMSSender: { LambdaArn: 'Ref(Triggers/CustomSmsSenderAlias)', LambdaVersion: 'V1_0' },
      KMSKeyID: 'Triggers/SenderKey.Arn',
    });
  });

  it('operator policy: only with pre-authentication on, and not with operatorPolicy: false', () => {
    const noLockout = statementsOf({ enabled: ['post-authentication'] });
    assert.equal(Object.keys(resourcesOfType(noLockout.json, 'AWS::IAM::ManagedPolicy')).length, 0);
    const off = statementsOf({ enabled: ['pre-authentication'], operatorPolicy: false });
    assert.equal(Object.keys(resourcesOfType(off.json, 'AWS::IAM::ManagedPolicy')).length, 0);
    const on = statementsOf({ enabled: ['pre-authentication'] });
    const policies = Object.values<any>(resourcesOfType(on.json, 'AWS::IAM::ManagedPolicy'));
    assert.equal(policies.length, 1);
    assert.deepEqual(symbolic(on.json, policies[0].Properties.PolicyDocument.Statement), operatorStatements('Pool.Arn'));
  });
});

describe('domain events on an existing bus', () => {
  const build = (eventBus: CognitoTriggersProps['eventBus'], extra: Partial<CognitoTriggersProps> = {}) => {
    const app2 = testApp();
    const stack2 = new Stack(app2, 'Bus');
    const userPool = new cognito.UserPool(stack2, 'Pool');
    new CognitoTriggers(stack2, 'Triggers', {
      pool: { userPool },
      enabled: ['pre-authentication', 'pre-token-generation'],
      assetDirectory: ASSETS,
      eventBus,
      ...extra,
    });
    return app2.synth().getStackByName('Bus').template;
  };
  const roleOf = (json: any, id: string) => roleStatements(json, logicalIdAt(json, 'AWS::IAM::Role', `/Triggers/${id}Role/`));
  const envOf = (json: any, id: string) =>
    symbolic(json, json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties.Environment.Variables);

  it('grants PutEvents on the named bus only, to the publishing functions only, and names it to them', () => {
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/users';
    const json = build({ existing: arn }, { eventSource: 'acme.users', eventIncludeContact: false });
    assert.deepEqual(roleOf(json, 'PreAuthentication').at(-1), eventBus(arn));
    assert.ok(!JSON.stringify(roleOf(json, 'PreTokenGeneration')).includes('events:'), 'pre-token-generation publishes nothing');
    const env = envOf(json, 'PreAuthentication');
    assert.deepEqual([env.EVENT_BUS_NAME, env.EVENT_SOURCE, env.EVENT_INCLUDE_CONTACT], [arn, 'acme.users', 'false']);
    assert.equal(envOf(json, 'PreTokenGeneration').EVENT_SOURCE, undefined);
    assert.deepEqual(Object.keys(resourcesOfType(json, 'AWS::Events::EventBus')), [], 'an existing bus is not created');
    // By name: the ARN in this stack's account and Region.
    const byName = build({ existing: 'users' });
    assert.deepEqual(roleOf(byName, 'PreAuthentication').at(-1), eventBus('arn:Ref(AWS::Partition):events:Ref(AWS::Region):Ref(AWS::AccountId):event-bus/users'));
  });

  it('grants and sets nothing without a bus, and refuses a source the binary would refuse', () => {
    const json = build(undefined);
    assert.ok(!JSON.stringify(json).includes('events:PutEvents'));
    assert.equal(envOf(json, 'PreAuthentication').EVENT_BUS_NAME, undefined);
    assert.throws(() => build('create', { eventSource: 'aws.cognito' }), /eventSource/);
  });
});
