/**
 * Attaching to a pool that already exists: no pool in the template, the pool ARN built from its
 * id with Stack.formatArn (no cycle, so the statements stay on the role), and one invoke
 * permission per function scoped to that pool and account. This stack loads the real reminder
 * definition (the construct's default path), not the tests' stand-in.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRIGGER_NAMES } from '../lib/triggers';
import { existingPoolStack } from './fixtures';
import { ASSETS, findCycle, logicalIdAt, resourcesOfType, symbolic, synth, testApp } from './helpers';
import { LINKING_POOL, PRE_SIGNUP_POOL, operatorStatements, userPool } from './statements';

const app = testApp();
const { stack } = existingPoolStack(app, { assets: ASSETS });
const out = synth(app, stack);
const { json } = out;
const POOL_ARN = 'arn:Ref(AWS::Partition):cognito-idp:Ref(AWS::Region):Ref(AWS::AccountId):userpool/eu-west-1_AbCdEf123';

describe('existing pool', () => {
  it('creates no pool and no standalone policy', () => {
    assert.equal(Object.keys(resourcesOfType(json, 'AWS::Cognito::UserPool')).length, 0);
    assert.equal(Object.keys(resourcesOfType(json, 'AWS::IAM::Policy')).length, 1); // the state machine role's default policy
  });

  it('lets only that pool, in this account, invoke each Cognito trigger', () => {
    const perms = Object.values<any>(resourcesOfType(json, 'AWS::Lambda::Permission')).map((p) => symbolic(json, p.Properties));
    assert.equal(perms.length, TRIGGER_NAMES.length - 1);
    for (const p of perms) {
      assert.deepEqual(
        { Principal: p.Principal, SourceArn: p.SourceArn, SourceAccount: p.SourceAccount, Action: p.Action },
        { Principal: 'cognito-idp.amazonaws.com', SourceArn: POOL_ARN, SourceAccount: 'Ref(AWS::AccountId)', Action: 'lambda:InvokeFunction' },
      );
    }
  });

  it('scopes the pool statements to that pool, inline on the role', () => {
    const role = json.Resources[logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/PreSignupRole/')];
    const statements = symbolic(json, role.Properties.Policies[0].PolicyDocument.Statement);
    assert.deepEqual(statements.find((s: any) => s.Sid === 'UserPool'), userPool([...PRE_SIGNUP_POOL, ...LINKING_POOL], POOL_ARN));
  });

  it('scopes the operator policy (triggers-admin) to that pool and the table', () => {
    const policy = json.Resources[logicalIdAt(json, 'AWS::IAM::ManagedPolicy', '/Triggers/OperatorPolicy/')].Properties;
    assert.deepEqual(symbolic(json, policy.PolicyDocument.Statement), operatorStatements(POOL_ARN));
  });

  it('lets Cognito use the sender key only from that pool', () => {
    const key = symbolic(json, Object.values<any>(resourcesOfType(json, 'AWS::KMS::Key'))[0].Properties);
    assert.equal(key.KeyPolicy.Statement[1].Condition.ArnLike['aws:SourceArn'], POOL_ARN);
  });

  it('outputs the function ARN for each LambdaConfig slot', () => {
    const outputs = Object.values<any>(json.Outputs).map((o) => o.Description);
    for (const slot of ['PreSignUp', 'PreAuthentication', 'PostAuthentication', 'PostConfirmation', 'PreTokenGenerationConfig', 'CustomMessage', 'UserMigration', 'CustomEmailSender', 'CustomSMSSender']) {
      assert.ok(outputs.some((d) => d.endsWith(`set as LambdaConfig ${slot}`)), slot);
    }
  });

  it('has no cycle and passes cdk-nag', () => {
    assert.equal(findCycle(json), undefined);
    assert.deepEqual(out.violations, []);
  });
});
