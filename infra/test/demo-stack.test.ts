/**
 * The demo stack as `make synth` builds it (a new pool, the triggers that exist: pre-signup).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DemoStack } from '../lib/demo-stack';
import { ASSETS, findCycle, logicalIdAt, resourcesOfType, roleStatements, synth, testApp } from './helpers';

const app = testApp();
const stack = new DemoStack(app, 'Demo', { assetDirectory: ASSETS });
const out = synth(app, stack);
const { json, template } = out;
const fnId = logicalIdAt(json, 'AWS::Lambda::Function', '/Triggers/PreSignupFunction');
const roleId = logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/PreSignupRole');
const poolId = logicalIdAt(json, 'AWS::Cognito::UserPool', '/UserPool');

describe('demo stack', () => {
  it('wires exactly the pre-signup function into the pool LambdaConfig', () => {
    assert.deepEqual(json.Resources[poolId].Properties.LambdaConfig, { PreSignUp: { 'Fn::GetAtt': [fnId, 'Arn'] } });
    // Cognito may invoke it, from this pool only.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
    });
    template.resourceCountIs('AWS::Lambda::Permission', 1);
  });

  it('deploys one function: arm64, provided.al2023, timeout within 5 s, JSON logs to its own group', () => {
    const fns = resourcesOfType(json, 'AWS::Lambda::Function');
    assert.deepEqual(Object.keys(fns), [fnId]);
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
  });

  it('hands pre-signup exactly its settings', () => {
    const tableId = logicalIdAt(json, 'AWS::DynamoDB::Table', '/Triggers/Table');
    assert.deepEqual(json.Resources[fnId].Properties.Environment.Variables, {
      UNIQUE_EMAIL: 'true',
      MIN_USERNAME_LENGTH: '3',
      RUST_LOG: 'info',
      TABLE_NAME: { Ref: tableId },
    });
  });

  it('gives the pre-signup role exactly these statements', () => {
    assert.deepEqual(roleStatements(json, roleId), [
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: 'Triggers/PreSignupLogs.Arn',
      },
      {
        Sid: 'Table',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: 'Triggers/Table.Arn',
      },
      {
        Sid: 'UserPool',
        Effect: 'Allow',
        Action: [
          'cognito-idp:ListUsers',
          'cognito-idp:AdminGetUser',
          'cognito-idp:AdminDeleteUser',
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminSetUserPassword',
          'cognito-idp:AdminLinkProviderForUser',
        ],
        Resource: 'UserPool.Arn',
      },
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
    // Not even the operator policy (triggers-admin): pre-authentication is not on in the demo.
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
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

  it('has no dependency cycle', () => {
    assert.equal(findCycle(json), undefined);
  });

  it('passes cdk-nag AwsSolutions with only these acknowledgements, each with its reason', () => {
    assert.deepEqual(out.violations, []);
    const acks = Object.entries(out.acknowledged).flatMap(([id, rules]) => rules.map((r) => `${id} ${r.id}`));
    assert.deepEqual(acks.sort(), [`${poolId} AwsSolutions-COG2`, `${poolId} AwsSolutions-COG8`]);
    for (const rules of Object.values(out.acknowledged)) for (const r of rules) assert.ok(r.reason.length >= 40, `${r.id}: reason too short`);
  });
});
