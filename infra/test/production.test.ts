/**
 * docs/deploy.md's production-shaped example stack (test/fixtures.ts `productionStack`) synthesizes
 * cleanly under CDK's strict CloudFormation validation and cdk-nag, with what the example promises.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { productionStack } from './fixtures';
import { ASSETS, findCycle, logicalIdAt, resourcesOfType, roleStatements, symbolic, synth, testApp } from './helpers';

const app = testApp({ validate: true });
const { stack } = productionStack(app, { assets: ASSETS });
const out = synth(app, stack, { validate: true });
const { json } = out;
const fn = (id: string) => symbolic(json, json.Resources[logicalIdAt(json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties);
const role = (id: string) => roleStatements(json, logicalIdAt(json, 'AWS::IAM::Role', `/Triggers/${id}Role/`));

describe('the production-shaped example', () => {
  it('passes strict validation and cdk-nag, without a cycle', () => {
    assert.deepEqual(out.violations, []);
    assert.equal(findCycle(json), undefined);
  });

  it('sends e-mail through the private SMTP server from the VPC, reading only its secret (and its key through Secrets Manager)', () => {
    const email = fn('CustomEmailSender');
    assert.deepEqual(email.VpcConfig.SubnetIds, ['subnet-0aaa1111bbb22222a', 'subnet-0ccc3333ddd44444b']);
    assert.equal(email.Environment.Variables.SMTP_CREDENTIALS_SECRET, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/cognito/smtp-AbCdEf');
    const statements = role('CustomEmailSender');
    assert.deepEqual(statements.find((s: any) => s.Sid === 'ProviderSecret').Resource, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/cognito/smtp-AbCdEf');
    assert.deepEqual(statements.find((s: any) => s.Sid === 'ProviderSecretKey'), {
      Sid: 'ProviderSecretKey',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    assert.ok(!JSON.stringify(statements).includes('ses:'));
    assert.ok(!JSON.stringify(role('CustomSmsSender')).includes('sns:'));
  });

  it('traces every function, deploys each by canary, and alarms to the on-call topic', () => {
    const fns = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Function'));
    assert.equal(fns.length, 5);
    for (const f of fns) assert.deepEqual(f.Properties.TracingConfig, { Mode: 'Active' });
    const groups = Object.values<any>(resourcesOfType(json, 'AWS::CodeDeploy::DeploymentGroup'));
    assert.equal(groups.length, 5);
    for (const g of groups) assert.equal(g.Properties.DeploymentConfigName, 'CodeDeployDefault.LambdaCanary10Percent5Minutes');
    for (const a of Object.values<any>(resourcesOfType(json, 'AWS::CloudWatch::Alarm'))) {
      assert.deepEqual(a.Properties.AlarmActions, ['arn:aws:sns:eu-west-1:123456789012:on-call']);
    }
    assert.equal(Object.keys(resourcesOfType(json, 'AWS::SNS::Topic')).length, 0);
    assert.equal(fn('PreSignup').ReservedConcurrentExecutions, 100);
  });
});
