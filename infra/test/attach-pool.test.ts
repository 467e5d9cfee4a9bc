/**
 * `pool: { existingUserPoolId, attach: true }` (issue 25 item 5): a custom resource sets the
 * existing pool's LambdaConfig to the stack's aliases (and the sender key), after the aliases and
 * their invoke permissions exist; its role may describe and update that pool only. The handler
 * itself is tested against moto: custom-resources/attach-triggers/test_index.py (make infra-test).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Stack, aws_cognito as cognito } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { ASSETS, findCycle, logicalIdAt, resourcesOfType, roleStatements, symbolic, synth, testApp } from './helpers';

const POOL_ARN = 'arn:Ref(AWS::Partition):cognito-idp:eu-west-1:Ref(AWS::AccountId):userpool/eu-west-1_AbCdEf123';

function build(pool: Partial<Extract<CognitoTriggersProps['pool'], { existingUserPoolId: string }>>) {
  const app = testApp();
  const stack = new Stack(app, 'Attach', { env: { region: 'eu-west-1' } });
  new CognitoTriggers(stack, 'Triggers', {
    pool: { existingUserPoolId: 'eu-west-1_AbCdEf123', featurePlan: cognito.FeaturePlan.ESSENTIALS, ...pool },
    enabled: ['pre-signup', 'pre-token-generation', 'custom-email-sender'],
    settings: { 'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com' } },
    emailSender: { identity: 'example.com' },
    preTokenGenerationVersion: 'V2_0',
    assetDirectory: ASSETS,
  });
  return synth(app, stack);
}

describe('attaching to an existing pool', () => {
  it('sets LambdaConfig to the aliases and the sender key, after the aliases and permissions', () => {
    const { json, violations } = build({ attach: true });
    assert.deepEqual(violations, []);
    assert.equal(findCycle(json), undefined);
    const [id, resource] = Object.entries<any>(resourcesOfType(json, 'Custom::CognitoTriggersAttachment'))[0];
    const p = symbolic(json, resource.Properties);
    assert.equal(p.ServiceToken, 'Triggers/AttachToPoolFunction.Arn');
    assert.equal(p.UserPoolId, 'eu-west-1_AbCdEf123');
    assert.deepEqual(p.LambdaConfig, {
      PreSignUp: 'Ref(Triggers/PreSignupAlias)',
      PreTokenGenerationConfig: { LambdaArn: 'Ref(Triggers/PreTokenGenerationAlias)', LambdaVersion: 'V2_0' },
      CustomEmailSender: { LambdaArn: 'Ref(Triggers/CustomEmailSenderAlias)', LambdaVersion: 'V1_0' },
      KMSKeyID: 'Triggers/SenderKey.Arn',
    });
    const permissions = Object.keys(resourcesOfType(json, 'AWS::Lambda::Permission'));
    assert.equal(permissions.length, 3);
    for (const perm of permissions) assert.ok(json.Resources[id].DependsOn.includes(perm), perm);
  });

  it('gives the custom resource DescribeUserPool and UpdateUserPool on that pool only, PassRole only for the pool\'s SMS role', () => {
    const plain = build({ attach: true });
    const role = (json: any) => roleStatements(json, logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/AttachToPoolRole/'));
    assert.deepEqual(role(plain.json), [
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'Triggers/AttachToPoolLogs.Arn' },
      { Sid: 'UserPool', Effect: 'Allow', Action: ['cognito-idp:DescribeUserPool', 'cognito-idp:UpdateUserPool'], Resource: POOL_ARN },
    ]);
    const sms = 'arn:aws:iam::123456789012:role/cognito-sms';
    const withSms = build({ attach: true, smsRoleArn: sms });
    assert.deepEqual(role(withSms.json).at(-1), {
      Sid: 'PassPoolSmsRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: sms,
      Condition: { StringEquals: { 'iam:PassedToService': 'cognito-idp.amazonaws.com' } },
    });
    const fn = Object.values<any>(resourcesOfType(plain.json, 'AWS::Lambda::Function')).find((f) => f.Metadata['aws:cdk:path'].includes('AttachToPool'));
    assert.deepEqual([fn.Properties.Handler, fn.Properties.Runtime, fn.Properties.Architectures], ['index.handler', 'python3.15', ['arm64']]);
  });

  it('changes nothing on the pool without attach, and refuses smsRoleArn without it', () => {
    const { json } = build({});
    assert.equal(Object.keys(resourcesOfType(json, 'Custom::CognitoTriggersAttachment')).length, 0);
    assert.throws(() => build({ smsRoleArn: 'arn:aws:iam::123456789012:role/x' }), /smsRoleArn is for attach: true/);
  });
});
