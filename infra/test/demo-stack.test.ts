/**
 * The demo stack as `make synth` builds it: a new pool and, by default, every trigger binary the
 * workspace has (triggers/<name>/), each wired to its function.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../lib/app';
import { PLACEHOLDER_EMAIL_IDENTITY, PLACEHOLDER_REMINDER_EMAIL_FROM, DemoStack } from '../lib/demo-stack';
import { TRIGGERS } from '../lib/triggers';
import { workspaceTriggerBinaries } from '../lib/workspace';
import { ASSETS, findCycle, logicalIdAt, resourcesOfType, roleStatements, symbolic, synth, tempDir, testApp } from './helpers';
import { PRE_SIGNUP_POOL, RESERVATIONS, eventBus, logs, operatorStatements, table, userPool } from './statements';

const app = testApp();
const stack = new DemoStack(app, 'Demo', { assetDirectory: ASSETS });
const out = synth(app, stack);
const { json, template } = out;
const fnId = logicalIdAt(json, 'AWS::Lambda::Function', '/Triggers/PreSignupFunction');
const roleId = logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/PreSignupRole');
const poolId = logicalIdAt(json, 'AWS::Cognito::UserPool', '/UserPool');
const pascal = (b: string) => b.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
const WORKSPACE = workspaceTriggerBinaries();

describe('demo stack', () => {
  it('deploys, by default, every trigger binary of the workspace: the full set', () => {
    // At least the binaries that exist today; a new triggers/<name>/ joins by itself (see workspace.test.ts).
    for (const b of ['post-authentication', 'post-confirmation', 'pre-authentication', 'pre-signup', 'pre-token-generation', 'signup-reminder']) {
      assert.ok(WORKSPACE.includes(b), b);
    }
    assert.deepEqual(Object.keys(stack.triggers.triggers).sort(), WORKSPACE);
    const fns = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Function')).map((f) => f.Metadata['aws:cdk:path']);
    assert.deepEqual(fns.sort(), WORKSPACE.map((b) => `Demo/Triggers/${pascal(b)}Function/Resource`).sort());
  });

  it('wires every Cognito trigger of the set into the pool LambdaConfig, invocable from this pool only', () => {
    const slotted = WORKSPACE.filter((b) => TRIGGERS[b as keyof typeof TRIGGERS].slot !== undefined);
    const senders = ['CustomEmailSender', 'CustomSMSSender'];
    // Set through the L1 property with its version: the senders and inbound federation.
    const versioned = [...senders, 'InboundFederation'];
    const expected: Record<string, unknown> = Object.fromEntries(
      slotted.map((b) => {
        const slot = TRIGGERS[b as keyof typeof TRIGGERS].slot!;
        // The pool invokes the alias (the published version), never $LATEST.
        const arn = `Ref(Triggers/${pascal(b)}Alias)`;
        return [slot, versioned.includes(slot) ? { LambdaArn: arn, LambdaVersion: 'V1_0' } : arn];
      }),
    );
    if (Object.keys(expected).some((slot) => senders.includes(slot))) expected.KMSKeyID = 'Triggers/SenderKey.Arn';
    assert.deepEqual(symbolic(json, json.Resources[poolId].Properties.LambdaConfig), expected);
    for (const b of slotted) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { Ref: logicalIdAt(json, 'AWS::Lambda::Alias', `/Triggers/${pascal(b)}Alias`) },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
      });
    }
    template.resourceCountIs('AWS::Lambda::Permission', slotted.length);
    // signup-reminder is run by its state machine, not by Cognito.
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  it('sends the reminder from the stand-in sender, with a warning, when no SES identity is given', () => {
    const env = json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', '/Triggers/SignupReminderFunction')].Properties.Environment.Variables;
    assert.equal(env.REMINDER_EMAIL_FROM, PLACEHOLDER_REMINDER_EMAIL_FROM);
    const senderEnv = (j: any) => j.Resources[logicalIdAt(j, 'AWS::Lambda::Function', '/Triggers/CustomEmailSenderFunction')].Properties.Environment.Variables;
    // custom-email-sender requires EMAIL_FROM: the same stand-in.
    assert.equal(senderEnv(json).EMAIL_FROM, PLACEHOLDER_REMINDER_EMAIL_FROM);
    const warnings = app.synth().getStackByName(stack.stackName).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    assert.ok(warnings.some((w) => w.includes(`stand-in ${PLACEHOLDER_EMAIL_IDENTITY}`) && w.includes('-c emailIdentity')), warnings.join('\n'));
    // With an identity given, the sender is in it and there is no warning.
    const app2 = testApp();
    const given = new DemoStack(app2, 'Given', { assetDirectory: ASSETS, emailSenderIdentity: 'mail.acme.test' });
    const json2 = synth(app2, given).json;
    const env2 = json2.Resources[logicalIdAt(json2, 'AWS::Lambda::Function', '/Triggers/SignupReminderFunction')].Properties.Environment.Variables;
    assert.equal(env2.REMINDER_EMAIL_FROM, 'no-reply@mail.acme.test');
    assert.equal(senderEnv(json2).EMAIL_FROM, 'no-reply@mail.acme.test');
    assert.ok(!app2.synth().getStackByName('Given').messages.some((m) => String(m.entry.data).includes('stand-in')));
  });

  it('deploys each function arm64, provided.al2023, timeout within 5 s, JSON logs to its own group', () => {
    const fns = resourcesOfType(json, 'AWS::Lambda::Function');
    assert.equal(Object.keys(fns).length, WORKSPACE.length);
    const p = fns[fnId].Properties;
    assert.deepEqual(p.Architectures, ['arm64']);
    assert.equal(p.Runtime, 'provided.al2023');
    assert.equal(p.Handler, 'bootstrap');
    assert.ok(p.Timeout <= 5, `timeout ${p.Timeout}`);
    assert.equal(p.MemorySize, 256);
    const logsId = logicalIdAt(json, 'AWS::Logs::LogGroup', '/Triggers/PreSignupLogs');
    assert.deepEqual(p.LoggingConfig, { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: { Ref: logsId } });
    assert.equal(json.Resources[logsId].Properties.RetentionInDays, 30);
    assert.deepEqual(p.Role, { 'Fn::GetAtt': [roleId, 'Arn'] });
    for (const f of Object.values<any>(fns)) {
      assert.deepEqual(f.Properties.Architectures, ['arm64']);
      assert.ok(f.Properties.Timeout <= 5);
    }
  });

  it('hands pre-signup exactly its settings', () => {
    const tableId = logicalIdAt(json, 'AWS::DynamoDB::Table', '/Triggers/Table');
    const legacyId = logicalIdAt(json, 'AWS::DynamoDB::Table', '/LegacyUsers');
    assert.deepEqual(json.Resources[fnId].Properties.Environment.Variables, {
      UNIQUE_EMAIL: 'true',
      MIN_USERNAME_LENGTH: '3',
      // The squatting guard asks user-migration's store: the demo's legacy table.
      LEGACY_USERS_TABLE: { Ref: legacyId },
      // The demo pool is case-insensitive (stated on the pool).
      USER_NAMES_CASE_SENSITIVE: 'false',
      RUST_LOG: 'info',
      TABLE_NAME: { Ref: tableId },
      REMINDER_STATE_MACHINE_ARN: { Ref: logicalIdAt(json, 'AWS::StepFunctions::StateMachine', '/Triggers/ReminderStateMachine') },
      EVENT_BUS_NAME: { 'Fn::GetAtt': [logicalIdAt(json, 'AWS::Events::EventBus', '/Triggers/EventBus'), 'Arn'] },
    });
  });

  it('creates a case-insensitive pool, stated on the pool itself (no warning), and can keep a deployed case-sensitive one as it is', () => {
    assert.deepEqual(json.Resources[poolId].Properties.UsernameConfiguration, { CaseSensitive: false });
    const warnings = app.synth().getStackByName(stack.stackName).messages.map((m) => String(m.entry.data));
    assert.ok(!warnings.some((w) => w.includes('case-insensitive')), warnings.join('\n'));
    // -c signInCaseSensitive=true: a demo pool deployed before the default keeps a template without
    // UsernameConfiguration (Cognito cannot change it), and the functions compare names exactly.
    const kept = buildApp({ outdir: tempDir(), context: { 'aws:cdk:enable-path-metadata': true, signInCaseSensitive: 'true', lambdaAssets: ASSETS, triggers: 'pre-authentication,user-migration' } });
    const keptJson = synth(kept.app, kept.stack).json;
    const keptPool = Object.values<any>(resourcesOfType(keptJson, 'AWS::Cognito::UserPool'))[0];
    assert.equal(keptPool.Properties.UsernameConfiguration, undefined);
    const keptEnv = keptJson.Resources[logicalIdAt(keptJson, 'AWS::Lambda::Function', '/Triggers/PreAuthenticationFunction')].Properties.Environment.Variables;
    assert.equal(keptEnv.USER_NAMES_CASE_SENSITIVE, 'true');
    assert.throws(() => buildApp({ context: { signInCaseSensitive: 'yes', lambdaAssets: ASSETS } }), /-c signInCaseSensitive must be true or false/);
  });

  it('gives user-migration 1,024 MB', () => {
    const migration = json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', '/Triggers/UserMigrationFunction')].Properties;
    assert.equal(migration.MemorySize, 1024);
  });

  it('gives the pre-signup role exactly these statements', () => {
    // Linking is off in the demo: no AdminCreateUser, AdminSetUserPassword, AdminLinkProviderForUser, no USER# rows.
    assert.deepEqual(roleStatements(json, roleId), [
      logs('PreSignup'),
      table('Reservations', 'dynamodb:PutItem', RESERVATIONS),
      // The squatting guard: reads of the demo's legacy table, which user-migration moves users from.
      {
        Sid: 'LegacyUsersTable',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: 'arn:Ref(AWS::Partition):dynamodb:Ref(AWS::Region):Ref(AWS::AccountId):table/Ref(LegacyUsers)',
      },
      { Sid: 'ReminderStateMachine', Effect: 'Allow', Action: 'states:StartExecution', Resource: 'Ref(Triggers/ReminderStateMachine)' },
      eventBus(),
      userPool(PRE_SIGNUP_POOL, 'UserPool.Arn'),
    ]);
    // Only Lambda may assume it.
    assert.deepEqual(json.Resources[roleId].Properties.AssumeRolePolicyDocument.Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('uses no AWS-managed policy and one role per function', () => {
    for (const [id, r] of Object.entries<any>(resourcesOfType(json, 'AWS::IAM::Role'))) {
      assert.equal(r.Properties.ManagedPolicyArns, undefined, `${id} has managed policies`);
    }
    // The one customer-managed policy is the operator's (triggers-admin), attached to nothing.
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    const policy = json.Resources[logicalIdAt(json, 'AWS::IAM::ManagedPolicy', '/Triggers/OperatorPolicy/')].Properties;
    assert.deepEqual(symbolic(json, policy.PolicyDocument.Statement), operatorStatements('UserPool.Arn', 'Triggers/EventBus.Arn'));
    const roles = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Function')).map((f) => f.Properties.Role['Fn::GetAtt'][0]);
    assert.equal(new Set(roles).size, roles.length);
  });

  it('creates the table of docs/architecture.md', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('publishes domain events to its own bus, with an example rule that sends them to a queue', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const publishers = ['post-authentication', 'post-confirmation', 'pre-authentication', 'pre-signup', 'signup-reminder', 'user-migration'];
    for (const b of WORKSPACE) {
      const id = pascal(b);
      const statements = roleStatements(json, logicalIdAt(json, 'AWS::IAM::Role', `/Triggers/${id}Role`));
      const onBus = statements.filter((s) => JSON.stringify(s.Action).includes('events:'));
      const env = json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function`)].Properties.Environment.Variables;
      if (publishers.includes(b)) {
        assert.deepEqual(onBus, [eventBus()], b);
        assert.ok(env.EVENT_BUS_NAME, b);
      } else {
        assert.deepEqual(onBus, [], `${b} publishes nothing`);
        assert.equal(env.EVENT_BUS_NAME, undefined, b);
      }
    }
    const rule = Object.values<any>(resourcesOfType(json, 'AWS::Events::Rule'));
    assert.equal(rule.length, 1);
    assert.deepEqual(symbolic(json, rule[0].Properties.EventBusName), 'Ref(Triggers/EventBus)');
    assert.deepEqual(rule[0].Properties.EventPattern, { source: ['cognito-triggers'] });
    assert.deepEqual(symbolic(json, rule[0].Properties.Targets.map((t: any) => t.Arn)), ['UserEvents.Arn']);
    // The queue takes messages from this rule only, over TLS, encrypted, with a dead-letter queue.
    const queuePolicies = Object.values<any>(resourcesOfType(json, 'AWS::SQS::QueuePolicy')).flatMap((p) => symbolic(json, p.Properties.PolicyDocument.Statement));
    const fromRule = queuePolicies.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    assert.ok(fromRule.length >= 1 && fromRule.every((s: any) => s.Condition?.ArnEquals?.['aws:SourceArn'] === 'UserEventsRule.Arn'), JSON.stringify(fromRule));
    for (const q of Object.values<any>(resourcesOfType(json, 'AWS::SQS::Queue'))) assert.equal(q.Properties.SqsManagedSseEnabled, true);
    // Without events: no bus, no grant, no setting.
    const app3 = testApp();
    const quiet = new DemoStack(app3, 'Quiet', { assetDirectory: ASSETS, events: false });
    const json3 = synth(app3, quiet).json;
    assert.deepEqual(Object.keys(resourcesOfType(json3, 'AWS::Events::EventBus')), []);
    assert.ok(!JSON.stringify(json3).includes('events:PutEvents'));
    assert.ok(!JSON.stringify(json3).includes('EVENT_BUS_NAME'));
  });

  it('has no dependency cycle', () => {
    assert.equal(findCycle(json), undefined);
  });

  it('monitors by default; -c monitoring=false, -c tracing=true, -c deployment=… change that', () => {
    assert.ok(Object.keys(resourcesOfType(json, 'AWS::CloudWatch::Alarm')).length > 0);
    const built = (context: Record<string, string>) => {
      const { app: a, stack: s } = buildApp({ outdir: tempDir(), context: { lambdaAssets: ASSETS, triggers: 'pre-signup', ...context } });
      return a.synth().getStackByName(s.stackName).template;
    };
    const off = built({ monitoring: 'false' });
    assert.equal(Object.keys(resourcesOfType(off, 'AWS::CloudWatch::Alarm')).length, 0);
    const on = built({ tracing: 'true', deployment: 'linear-10-percent-every-2-minutes' });
    assert.deepEqual(Object.values<any>(resourcesOfType(on, 'AWS::Lambda::Function'))[0].Properties.TracingConfig, { Mode: 'Active' });
    assert.equal(
      Object.values<any>(resourcesOfType(on, 'AWS::CodeDeploy::DeploymentGroup'))[0].Properties.DeploymentConfigName,
      'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes',
    );
    assert.throws(() => built({ deployment: 'fast' }), /-c deployment must be one of all-at-once/);
    assert.throws(() => built({ tracing: 'yes' }), /-c tracing must be true or false/);
  });

  it('passes cdk-nag AwsSolutions with only these acknowledgements, each with its reason', () => {
    assert.deepEqual(out.violations, []);
    const acks = Object.entries(out.acknowledged).flatMap(([id, rules]) => rules.map((r) => `${symbolic(json, { Ref: id }).slice(4, -1)} ${r.id}`));
    assert.deepEqual(acks.sort(), [
      'Triggers/CustomSmsSenderRole AwsSolutions-IAM5[Resource::*]',
      'Triggers/FailureQueue AwsSolutions-SQS3',
      'Triggers/FailureQueue/Policy AwsSolutions-SQS3',
      'Triggers/ReminderStateMachine/Role AwsSolutions-IAM5[Resource::*]',
      'Triggers/ReminderStateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'UserPool AwsSolutions-COG2',
      'UserPool AwsSolutions-COG8',
    ]);
    for (const rules of Object.values(out.acknowledged)) for (const r of rules) assert.ok(r.reason.length >= 40, `${r.id}: reason too short`);
  });
});
