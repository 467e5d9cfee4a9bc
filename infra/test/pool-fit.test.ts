/**
 * A pool where every trigger takes effect (issue 23, item 4): DEVELOPER e-mail sending from the
 * SES identity, ALLOW_CUSTOM_AUTH on the demo's client when the passwordless triggers are on, and
 * a synth warning wherever a pool or app-client setting makes a deployed trigger (or part of it)
 * ineffective. Each warning is shown to appear when the setting is wrong and to go when it is right.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack, aws_cognito as cognito } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { DemoStack } from '../lib/demo-stack';
import { TriggerName } from '../lib/triggers';
import { ASSETS, REMINDER_ASL } from './helpers';

const PASSWORDLESS: TriggerName[] = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge-response'];
const SETTINGS: CognitoTriggersProps['settings'] = {
  'user-migration': { LEGACY_USERS_TABLE: 'legacy-users' },
  'create-auth-challenge': { SIGN_IN_CODE_FROM: 'sign-in@example.com' },
};

interface Setup {
  readonly props?: Partial<CognitoTriggersProps>;
  readonly pool?: cognito.UserPoolProps;
  /** App clients of the pool, added after the construct (they must count too). */
  readonly clients?: cognito.UserPoolClientOptions[];
}

function build({ props = {}, pool, clients = [] }: Setup) {
  const app = new App();
  const stack = new Stack(app, 'S');
  const userPool = new cognito.UserPool(stack, 'Pool', pool);
  const triggers = new CognitoTriggers(stack, 'T', {
    pool: { userPool },
    enabled: ['custom-message'],
    settings: SETTINGS,
    assetDirectory: ASSETS,
    reminderDefinitionFile: REMINDER_ASL,
    ...props,
  });
  clients.forEach((c, i) => userPool.addClient(`Client${i}`, c));
  return { app, stack, userPool, triggers };
}

/** Every warning of the app, as "id: text". */
function warnings(app: App): string[] {
  return app
    .synth()
    .stacks.flatMap((s) => s.messages)
    .filter((m) => m.level === 'warning')
    .map((m) => String(m.entry.data));
}

function poolProperties(stack: Stack, userPool: cognito.UserPool) {
  return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(userPool.node.defaultChild as cognito.CfnUserPool)].Properties;
}

const has = (all: string[], pattern: RegExp) => all.some((w) => pattern.test(w));

