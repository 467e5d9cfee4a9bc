/**
 * Versions, aliases and safe deploys (issue 25 item 2), X-Ray tracing (item 3, construct side),
 * function options and the 4 KB environment refusal (item 4).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duration, Stack, aws_ec2 as ec2, aws_kms as kms, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { VPC_ENI_ACTIONS } from '../lib/functions';
import { hardenedPool } from './fixtures';
import { ASSETS, logicalIdAt, resourcesOfType, roleStatements, symbolic, synth, tempDir, testApp } from './helpers';

function build(extra: Partial<CognitoTriggersProps>, enabled: CognitoTriggersProps['enabled'] = ['pre-signup', 'post-confirmation', 'custom-sms-sender'], setup?: (s: Stack) => Partial<CognitoTriggersProps>) {
  const app = testApp();
  const stack = new Stack(app, 'Opts');
  const userPool = hardenedPool(stack, { signInCaseSensitive: false });
  new CognitoTriggers(stack, 'Triggers', { pool: { userPool }, enabled, assetDirectory: ASSETS, ...extra, ...(setup?.(stack) ?? {}) });
  const out = synth(app, stack);
  const fn = (id: string) => symbolic(out.json, out.json.Resources[logicalIdAt(out.json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties);
  const role = (id: string) => roleStatements(out.json, logicalIdAt(out.json, 'AWS::IAM::Role', `/Triggers/${id}Role/`));
  return { ...out, fn, role };
}

describe('versions and aliases', () => {
  it('publishes every function as a version behind the alias live, which the pool and the permissions name', () => {
    const { json } = build({});
    const aliases = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Alias')).map((a) => symbolic(json, a.Properties));
    assert.equal(aliases.length, 3);
    for (const a of aliases) {
      assert.equal(a.Name, 'live');
      assert.match(a.FunctionVersion, /^Triggers\/\w+Function\/CurrentVersion\w*\.Version$/);
    }
    const config = symbolic(json, Object.values<any>(resourcesOfType(json, 'AWS::Cognito::UserPool'))[0].Properties.LambdaConfig);
    assert.deepEqual([config.PreSignUp, config.PostConfirmation, config.CustomSMSSender.LambdaArn], [
      'Ref(Triggers/PreSignupAlias)',
      'Ref(Triggers/PostConfirmationAlias)',
      'Ref(Triggers/CustomSmsSenderAlias)',
    ]);
    const invoked = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Permission')).map((p) => symbolic(json, p.Properties.FunctionName)).sort();
    assert.deepEqual(invoked, ['Ref(Triggers/CustomSmsSenderAlias)', 'Ref(Triggers/PostConfirmationAlias)', 'Ref(Triggers/PreSignupAlias)']);
    const outputs = Object.values<any>(symbolic(json, json.Outputs)).filter((o) => /set as LambdaConfig/.test(o.Description));
    assert.ok(outputs.every((o) => /^Ref\(Triggers\/\w+Alias\)$/.test(o.Value)), JSON.stringify(outputs));
  });
});

describe('CodeDeploy deployments', () => {
  it("one deployment group per function asked for, its style, rolling back on that function's alarms", () => {
    const { json, violations } = build({ deployment: { '*': 'canary-10-percent-5-minutes', 'post-confirmation': 'linear-10-percent-every-1-minute' } });
    assert.deepEqual(violations, []);
    const groups = Object.values<any>(resourcesOfType(json, 'AWS::CodeDeploy::DeploymentGroup')).map((g) => symbolic(json, g.Properties));
    assert.equal(groups.length, 3);
    const byConfig = groups.map((g) => g.DeploymentConfigName).sort();
    assert.deepEqual(byConfig, ['CodeDeployDefault.LambdaCanary10Percent5Minutes', 'CodeDeployDefault.LambdaCanary10Percent5Minutes', 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute']);
    for (const g of groups) {
      assert.deepEqual(g.AutoRollbackConfiguration, { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] });
      assert.equal(g.AlarmConfiguration.Enabled, true);
    }
    const signup = symbolic(json, json.Resources[logicalIdAt(json, 'AWS::CodeDeploy::DeploymentGroup', '/Triggers/PreSignupDeployment/')].Properties);
    assert.deepEqual(
      signup.AlarmConfiguration.Alarms.map((a: any) => a.Name.replace(/^Ref\(Triggers\/Monitoring\/(\w+)\)$/, '$1')).sort(),
      ['PreSignupDurationP99', 'PreSignupErrors', 'PreSignupSignUpChecksSkipped', 'PreSignupThrottles'],
    );
    const alias = json.Resources[logicalIdAt(json, 'AWS::Lambda::Alias', '/Triggers/PreSignupAlias/')];
    assert.ok(alias.UpdatePolicy?.CodeDeployLambdaAliasUpdate, 'CloudFormation hands the alias to CodeDeploy');
  });

  it('none without deployment; refused without alarms or for a trigger that is off', () => {
    const { json } = build({});
    assert.equal(Object.keys(resourcesOfType(json, 'AWS::CodeDeploy::DeploymentGroup')).length, 0);
    assert.throws(() => build({ deployment: { '*': 'all-at-once' }, monitoring: false }), /rolls a new version back on the function's alarms, and monitoring: false creates none/);
    assert.throws(() => build({ deployment: { 'pre-authentication': 'all-at-once' } }), /deployment names pre-authentication, which is not enabled/);
    assert.throws(() => build({ deployment: { '*': 'blue-green' as 'all-at-once' } }), /deployment for pre-signup must be one of all-at-once/);
  });
});

describe('tracing', () => {
  it('tracing: true turns on X-Ray active tracing, with the X-Ray write actions on each role (acknowledged)', () => {
    const { fn, role, violations, acknowledged } = build({ tracing: true });
    assert.deepEqual(violations, []);
    for (const id of ['PreSignup', 'PostConfirmation', 'CustomSmsSender']) {
      assert.deepEqual(fn(id).TracingConfig, { Mode: 'Active' });
      assert.ok(role(id).some((s: any) => JSON.stringify(s.Action) === JSON.stringify(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) && s.Resource === '*'), id);
    }
    assert.ok(Object.values(acknowledged).flat().some((r) => /X-Ray active tracing/.test(r.reason)));
  });

  it('off by default: no tracing configuration, no X-Ray action', () => {
    const { fn, role } = build({});
    assert.equal(fn('PreSignup').TracingConfig, undefined);
    assert.ok(!JSON.stringify(role('PreSignup')).includes('xray:'));
  });
});

describe('function options', () => {
  it('per trigger over functionDefaults: reserved concurrency, layers, environment key, log class and retention, VPC', () => {
    const layerDir = tempDir();
    const { fn, role, json, violations } = build(
      {},
      ['pre-signup', 'post-confirmation'],
      (stack) => {
        const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
        const key = new kms.Key(stack, 'EnvKey', { enableKeyRotation: true });
        const layer = new lambda.LayerVersion(stack, 'Extra', { code: lambda.Code.fromAsset(layerDir), compatibleArchitectures: [lambda.Architecture.ARM_64] });
        return {
          functionDefaults: { reservedConcurrency: 50, environmentEncryption: key, logRetention: logs.RetentionDays.ONE_YEAR, vpc: { vpc } },
          functionOptions: {
            'pre-signup': { memorySize: 512, timeout: Duration.seconds(4), reservedConcurrency: 200, layers: [layer], logGroupClass: logs.LogGroupClass.INFREQUENT_ACCESS },
          },
        };
      },
    );
    // The test's own VPC has no flow log (VPC7): the construct's resources have no finding.
    assert.deepEqual(violations.filter((v) => v.includes('/Triggers/')), []);
    const signup = fn('PreSignup');
    const confirm = fn('PostConfirmation');
    assert.deepEqual([signup.MemorySize, signup.Timeout, signup.ReservedConcurrentExecutions], [512, 4, 200]);
    assert.equal(confirm.ReservedConcurrentExecutions, 50);
    assert.deepEqual(signup.Layers, ['Ref(Extra)']);
    assert.equal(confirm.Layers, undefined);
    for (const f of [signup, confirm]) {
      assert.equal(f.KmsKeyArn, 'EnvKey.Arn');
      assert.equal(f.VpcConfig.SubnetIds.length, 2);
    }
    for (const id of ['PreSignup', 'PostConfirmation']) {
      assert.deepEqual(role(id).find((s: any) => s.Sid === 'EnvironmentKey'), { Sid: 'EnvironmentKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'EnvKey.Arn' });
      assert.deepEqual(role(id).find((s: any) => s.Sid === 'VpcNetworkInterfaces')?.Action, VPC_ENI_ACTIONS);
    }
    const group = (id: string) => json.Resources[logicalIdAt(json, 'AWS::Logs::LogGroup', `/Triggers/${id}Logs/`)].Properties;
    assert.deepEqual([group('PreSignup').RetentionInDays, group('PreSignup').LogGroupClass], [365, 'INFREQUENT_ACCESS']);
    assert.deepEqual([group('PostConfirmation').RetentionInDays, group('PostConfirmation').LogGroupClass], [365, undefined]);
  });

  it('refuses a reserved concurrency that is not a positive integer', () => {
    assert.throws(() => build({ functionOptions: { 'pre-signup': { reservedConcurrency: 0 } } }), /pre-signup reservedConcurrency must be a positive integer/);
  });

  it("refuses settings over Lambda's 4 KB environment at synth, naming the largest", () => {
    const domains = Array.from({ length: 400 }, (_v, i) => `blocked-domain-${i}.example`);
    assert.throws(
      () => build({ settings: { 'pre-signup': { DENIED_EMAIL_DOMAINS: domains } } }, ['pre-signup']),
      /pre-signup's settings take \d+ bytes, over Lambda's 4096-byte limit .* the largest: DENIED_EMAIL_DOMAINS \(\d+ bytes\)/,
    );
    assert.throws(
      () => build({ extraSettings: { 'post-confirmation': { SOME_NEW_TEMPLATE: 'x'.repeat(4000) } } }, ['post-confirmation']),
      /post-confirmation's settings take .* the largest: SOME_NEW_TEMPLATE \(4017 bytes\)/,
    );
    // Just under the limit passes.
    assert.doesNotThrow(() => build({ extraSettings: { 'post-confirmation': { SOME_NEW_TEMPLATE: 'x'.repeat(3000) } } }, ['post-confirmation']));
  });
});
