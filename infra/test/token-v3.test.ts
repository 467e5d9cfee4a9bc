/**
 * Pre token generation V3 (machine-to-machine tokens): the construct accepts V3_0 on a pool whose
 * plan allows it, wires LambdaVersion V3_0 into PreTokenGenerationConfig, renders the
 * CLIENT_CREDENTIALS_* settings in the binary's format (app client ids may be tokens), and refuses
 * at synth what the binary would refuse at cold start.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack, aws_cognito as cognito, aws_lambda as lambda } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { ASSETS, REMINDER_ASL } from './helpers';

type TokenSettings = NonNullable<NonNullable<CognitoTriggersProps['settings']>['pre-token-generation']>;

function build(opts: { plan?: cognito.FeaturePlan; version?: CognitoTriggersProps['preTokenGenerationVersion']; settings?: TokenSettings; pool?: CognitoTriggersProps['pool'] } = {}) {
  const stack = new Stack(new App(), 'S');
  const userPool = new cognito.UserPool(stack, 'Pool', { featurePlan: 'plan' in opts ? opts.plan : cognito.FeaturePlan.ESSENTIALS });
  const machine = userPool.addClient('Machine', { generateSecret: true, authFlows: {}, oAuth: { flows: { clientCredentials: true }, scopes: [] } });
  const triggers = new CognitoTriggers(stack, 'T', {
    pool: opts.pool ?? { userPool },
    enabled: ['pre-token-generation'],
    assetDirectory: ASSETS,
    reminderDefinitionFile: REMINDER_ASL,
    preTokenGenerationVersion: opts.version ?? 'V3_0',
    settings: opts.settings ? { 'pre-token-generation': opts.settings } : undefined,
  });
  return { stack, userPool, machine, triggers };
}

function environment(t: CognitoTriggers): Record<string, unknown> {
  return Stack.of(t).resolve((t.triggers['pre-token-generation']!.function.node.defaultChild as lambda.CfnFunction).environment).variables;
}

describe('pre token generation V3 (machine-to-machine tokens)', () => {
  it('wires LambdaVersion V3_0 into PreTokenGenerationConfig on an Essentials or Plus pool', () => {
    for (const plan of [cognito.FeaturePlan.ESSENTIALS, cognito.FeaturePlan.PLUS]) {
      const { stack } = build({ plan });
      const config = Template.fromStack(stack).findResources('AWS::Cognito::UserPool');
      const lambdaConfig = Object.values<any>(config)[0].Properties.LambdaConfig;
      assert.equal(lambdaConfig.PreTokenGenerationConfig.LambdaVersion, 'V3_0', plan);
      assert.equal(lambdaConfig.PreTokenGeneration, undefined, 'only the versioned slot is filled');
    }
  });

  it('refuses V3 on Lite and on a pool whose plan it cannot see, saying how to opt in', () => {
    assert.throws(() => build({ plan: cognito.FeaturePlan.LITE }), /V3_0 needs the Essentials or Plus feature plan, but the user pool is LITE; state the plan on the pool/);
    assert.throws(() => build({ plan: undefined }), /V3_0 needs the Essentials or Plus feature plan, and the plan of the user pool is not stated/);
    assert.throws(
      () => build({ pool: { existingUserPoolId: 'eu-west-1_abc' } }),
      /V3_0 needs .* existingUserPool featurePlan is not stated.*\{ existingUserPoolId, featurePlan \}/,
    );
    assert.throws(() => build({ pool: { existingUserPoolId: 'eu-west-1_abc', featurePlan: cognito.FeaturePlan.LITE } }), /existingUserPool featurePlan is LITE/);
    build({ pool: { existingUserPoolId: 'eu-west-1_abc', featurePlan: cognito.FeaturePlan.PLUS } });
  });

  it('renders the CLIENT_CREDENTIALS_* settings in the binary\'s format, a client id from the app included', () => {
    const stack = new Stack(new App(), 'S');
    const userPool = new cognito.UserPool(stack, 'Pool', { featurePlan: cognito.FeaturePlan.ESSENTIALS });
    const machine = userPool.addClient('Machine', { generateSecret: true, authFlows: {}, oAuth: { flows: { clientCredentials: true }, scopes: [] } });
    const triggers = new CognitoTriggers(stack, 'T', {
      pool: { userPool },
      enabled: ['pre-token-generation'],
      assetDirectory: ASSETS,
      reminderDefinitionFile: REMINDER_ASL,
      preTokenGenerationVersion: 'V3_0',
      settings: {
        'pre-token-generation': {
          CLIENT_CREDENTIALS_CLAIMS: { [machine.userPoolClientId]: { tenant: 'acme', tier: 3, regions: ['eu'] } },
          CLIENT_CREDENTIALS_SUPPRESS_CLAIMS: { [machine.userPoolClientId]: ['legacy_flag'] },
          CLIENT_CREDENTIALS_SCOPES: ' m2mclient0123456789:orders/read  orders/write ; reporting9:reports/read',
          CLIENT_CREDENTIALS_SUPPRESS_SCOPES: { m2mclient0123456789: 'orders/admin' },
        },
      },
    });
    const env = environment(triggers) as Record<string, any>;
    const clientRef = { Ref: stack.getLogicalId(machine.node.defaultChild as cognito.CfnUserPoolClient) };
    assert.deepEqual(env.CLIENT_CREDENTIALS_CLAIMS, { 'Fn::Join': ['', ['{"', clientRef, '":{"tenant":"acme","tier":3,"regions":["eu"]}}']] });
    assert.deepEqual(env.CLIENT_CREDENTIALS_SUPPRESS_CLAIMS, { 'Fn::Join': ['', [clientRef, ':legacy_flag']] });
    assert.equal(env.CLIENT_CREDENTIALS_SCOPES, 'm2mclient0123456789:orders/read orders/write;reporting9:reports/read');
    assert.equal(env.CLIENT_CREDENTIALS_SUPPRESS_SCOPES, 'm2mclient0123456789:orders/admin');
  });

  it('refuses the claims no trigger may set or suppress in a machine token, naming the setting', () => {
    for (const claim of ['iss', 'sub', 'token_use', 'cognito:groups', 'scope', 'client_id']) {
      assert.throws(
        () => build({ settings: { CLIENT_CREDENTIALS_CLAIMS: { m2mclient0123456789: { [claim]: 'x' } } } }),
        new RegExp(`CLIENT_CREDENTIALS_CLAIMS names ${claim}, which no trigger may set or suppress`),
        claim,
      );
      assert.throws(
        () => build({ settings: { CLIENT_CREDENTIALS_SUPPRESS_CLAIMS: `m2mclient0123456789:tier ${claim}` } }),
        new RegExp(`CLIENT_CREDENTIALS_SUPPRESS_CLAIMS names ${claim}`),
        claim,
      );
    }
  });

  it('refuses malformed CLIENT_CREDENTIALS_* values as the binary would', () => {
    const bad: [keyof TokenSettings, unknown, RegExp][] = [
      ['CLIENT_CREDENTIALS_CLAIMS', 'not json', /invalid setting CLIENT_CREDENTIALS_CLAIMS="not json"/],
      ['CLIENT_CREDENTIALS_CLAIMS', { c1: { tier: null } }, /invalid setting CLIENT_CREDENTIALS_CLAIMS="c1.tier"/],
      ['CLIENT_CREDENTIALS_CLAIMS', { 'bad client': { tier: 1 } }, /invalid setting CLIENT_CREDENTIALS_CLAIMS="bad client"/],
      ['CLIENT_CREDENTIALS_CLAIMS', { c1: {} }, /invalid setting CLIENT_CREDENTIALS_CLAIMS/],
      ['CLIENT_CREDENTIALS_SCOPES', 'c1', /invalid setting CLIENT_CREDENTIALS_SCOPES="c1"/],
      ['CLIENT_CREDENTIALS_SCOPES', 'c1:a"b', /invalid setting CLIENT_CREDENTIALS_SCOPES/],
      ['CLIENT_CREDENTIALS_SUPPRESS_SCOPES', 'c1:x;c1:y', /client c1 is listed twice/],
      ['CLIENT_CREDENTIALS_SUPPRESS_CLAIMS', 'c1:bad\\claim', /invalid setting CLIENT_CREDENTIALS_SUPPRESS_CLAIMS/],
    ];
    for (const [name, value, expected] of bad) {
      assert.throws(() => build({ settings: { [name]: value } as TokenSettings }), expected, `${name}=${JSON.stringify(value)}`);
    }
  });

  it('refuses machine-token settings under V1_0 and V2_0: Cognito would never send the events they shape', () => {
    for (const version of ['V1_0', 'V2_0'] as const) {
      assert.throws(
        () => build({ version, settings: { CLIENT_CREDENTIALS_SCOPES: 'c1:orders/read' } }),
        new RegExp(`CLIENT_CREDENTIALS_SCOPES shape client-credentials .* only with preTokenGenerationVersion V3_0 \\(it is ${version}\\)`),
      );
    }
  });

  it('takes -c tokenVersion=V3_0 in the demo app and refuses other names', () => {
    const { stack } = buildApp({ context: { triggers: 'pre-token-generation', tokenVersion: 'V3_0', lambdaAssets: ASSETS } });
    const pools = Template.fromStack(stack).findResources('AWS::Cognito::UserPool');
    assert.equal(Object.values<any>(pools)[0].Properties.LambdaConfig.PreTokenGenerationConfig.LambdaVersion, 'V3_0');
    assert.throws(() => buildApp({ context: { tokenVersion: 'V4_0', lambdaAssets: ASSETS } }), /-c tokenVersion must be V1_0, V2_0 or V3_0/);
  });
});
