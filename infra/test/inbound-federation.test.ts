/**
 * inbound-federation: wired through the L1 LambdaConfig.InboundFederation (V1_0) until an L2
 * operation exists, no permission beyond its logs, and FEDERATION_ATTRIBUTE_MAP checked at synth
 * by the binary's rules (docs/triggers/inbound-federation.md).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack, aws_cognito as cognito } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { federationMap } from '../lib/settings';
import { ASSETS, REMINDER_ASL } from './helpers';

type Settings = NonNullable<CognitoTriggersProps['settings']>;

function build(settings: Settings, enabled: CognitoTriggersProps['enabled'] = ['inbound-federation'], pool?: CognitoTriggersProps['pool']) {
  const stack = new Stack(new App(), 'S');
  const userPool = new cognito.UserPool(stack, 'Pool');
  new CognitoTriggers(stack, 'T', { pool: pool ?? { userPool }, enabled, settings, assetDirectory: ASSETS, reminderDefinitionFile: REMINDER_ASL });
  return Template.fromStack(stack);
}

const SAML_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

describe('inbound-federation', () => {
  it('fills LambdaConfig.InboundFederation with V1_0 and lets only this pool invoke it', () => {
    const t = build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: { Google: { email: 'email' } } } });
    const pool = Object.values<any>(t.findResources('AWS::Cognito::UserPool'))[0];
    const config = pool.Properties.LambdaConfig.InboundFederation;
    assert.equal(config.LambdaVersion, 'V1_0');
    assert.ok(config.LambdaArn.Ref.startsWith('TInboundFederationAlias'), JSON.stringify(config));
    const perms = Object.values<any>(t.findResources('AWS::Lambda::Permission'));
    assert.equal(perms.length, 1);
    assert.equal(perms[0].Properties.Principal, 'cognito-idp.amazonaws.com');
    assert.equal(perms[0].Properties.Action, 'lambda:InvokeFunction');
    assert.ok(perms[0].Properties.SourceArn['Fn::GetAtt'][0].startsWith('Pool'));
  });

  it('grants nothing but its own logs', () => {
    const t = build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: 'Google: email=email' } });
    const roles = Object.values<any>(t.findResources('AWS::IAM::Role'));
    assert.equal(roles.length, 1);
    const statements = roles[0].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    assert.deepEqual(statements.map((s: any) => [s.Sid, s.Action]), [['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents']]]);
    assert.deepEqual(Object.keys(t.findResources('AWS::IAM::Policy')), []);
  });

  it('outputs the ARN for an existing pool and grants it the invoke', () => {
    const t = build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: 'Google: email=email' } }, ['inbound-federation'], { existingUserPoolId: 'us-east-1_AbC123' });
    const perms = Object.values<any>(t.findResources('AWS::Lambda::Permission'));
    assert.equal(perms.length, 1);
    const outputs = Object.values<any>(t.findOutputs('*'));
    assert.ok(outputs.some((o) => /inbound-federation: set as LambdaConfig InboundFederation/.test(o.Description)));
  });

  it('writes a record as the binary\'s text, alternatives and groups lists included', () => {
    const map = { CorpSAML: { email: `${SAML_EMAIL}|mail`, 'custom:groups': 'groups[]' }, '*': { name: 'name' } };
    assert.equal(federationMap.render('FEDERATION_ATTRIBUTE_MAP', map), `CorpSAML: email=${SAML_EMAIL}|mail, custom:groups=groups[]; *: name=name`);
    assert.equal(federationMap.render('FEDERATION_ATTRIBUTE_MAP', ' Google:email=email ;'), 'Google: email=email');
  });

  it('refuses at synth what the binary refuses at cold start, naming the setting', () => {
    for (const bad of [
      '',
      'Google',
      'Google: email',
      'Google: sub=sub',
      'Google: cognito:groups=groups',
      'Google: custom:a_name_over_twenty_chars=x',
      'Google: email=groups[]',
      'Google: email=e mail',
      'Google: email=email, email=mail',
      'Google: email=email; Google: name=name',
      'Corp SAML: email=email',
      { Google: {} },
      { Google: { email: ['email'] } },
    ] as const) {
      assert.throws(
        () => build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: bad as any } }),
        /invalid setting FEDERATION_ATTRIBUTE_MAP=/,
        JSON.stringify(bad),
      );
    }
    assert.throws(() => build({ 'inbound-federation': {} }), /inbound-federation is enabled but FEDERATION_ATTRIBUTE_MAP is not set/);
    assert.throws(
      () => build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: 'Google: email=email', UNMAPPED_PROVIDERS: 'maybe' as any } }),
      /invalid setting UNMAPPED_PROVIDERS/,
    );
  });

  it('refuses a verified flag for a named provider nobody trusts; trusts its own list, or pre-signup\'s while it links', () => {
    const map = { Google: { email: 'email', email_verified: 'email_verified' } };
    assert.throws(() => build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: map } }), /maps email_verified\/phone_number_verified for Google, which LINK_TRUSTED_PROVIDERS does not name/);
    assert.throws(
      () => build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: map, LINK_TRUSTED_PROVIDERS: 'CorpSAML' } }),
      /for Google, which LINK_TRUSTED_PROVIDERS does not name/,
    );
    build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: map, LINK_TRUSTED_PROVIDERS: ['Google'] } });
    const env = (t: Template) => Object.values<any>(t.findResources('AWS::Lambda::Function')).find((f) => 'FEDERATION_ATTRIBUTE_MAP' in f.Properties.Environment.Variables).Properties.Environment.Variables;
    const linking = build(
      { 'pre-signup': { LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google' }, 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: map } },
      ['pre-signup', 'inbound-federation'],
    );
    assert.equal(env(linking).LINK_TRUSTED_PROVIDERS, 'Google');
    // `*` covers trusted and untrusted providers alike: the binary decides per sign-in.
    const star = build({ 'inbound-federation': { FEDERATION_ATTRIBUTE_MAP: { '*': { email_verified: 'email_verified' } } } });
    assert.equal(env(star).LINK_TRUSTED_PROVIDERS, undefined);
  });
});