describe('a pool where every trigger takes effect', () => {
  it('sends the pool\'s e-mail through the SES identity given (DEVELOPER), from no-reply@ or the from given', () => {
    const { stack, userPool } = build({ props: { emailSender: { identity: 'example.com' } } });
    assert.deepEqual(poolProperties(stack, userPool).EmailConfiguration, {
      EmailSendingAccount: 'DEVELOPER',
      From: 'no-reply@example.com',
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/example.com']] },
    });
    const named = build({ props: { emailSender: { identity: 'example.com', from: 'Example <hello@mail.example.com>' } } });
    assert.equal(poolProperties(named.stack, named.userPool).EmailConfiguration.From, 'Example <hello@mail.example.com>');
    const address = build({ props: { emailSender: { identity: 'team@example.org' } } });
    assert.equal(poolProperties(address.stack, address.userPool).EmailConfiguration.From, 'team@example.org');
    assert.throws(() => build({ props: { emailSender: { identity: 'example.com', from: 'a@example.org' } } }), /emailSender.from "a@example.org" is not an address of the SES identity example.com/);
  });

  it('leaves a pool that states its own e-mail configuration as it is, and no identity means no change', () => {
    const own = build({ props: { emailSender: { identity: 'example.com' } }, pool: { email: cognito.UserPoolEmail.withCognito('reply@example.net') } });
    assert.deepEqual(poolProperties(own.stack, own.userPool).EmailConfiguration, { EmailSendingAccount: 'COGNITO_DEFAULT', ReplyToEmailAddress: 'reply@example.net' });
    const none = build({});
    assert.equal(poolProperties(none.stack, none.userPool).EmailConfiguration, undefined);
  });

  it('warns that Cognito ignores custom-message\'s e-mail body unless the pool sends through SES', () => {
    const ignored = /custom-message is deployed but the pool sends e-mail with COGNITO_DEFAULT: Cognito then ignores the e-mail body/;
    assert.ok(has(warnings(build({}).app), ignored));
    assert.ok(has(warnings(build({ props: { emailSender: { identity: 'example.com' } }, pool: { email: cognito.UserPoolEmail.withCognito() } }).app), ignored));
    assert.ok(!has(warnings(build({ props: { emailSender: { identity: 'example.com' } } }).app), ignored));
    // With the custom e-mail sender on, custom-message's e-mail body is not used anyway.
    const withSender = build({
      props: {
        enabled: ['custom-message', 'custom-email-sender'],
        settings: { 'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com' } },
        emailSender: { identity: 'example.com' },
        pool: { existingUserPoolId: 'us-east-1_AbC123' },
      },
    });
    assert.ok(!has(warnings(withSender.app), /custom-message is deployed/));
    // An existing pool: its account as stated (default COGNITO_DEFAULT).
    const existing = (emailSendingAccount?: 'DEVELOPER' | 'COGNITO_DEFAULT') =>
      warnings(build({ props: { pool: { existingUserPoolId: 'us-east-1_AbC123', emailSendingAccount } } }).app);
    assert.ok(has(existing(), /emailSendingAccount: 'DEVELOPER'/));
    assert.ok(!has(existing('DEVELOPER'), /custom-message is deployed/));
  });

  it('warns when no app client allows CUSTOM_AUTH for the passwordless triggers, and names the clients that lack it', () => {
    const setup = (clients: cognito.UserPoolClientOptions[]) =>
      warnings(build({ props: { enabled: PASSWORDLESS, emailSender: { identity: 'example.com' } }, clients }).app);
    assert.ok(has(setup([]), /no app client of the pool in this app allows ALLOW_CUSTOM_AUTH/));
    assert.ok(has(setup([{ authFlows: { userSrp: true } }]), /no app client .* allows ALLOW_CUSTOM_AUTH.*S\/Pool\/Client0/));
    const mixed = setup([{ authFlows: { userSrp: true } }, { authFlows: { custom: true } }]);
    assert.ok(has(mixed, /these app clients do not allow ALLOW_CUSTOM_AUTH.*S\/Pool\/Client0/), mixed.join('\n'));
    assert.ok(!has(mixed, /Client1/));
    assert.ok(!has(setup([{ authFlows: { custom: true, userSrp: true } }]), /ALLOW_CUSTOM_AUTH/));
    // A client that lists no flows gets Cognito's default, which includes CUSTOM_AUTH.
    assert.ok(!has(setup([{}]), /ALLOW_CUSTOM_AUTH/));
  });

  it('warns when user-migration is deployed and no app client allows a password sign-in', () => {
    const setup = (clients: cognito.UserPoolClientOptions[]) => warnings(build({ props: { enabled: ['user-migration'] }, clients }).app);
    const pattern = /user-migration is deployed but no app client .* ALLOW_USER_PASSWORD_AUTH or ALLOW_ADMIN_USER_PASSWORD_AUTH/;
    assert.ok(has(setup([{ authFlows: { userSrp: true } }]), pattern));
    assert.ok(has(setup([]), pattern));
    assert.ok(!has(setup([{ authFlows: { userSrp: true } }, { authFlows: { userPassword: true } }]), pattern));
    assert.ok(!has(setup([{ authFlows: { adminUserPassword: true } }]), pattern));
  });

  it('warns when pre-authentication cannot count unknown names through a client that reveals them', () => {
    const setup = (clients: cognito.UserPoolClientOptions[]) => warnings(build({ props: { enabled: ['pre-authentication'] }, clients }).app);
    const open = setup([{ preventUserExistenceErrors: true }, { preventUserExistenceErrors: false }]);
    assert.ok(has(open, /these app clients do not prevent user-existence errors: S\/Pool\/Client1\./), open.join('\n'));
    assert.ok(!has(open, /Client0/));
    assert.ok(!has(setup([{ preventUserExistenceErrors: true }]), /user-existence errors/));
    // A machine client (client credentials) signs no user in: not counted against the pool.
    const machine = { generateSecret: true, oAuth: { flows: { clientCredentials: true }, scopes: [] } };
    assert.ok(!has(setup([{ preventUserExistenceErrors: true }, machine]), /user-existence errors/));
    const existing = (prevented?: boolean) =>
      warnings(build({ props: { enabled: ['pre-authentication'], pool: { existingUserPoolId: 'us-east-1_AbC123', userExistenceErrorsPrevented: prevented } } }).app);
    assert.ok(has(existing(), /userExistenceErrorsPrevented: true/));
    assert.ok(!has(existing(true), /user-existence errors/i));
  });

  it('warns when client-credentials token settings have no client-credentials client to act on', () => {
    const setup = (clients: cognito.UserPoolClientOptions[]) =>
      warnings(
        build({
          props: { enabled: ['pre-token-generation'], preTokenGenerationVersion: 'V3_0', settings: { 'pre-token-generation': { CLIENT_CREDENTIALS_SCOPES: 'c1:orders/read' } } },
          pool: { featurePlan: cognito.FeaturePlan.ESSENTIALS },
          clients,
        }).app,
      );
    assert.ok(has(setup([{ authFlows: { userSrp: true } }]), /CLIENT_CREDENTIALS_SCOPES shape client-credentials tokens, but no app client/));
    assert.ok(!has(setup([{ generateSecret: true, oAuth: { flows: { clientCredentials: true }, scopes: [] } }]), /client-credentials tokens, but/));
  });

  it('gives the demo client CUSTOM_AUTH only with the passwordless triggers, and the demo pool DEVELOPER e-mail with an identity', () => {
    const flowsOf = (triggers: TriggerName[], emailSenderIdentity?: string) => {
      const stack = new DemoStack(new App(), 'Demo', { assetDirectory: ASSETS, triggers, emailSenderIdentity });
      const json = Template.fromStack(stack).toJSON();
      const client = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::Cognito::UserPoolClient');
      const pool = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::Cognito::UserPool');
      return { flows: client.Properties.ExplicitAuthFlows as string[], email: pool.Properties.EmailConfiguration };
    };
    const passwordless = flowsOf([...PASSWORDLESS, 'custom-message'], 'mail.acme.test');
    assert.ok(passwordless.flows.includes('ALLOW_CUSTOM_AUTH'));
    assert.ok(passwordless.flows.includes('ALLOW_USER_PASSWORD_AUTH'), 'user-migration needs it');
    assert.equal(passwordless.email.EmailSendingAccount, 'DEVELOPER');
    assert.equal(passwordless.email.From, 'no-reply@mail.acme.test');
    const plain = flowsOf(['pre-signup']);
    assert.ok(!plain.flows.includes('ALLOW_CUSTOM_AUTH'));
    assert.equal(plain.email, undefined, 'no identity given: the pool keeps Cognito\'s e-mail');
  });

  it('the full demo stack synthesizes without any trigger-effect warning', () => {
    const app = new App();
    new DemoStack(app, 'Demo', { assetDirectory: ASSETS, emailSenderIdentity: 'mail.acme.test' });
    const found = warnings(app).filter((w) => /ALLOW_CUSTOM_AUTH|custom-message is deployed|user-migration is deployed|user-existence errors|client-credentials/.test(w));
    assert.deepEqual(found, []);
  });
});
