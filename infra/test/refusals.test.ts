/**
 * What the construct refuses at synth, each with a message that says what to change.
 * Nearly every case fails while the construct is built; the app clients' check of
 * MIGRATION_LOCKOUT=check runs at synth (clients may be added after the construct).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App, Duration, RemovalPolicy, Stack, aws_cognito as cognito, aws_lambda as lambda } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { ASSETS, REMINDER_ASL, tempDir, tempFile } from './helpers';

function build(props: Partial<CognitoTriggersProps> & { plan?: cognito.FeaturePlan } = {}) {
  const stack = new Stack(new App(), 'S');
  const userPool = new cognito.UserPool(stack, 'Pool', { featurePlan: props.plan });
  return new CognitoTriggers(stack, 'T', {
    pool: { userPool },
    enabled: ['pre-signup'],
    assetDirectory: ASSETS,
    reminderDefinitionFile: REMINDER_ASL,
    ...props,
  });
}

describe('pre token generation V2 and the feature plan', () => {
  it('refuses V2 on a Lite pool', () => {
    assert.throws(
      () => build({ enabled: ['pre-token-generation'], preTokenGenerationVersion: 'V2_0', plan: cognito.FeaturePlan.LITE }),
      /V2_0 needs the Essentials or Plus feature plan, but the user pool is LITE/,
    );
  });
  it('accepts V2 on Essentials and on Plus; refuses a pool that states no plan (one created before November 2024 is Lite)', () => {
    build({ enabled: ['pre-token-generation'], preTokenGenerationVersion: 'V2_0', plan: cognito.FeaturePlan.ESSENTIALS });
    build({ enabled: ['pre-token-generation'], preTokenGenerationVersion: 'V2_0', plan: cognito.FeaturePlan.PLUS });
    assert.throws(
      () => build({ enabled: ['pre-token-generation'], preTokenGenerationVersion: 'V2_0' }),
      /V2_0 needs the Essentials or Plus feature plan, and the plan of the user pool is not stated.*featurePlan: cognito.FeaturePlan.ESSENTIALS/,
    );
  });
  it('needs the plan of an existing pool stated, and refuses Lite', () => {
    assert.throws(
      () => build({ pool: { existingUserPoolId: 'eu-west-1_abc' }, enabled: ['pre-token-generation'], preTokenGenerationVersion: 'V2_0' }),
      /the plan of existingUserPool featurePlan is not stated.*\{ existingUserPoolId, featurePlan \}/,
    );
    assert.throws(
      () =>
        build({
          pool: { existingUserPoolId: 'eu-west-1_abc', featurePlan: cognito.FeaturePlan.LITE },
          enabled: ['pre-token-generation'],
          preTokenGenerationVersion: 'V2_0',
        }),
      /but existingUserPool featurePlan is LITE/,
    );
  });
  it('refuses V2-only settings with V1', () => {
    assert.throws(
      () => build({ enabled: ['pre-token-generation'], settings: { 'pre-token-generation': { ACCESS_TOKEN_SCOPES_FROM_GROUPS: 'a:b' } } }),
      /needs preTokenGenerationVersion V2_0 or V3_0/,
    );
  });
  it('checks ACCESS_TOKEN_SCOPES_FROM_GROUPS in the binary\'s format (group:scope scope;group:scope)', () => {
    const v2 = (scopes: unknown) =>
      build({
        enabled: ['pre-token-generation'],
        preTokenGenerationVersion: 'V2_0',
        plan: cognito.FeaturePlan.ESSENTIALS,
        settings: { 'pre-token-generation': { ACCESS_TOKEN_SCOPES_FROM_GROUPS: scopes as string } },
      });
    const env = (t: CognitoTriggers) => Stack.of(t).resolve((t.triggers['pre-token-generation']!.function.node.defaultChild as lambda.CfnFunction).environment).variables;
    assert.equal(env(v2(' admins:orders/write  orders/read ; editors:orders/read')).ACCESS_TOKEN_SCOPES_FROM_GROUPS, 'admins:orders/write orders/read;editors:orders/read');
    assert.equal(env(v2({ admins: ['orders/write', 'urn:x:read'], editors: 'orders/read' })).ACCESS_TOKEN_SCOPES_FROM_GROUPS, 'admins:orders/write urn:x:read;editors:orders/read');
    // The format the construct used to pass through as text: the binary refuses it at init.
    assert.throws(() => v2('admins=api/admin'), /invalid setting ACCESS_TOKEN_SCOPES_FROM_GROUPS="admins=api\/admin": expected group:scope scope;group:scope/);
    assert.throws(() => v2('admins:'), /ACCESS_TOKEN_SCOPES_FROM_GROUPS="admins:"/);
    assert.throws(() => v2(':orders/read'), /ACCESS_TOKEN_SCOPES_FROM_GROUPS=":orders\/read"/);
    assert.throws(() => v2('admins:a"b'), /ACCESS_TOKEN_SCOPES_FROM_GROUPS="admins:a\\"b"/);
    assert.throws(() => v2({ 'two words': 'x' }), /ACCESS_TOKEN_SCOPES_FROM_GROUPS="two words:x"/);
    assert.throws(() => v2({ admins: ['a;b'] }), /ACCESS_TOKEN_SCOPES_FROM_GROUPS="admins:a;b"/);
    assert.throws(() => v2('admins:a;admins:b'), /group admins is listed twice/);
  });
  it('refuses claims Cognito does not let a trigger change', () => {
    assert.throws(
      () => build({ enabled: ['pre-token-generation'], settings: { 'pre-token-generation': { SUPPRESS_CLAIMS: ['email', 'sub'] } } }),
      /does not allow a trigger to change the claim\(s\) sub/,
    );
    assert.throws(
      () => build({ enabled: ['pre-token-generation'], settings: { 'pre-token-generation': { CLAIMS_FROM_PROFILE: { tenant: 'iss' } } } }),
      /claim\(s\) iss/,
    );
  });
});

describe('the 5-second budget', () => {
  it('refuses a function timeout over 5 s', () => {
    assert.throws(() => build({ timeout: Duration.seconds(6) }), /timeout is 6 seconds; Cognito abandons a trigger after 5 seconds/);
    assert.throws(() => build({ functionOptions: { 'pre-signup': { timeout: Duration.seconds(30) } } }), /functionOptions.pre-signup.timeout/);
  });
  it('lets the asynchronous senders run up to 10 s, no longer (their 30 s delivery lease must outlive an invocation)', () => {
    const fnTimeout = (timeout: Duration) => {
      const t = build({ enabled: ['custom-sms-sender'], functionOptions: { 'custom-sms-sender': { timeout } } });
      return (t.triggers['custom-sms-sender']!.function.node.defaultChild as lambda.CfnFunction).timeout;
    };
    assert.equal(fnTimeout(Duration.seconds(10)), 10);
    assert.throws(() => fnTimeout(Duration.seconds(11)), /functionOptions.custom-sms-sender.timeout is 11 seconds; at most 10 seconds for an asynchronous sender/);
    assert.throws(() => build({ enabled: ['custom-sms-sender'], timeout: Duration.seconds(10) }), /timeout is 10 seconds; Cognito abandons a trigger after 5 seconds/);
  });
  it('refuses SDK timeouts and budgets that do not fit inside the function timeout', () => {
    assert.throws(() => build({ timeout: Duration.seconds(3), budget: { operationTimeout: Duration.millis(3500) } }), /budget.operationTimeout is 3500 ms; it must be from 100 to 3000 ms/);
    assert.throws(() => build({ budget: { invocation: Duration.millis(5001) } }), /budget.invocation is 5001 ms/);
    assert.throws(
      () => build({ budget: { operationTimeout: Duration.millis(2000), attemptTimeout: Duration.millis(2500) } }),
      /attemptTimeout \(2500 ms\) must not exceed budget.operationTimeout/,
    );
    assert.throws(() => build({ budget: { attemptTimeout: Duration.millis(3000) } }), /must not exceed budget.operationTimeout \(2500 ms\)/);
    assert.throws(() => build({ budget: { maxAttempts: 6 } }), /maxAttempts must be an integer from 1 to 5/);
  });
  it('hands a valid budget to the binaries', () => {
    const t = build({
      budget: { invocation: Duration.millis(4000), connectTimeout: Duration.millis(200), attemptTimeout: Duration.millis(800), operationTimeout: Duration.millis(1800), maxAttempts: 3 },
    });
    const cfn = t.triggers['pre-signup']!.function.node.defaultChild as lambda.CfnFunction;
    const env = Stack.of(t).resolve(cfn.environment).variables;
    assert.equal(env.TRIGGER_BUDGET_MS, '4000');
    assert.equal(env.SDK_CONNECT_TIMEOUT_MS, '200');
    assert.equal(env.SDK_ATTEMPT_TIMEOUT_MS, '800');
    assert.equal(env.SDK_OPERATION_TIMEOUT_MS, '1800');
    assert.equal(env.SDK_MAX_ATTEMPTS, '3');
  });
});

describe('settings', () => {
  it('refuses malformed values, naming the setting', () => {
    assert.throws(() => build({ settings: { 'pre-signup': { ALLOWED_EMAIL_DOMAINS: ['example.com', 'not a domain'] } } }), /invalid setting ALLOWED_EMAIL_DOMAINS="not a domain"/);
    assert.throws(() => build({ settings: { 'pre-signup': { MIN_USERNAME_LENGTH: 129 } } }), /invalid setting MIN_USERNAME_LENGTH=129: expected an integer from 0 to 128/);
    assert.throws(() => build({ settings: { 'pre-signup': { UNIQUE_EMAIL: 'yes' as unknown as boolean } } }), /UNIQUE_EMAIL="yes": expected true or false/);
  });
  it('refuses a setting the binary does not have', () => {
    assert.throws(() => build({ settings: { 'pre-signup': { UNIQUE_USERNAME: true } as never } }), /pre-signup has no setting UNIQUE_USERNAME/);
  });
  it('refuses extra settings that would override what the construct sets or what Lambda reserves', () => {
    assert.throws(() => build({ extraSettings: { 'pre-signup': { TABLE_NAME: 'other' } } }), /TABLE_NAME is set by the construct/);
    assert.throws(() => build({ extraSettings: { 'pre-signup': { RUST_LOG: 'trace' } } }), /RUST_LOG is set by the construct/);
    assert.throws(() => build({ extraSettings: { 'pre-signup': { AWS_REGION: 'x' } } }), /not an allowed environment variable name/);
    assert.throws(() => build({ extraSettings: { 'pre-signup': { UNIQUE_EMAIL: 'true' } } }), /is a typed setting of pre-signup/);
    // The custom senders' pool-context check is off only for cognito-local, never in a deployment.
    assert.throws(
      () => build({ enabled: ['custom-email-sender'], settings: { 'custom-email-sender': { EMAIL_FROM: 'a@example.com' } }, emailSender: { identity: 'example.com' }, extraSettings: { 'custom-email-sender': { KMS_REQUIRE_POOL_CONTEXT: 'false' } } }),
      /KMS_REQUIRE_POOL_CONTEXT is for local stand-ins only .* encryption context names the event's user pool/,
    );
  });
  it('refuses lockout settings whose base exceeds the cap, defaults included', () => {
    const preAuth = (settings: NonNullable<CognitoTriggersProps['settings']>['pre-authentication']) =>
      build({ enabled: ['pre-authentication'], settings: { 'pre-authentication': settings } });
    assert.throws(() => preAuth({ LOCKOUT_BASE_SECONDS: 600, LOCKOUT_MAX_SECONDS: 60 }), /LOCKOUT_BASE_SECONDS \(600\) must not exceed LOCKOUT_MAX_SECONDS \(60\)/);
    assert.throws(() => preAuth({ LOCKOUT_MAX_SECONDS: 60 }), /LOCKOUT_BASE_SECONDS \(300, the default\) must not exceed LOCKOUT_MAX_SECONDS \(60\)/);
    assert.throws(() => preAuth({ LOCKOUT_BASE_SECONDS: 7200 }), /LOCKOUT_BASE_SECONDS \(7200\) must not exceed LOCKOUT_MAX_SECONDS \(3600, the default\)/);
    preAuth({ LOCKOUT_BASE_SECONDS: 60, LOCKOUT_MAX_SECONDS: 60 });
  });
  it('checks LOCKOUT_ON_STORE_FAILURE', () => {
    const preAuth = (v: string) => build({ enabled: ['pre-authentication'], settings: { 'pre-authentication': { LOCKOUT_ON_STORE_FAILURE: v as 'deny' } } });
    assert.throws(() => preAuth('maybe'), /invalid setting LOCKOUT_ON_STORE_FAILURE="maybe": expected one of allow, deny/);
    preAuth('deny');
  });
  it('checks the pre-signup reservation, reminder and failure settings', () => {
    const preSignup = (settings: NonNullable<CognitoTriggersProps['settings']>['pre-signup']) => build({ settings: { 'pre-signup': settings } });
    assert.throws(() => preSignup({ PENDING_RESERVATION_SECONDS: 119 }), /PENDING_RESERVATION_SECONDS=119: expected an integer from 120 to 31536000/);
    assert.throws(() => preSignup({ REMINDER_AFTER_SECONDS: 59 }), /REMINDER_AFTER_SECONDS=59: expected an integer from 60 to 31536000/);
    assert.throws(() => preSignup({ CHECK_EXISTING_USERS: 'yes' as unknown as boolean }), /CHECK_EXISTING_USERS="yes": expected true or false/);
    assert.throws(() => preSignup({ ON_DEPENDENCY_FAILURE: 'open' as 'deny' }), /ON_DEPENDENCY_FAILURE="open": expected one of deny, allow/);
    // Given in the old, wrong form: the binary reads prefix:ProviderName pairs.
    assert.throws(() => preSignup({ FEDERATED_PROVIDER_NAMES: 'google=Google' }), /FEDERATED_PROVIDER_NAMES="google=Google": expected key:value pairs/);
  });
  it('refuses a reminder that would not come before the reservation expires, defaults included', () => {
    const preSignup = (settings: NonNullable<CognitoTriggersProps['settings']>['pre-signup']) => build({ settings: { 'pre-signup': settings } });
    assert.throws(
      () => preSignup({ PENDING_RESERVATION_SECONDS: 3600, REMINDER_AFTER_SECONDS: 3600 }),
      /REMINDER_AFTER_SECONDS \(3600\) must be shorter than PENDING_RESERVATION_SECONDS \(3600\): the reminder must go out before the unconfirmed sign-up expires/,
    );
    // The binary's defaults: a pending reservation lives 24 h (Cognito's confirmation code), the reminder goes at 12 h.
    assert.throws(() => preSignup({ PENDING_RESERVATION_SECONDS: 3600 }), /REMINDER_AFTER_SECONDS \(43200, the default\) must be shorter than PENDING_RESERVATION_SECONDS \(3600\)/);
    assert.throws(() => preSignup({ REMINDER_AFTER_SECONDS: 86_400 }), /REMINDER_AFTER_SECONDS \(86400\) must be shorter than PENDING_RESERVATION_SECONDS \(86400, the default\)/);
    preSignup({ PENDING_RESERVATION_SECONDS: 3600, REMINDER_AFTER_SECONDS: 3599 });
    preSignup({ PENDING_RESERVATION_SECONDS: 43_201 });
    preSignup({ REMINDER_AFTER_SECONDS: 86_399 });
  });
  it('refuses user-migration without a backend, and an old pool without its app client', () => {
    assert.throws(() => build({ enabled: ['user-migration'] }), /settings\['user-migration'\]\.LEGACY_USERS_TABLE/);
    assert.throws(
      () => build({ enabled: ['user-migration'], settings: { 'user-migration': { OLD_USER_POOL_ID: 'eu-west-1_Old123' } } }),
      /settings\['user-migration'\]\.OLD_CLIENT_ID/,
    );
    assert.throws(
      () => build({ enabled: ['user-migration'], settings: { 'user-migration': { OLD_USER_POOL_ID: 'not-a-pool', OLD_CLIENT_ID: 'c' } } }),
      /OLD_USER_POOL_ID/,
    );
    build({ enabled: ['user-migration'], settings: { 'user-migration': { OLD_USER_POOL_ID: 'eu-west-1_Old123', OLD_CLIENT_ID: 'c' } } });
  });
  it('refuses a forgot-password lock above its cap, defaults included, as user-migration would', () => {
    const migration = (settings: NonNullable<CognitoTriggersProps['settings']>['user-migration']) =>
      build({ enabled: ['user-migration'], settings: { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users', ...settings } } });
    assert.throws(
      () => migration({ MIGRATION_RESET_LOCK_SECONDS: 7200, MIGRATION_RESET_MAX_LOCK_SECONDS: 3600 }),
      /MIGRATION_RESET_LOCK_SECONDS \(7200\) must not exceed MIGRATION_RESET_MAX_LOCK_SECONDS \(3600\)/,
    );
    assert.throws(() => migration({ MIGRATION_RESET_MAX_LOCK_SECONDS: 1800 }), /MIGRATION_RESET_LOCK_SECONDS \(3600, the default\) must not exceed/);
    assert.throws(() => migration({ MIGRATION_RESET_MAX_ATTEMPTS: 0 }), /invalid setting MIGRATION_RESET_MAX_ATTEMPTS=0: expected an integer from 1 to 100/);
    assert.throws(() => migration({ MIGRATION_RESET_WINDOW_SECONDS: 59 }), /MIGRATION_RESET_WINDOW_SECONDS=59/);
    migration({ MIGRATION_RESET_LOCK_SECONDS: 60, MIGRATION_RESET_MAX_LOCK_SECONDS: 60, MIGRATION_RESET_MAX_ATTEMPTS: 100 });
  });
  it('refuses a squatting guard that would look elsewhere than the migration, or an e-mail index without its table', () => {
    const both = (signup: NonNullable<CognitoTriggersProps['settings']>['pre-signup']) =>
      build({ enabled: ['pre-signup', 'user-migration'], settings: { 'pre-signup': signup, 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users' } } });
    assert.throws(() => both({ LEGACY_USERS_TABLE: 'other-users' }), /pre-signup LEGACY_USERS_TABLE=other-users but user-migration's is legacy-users/);
    both({ LEGACY_USERS_TABLE: 'legacy-users' });
    both({ LEGACY_USERS_EMAIL_INDEX: 'by-email' });
    assert.throws(
      () => build({ settings: { 'pre-signup': { LEGACY_USERS_EMAIL_INDEX: 'by-email' } } }),
      /LEGACY_USERS_EMAIL_INDEX is an index of the legacy table, but no LEGACY_USERS_TABLE is set/,
    );
    assert.throws(() => build({ settings: { 'pre-signup': { LEGACY_USERS_EMAIL_INDEX: 'x' } } }), /invalid setting LEGACY_USERS_EMAIL_INDEX="x"/);
    assert.throws(() => build({ settings: { 'pre-signup': { OLD_USER_POOL_ID: 'not-a-pool' } } }), /invalid setting OLD_USER_POOL_ID/);
  });
  it('refuses turning UNIQUE_EMAIL off while linking and domain auto-verification are both on (the reservation marks rule-verified addresses)', () => {
    const signup = (UNIQUE_EMAIL: boolean | undefined) =>
      build({
        settings: {
          'pre-signup': { LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google', AUTO_CONFIRM_EMAIL_DOMAINS: 'corp.example', UNIQUE_EMAIL },
        },
      });
    assert.throws(() => signup(false), /UNIQUE_EMAIL must stay on with LINK_FEDERATED_USERS and AUTO_CONFIRM_EMAIL_DOMAINS/);
    signup(true);
    signup(undefined);
    build({ settings: { 'pre-signup': { AUTO_CONFIRM_EMAIL_DOMAINS: 'corp.example', UNIQUE_EMAIL: false } } });
  });
  it('refuses linking without the providers whose email_verified it trusts, naming the prop', () => {
    const preSignup = (settings: NonNullable<CognitoTriggersProps['settings']>['pre-signup']) => build({ settings: { 'pre-signup': settings } });
    assert.throws(
      () => preSignup({ LINK_FEDERATED_USERS: true }),
      /pre-signup: LINK_FEDERATED_USERS is true but LINK_TRUSTED_PROVIDERS is not set; the binary does not start without it\. Set settings\['pre-signup'\]\.LINK_TRUSTED_PROVIDERS/,
    );
    assert.throws(() => preSignup({ LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: [] }), /invalid setting LINK_TRUSTED_PROVIDERS=\[\]: expected a list of identity provider names/);
    assert.throws(() => preSignup({ LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'Google,Corp SAML' }), /invalid setting LINK_TRUSTED_PROVIDERS="Corp SAML"/);
    assert.throws(() => preSignup({ LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: 'x'.repeat(33) }), /invalid setting LINK_TRUSTED_PROVIDERS="x{33}"/);
    preSignup({ LINK_FEDERATED_USERS: true, LINK_TRUSTED_PROVIDERS: ['Google', 'SignInWithApple', 'Corp-SAML.1'] });
    // Trusted providers without linking: nothing to refuse (the binary ignores them), no linking grant (permissions.test.ts).
    preSignup({ LINK_TRUSTED_PROVIDERS: 'Google' });
    preSignup({ LINK_FEDERATED_USERS: false });
  });
  it('checks DUPLICATE_MESSAGE', () => {
    assert.throws(() => build({ settings: { 'pre-signup': { DUPLICATE_MESSAGE: 'vague' as 'generic' } } }), /invalid setting DUPLICATE_MESSAGE="vague": expected one of explicit, generic/);
    build({ settings: { 'pre-signup': { DUPLICATE_MESSAGE: 'generic' } } });
  });
  it('needs an SES identity for e-mail, and an address that belongs to it', () => {
    const settings = { 'post-confirmation': { WELCOME_EMAIL_FROM: 'hello@example.com' } };
    assert.throws(() => build({ enabled: ['post-confirmation'], settings }), /post-confirmation sends e-mail: set emailSender.identity/);
    assert.throws(
      () => build({ enabled: ['post-confirmation'], settings, emailSender: { identity: 'example.org' } }),
      /WELCOME_EMAIL_FROM=hello@example.com is not covered by the SES identity example.org/,
    );
    build({ enabled: ['post-confirmation'], settings, emailSender: { identity: 'example.com' } });
  });
  it('needs REMINDER_EMAIL_FROM when signup-reminder is on, within the SES identity', () => {
    const reminder = (props: Partial<CognitoTriggersProps>) => build({ enabled: ['pre-signup', 'signup-reminder'], ...props });
    assert.throws(
      () => reminder({ emailSender: { identity: 'example.com' } }),
      /signup-reminder is enabled but REMINDER_EMAIL_FROM is not set; the binary does not start without it\. Set settings\['signup-reminder'\]\.REMINDER_EMAIL_FROM/,
    );
    // The name the construct used before the binary was written.
    assert.throws(
      () => reminder({ settings: { 'signup-reminder': { EMAIL_FROM: 'no-reply@example.com' } as never }, emailSender: { identity: 'example.com' } }),
      /signup-reminder has no setting EMAIL_FROM; its settings: REMINDER_EMAIL_FROM, SIGNUP_URL, DEFAULT_LOCALE/,
    );
    const from = { 'signup-reminder': { REMINDER_EMAIL_FROM: 'Example <no-reply@example.com>' } };
    assert.throws(() => reminder({ settings: from }), /signup-reminder sends e-mail: set emailSender.identity/);
    assert.throws(
      () => reminder({ settings: from, emailSender: { identity: 'example.org' } }),
      /signup-reminder REMINDER_EMAIL_FROM=no-reply@example.com is not covered by the SES identity example.org/,
    );
    reminder({ settings: from, emailSender: { identity: 'example.com' } });
    reminder({ settings: { 'signup-reminder': { REMINDER_EMAIL_FROM: 'no-reply@mail.example.com' } }, emailSender: { identity: 'example.com' } });
  });
  it('needs SIGN_IN_CODE_FROM within the SES identity, checks the code settings, and works on any feature plan', () => {
    const passwordless = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge-response'] as const;
    const codes = (settings: NonNullable<CognitoTriggersProps['settings']>['create-auth-challenge'], props: Parameters<typeof build>[0] = {}) =>
      build({ enabled: passwordless, settings: { 'create-auth-challenge': settings }, emailSender: { identity: 'example.com' }, ...props });
    assert.throws(() => codes({}), /create-auth-challenge is enabled but SIGN_IN_CODE_FROM is not set/);
    const from = { SIGN_IN_CODE_FROM: 'sign-in@example.com' };
    assert.throws(() => codes(from, { emailSender: undefined }), /create-auth-challenge sends e-mail: set emailSender.identity/);
    assert.throws(() => codes(from, { emailSender: { identity: 'example.org' } }), /SIGN_IN_CODE_FROM=sign-in@example.com is not covered by the SES identity example.org/);
    assert.throws(() => codes({ ...from, SIGN_IN_CODE_LENGTH: 3 }), /SIGN_IN_CODE_LENGTH=3: expected an integer from 4 to 10/);
    assert.throws(() => codes({ ...from, SIGN_IN_CODE_TTL_SECONDS: 7200 }), /SIGN_IN_CODE_TTL_SECONDS=7200/);
    assert.throws(() => codes({ ...from, SIGN_IN_CODE_MAX_LOCK_SECONDS: 600 }), /SIGN_IN_CODE_LOCK_SECONDS \(900, the default\) must not exceed SIGN_IN_CODE_MAX_LOCK_SECONDS \(600\)/);
    assert.throws(
      () => build({ enabled: ['define-auth-challenge'], settings: { 'define-auth-challenge': { SIGN_IN_CODE_MAX_ANSWERS: 4 } } }),
      /SIGN_IN_CODE_MAX_ANSWERS=4: expected an integer from 1 to 3/,
    );
    // Custom authentication needs no feature plan (unlike Cognito's own passwordless sign-in).
    for (const plan of [cognito.FeaturePlan.LITE, cognito.FeaturePlan.ESSENTIALS, cognito.FeaturePlan.PLUS]) codes(from, { plan });
  });
  it('checks the reminder\'s subjects and link', () => {
    const reminder = (extra: Record<string, string>) =>
      build({
        enabled: ['signup-reminder'],
        settings: { 'signup-reminder': { REMINDER_EMAIL_FROM: 'no-reply@example.com', ...extra } },
        emailSender: { identity: 'example.com' },
      });
    assert.throws(() => reminder({ SIGNUP_URL: 'http://example.com/signup' }), /SIGNUP_URL="http:\/\/example.com\/signup": expected an absolute https URL/);
    assert.throws(() => reminder({ SIGNUP_URL: 'https://example.com/"><script>' }), /SIGNUP_URL=.*expected an absolute https URL/);
    // The subjects moved into the message catalogue: refused with what replaced them.
    assert.throws(() => reminder({ REMINDER_EMAIL_SUBJECT: 'Hi' } as never), /signup-reminder no longer takes REMINDER_EMAIL_SUBJECT; it is replaced by the catalogue's sign-up-reminder.subject.txt/);
    assert.throws(() => reminder({ EXPIRY_EMAIL_SUBJECT: 'Gone' } as never), /no longer takes EXPIRY_EMAIL_SUBJECT; it is replaced by the catalogue's sign-up-expired.subject.txt/);
    assert.throws(
      () => build({ enabled: ['post-confirmation'], extraSettings: { 'post-confirmation': { WELCOME_EMAIL_TEMPLATE: 'Hi' } } }),
      /post-confirmation no longer takes WELCOME_EMAIL_TEMPLATE; it is replaced by the catalogue's welcome kind/,
    );
    assert.throws(() => reminder({ DEFAULT_LOCALE: 'not a tag' }), /DEFAULT_LOCALE=/);
    assert.throws(() => reminder({ REMINDER_EMAIL_FROM: 'no-reply' }), /REMINDER_EMAIL_FROM="no-reply": expected an e-mail address/);
    reminder({ SIGNUP_URL: 'https://example.com/signup?x=1&y=2', DEFAULT_LOCALE: 'pt-BR' });
  });
});

describe('user-migration memory (its password-hash bounds assume the CPU share of 1,024 MB)', () => {
  const migration = (props: Partial<CognitoTriggersProps> = {}) =>
    build({ enabled: ['user-migration', 'pre-signup'], settings: { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users' } }, ...props });
  const memory = (t: CognitoTriggers, binary: 'user-migration' | 'pre-signup') => (t.triggers[binary]!.function.node.defaultChild as lambda.CfnFunction).memorySize;
  it('gives it 1,024 MB by default, the others 256 MB', () => {
    const t = migration();
    assert.equal(memory(t, 'user-migration'), 1024);
    assert.equal(memory(t, 'pre-signup'), 256);
  });
  it('refuses less, naming the prop that set it', () => {
    assert.throws(
      () => migration({ functionOptions: { 'user-migration': { memorySize: 512 } } }),
      /user-migration needs at least 1024 MB \(its password-hash bounds .*\), but functionOptions\['user-migration'\]\.memorySize is 512/,
    );
    assert.throws(
      () => migration({ memorySize: 512 }),
      /user-migration needs at least 1024 MB .*but memorySize is 512, which user-migration inherits; give it its own: functionOptions\['user-migration'\]\.memorySize/,
    );
  });
  it('takes more, and its own value beside a lower one for the rest', () => {
    assert.equal(memory(migration({ functionOptions: { 'user-migration': { memorySize: 1769 } } }), 'user-migration'), 1769);
    assert.equal(memory(migration({ memorySize: 2048 }), 'user-migration'), 2048);
    const mixed = migration({ memorySize: 128, functionOptions: { 'user-migration': { memorySize: 1024 } } });
    assert.deepEqual([memory(mixed, 'user-migration'), memory(mixed, 'pre-signup')], [1024, 128]);
    // A binary without a floor is not held to it.
    assert.equal(memory(build({ memorySize: 128 }), 'pre-signup'), 128);
  });
});

describe('MIGRATION_LOCKOUT=check (only where pre-authentication counts the names the pool does not hold)', () => {
  const CHECK = { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users', MIGRATION_LOCKOUT: 'check' as const } };
  /** A pool in the app with these clients (preventUserExistenceErrors of each), then the app synthesized. */
  const synthWith = (clients: (boolean | undefined)[], props: Partial<CognitoTriggersProps> = {}, clientsAfter: (boolean | undefined)[] = []) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const userPool = new cognito.UserPool(stack, 'Pool', { signInCaseSensitive: false });
    clients.forEach((prevent, i) => userPool.addClient(`Client${i}`, { preventUserExistenceErrors: prevent }));
    new CognitoTriggers(stack, 'T', {
      pool: { userPool },
      enabled: ['user-migration', 'pre-authentication'],
      settings: CHECK,
      assetDirectory: ASSETS,
      ...props,
    });
    clientsAfter.forEach((prevent, i) => userPool.addClient(`Later${i}`, { preventUserExistenceErrors: prevent }));
    return app.synth();
  };

  it('accepts it when every app client of the pool prevents user-existence errors', () => {
    synthWith([true, true]);
  });
  it('refuses it at synth when a client does not (unset is Cognito\'s LEGACY), naming the client, even one added after the construct', () => {
    assert.throws(() => synthWith([true, false]), /these do not \(failed migrations through them would count nowhere\): S\/Pool\/Client1\/Resource; set preventUserExistenceErrors: true/);
    assert.throws(() => synthWith([undefined]), /S\/Pool\/Client0\/Resource/);
    assert.throws(() => synthWith([true], {}, [false]), /S\/Pool\/Later0\/Resource/);
  });
  it('refuses it when the app defines no client of the pool (nothing to read)', () => {
    assert.throws(() => synthWith([]), /this app defines no client of the pool/);
  });
  it('refuses it without pre-authentication, which does the counting', () => {
    assert.throws(
      () => build({ enabled: ['user-migration'], settings: CHECK }),
      /MIGRATION_LOCKOUT=check leaves the counting of failed sign-ins to pre-authentication, which is not enabled/,
    );
  });
  it('refuses it for an existing pool unless the operator states that every client prevents user-existence errors', () => {
    const existing = (userExistenceErrorsPrevented?: boolean) =>
      build({ pool: { existingUserPoolId: 'us-east-1_AbC123', userExistenceErrorsPrevented }, enabled: ['user-migration', 'pre-authentication'], settings: CHECK });
    assert.throws(() => existing(), /set \{ existingUserPoolId, userExistenceErrorsPrevented: true \}/);
    assert.throws(() => existing(false), /cannot read an existing pool's clients/);
    existing(true);
  });
  it('asks nothing of the clients with count, the default', () => {
    synthWith([false], { settings: { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users' } } });
    synthWith([], { settings: { 'user-migration': { LEGACY_USERS_TABLE: 'legacy-users', MIGRATION_LOCKOUT: 'count' } } });
  });
});

describe('log level', () => {
  it('refuses trace for a production stack (anything but removalPolicy DESTROY), accepts it for a throwaway one', () => {
    assert.throws(() => build({ logLevel: 'trace' }), /logLevel trace is refused for a production stack \(removalPolicy is not DESTROY\): use debug at most, or removalPolicy DESTROY/);
    assert.throws(() => build({ logLevel: 'trace', removalPolicy: RemovalPolicy.RETAIN }), /logLevel trace is refused/);
    assert.throws(() => build({ logLevel: 'trace', removalPolicy: RemovalPolicy.SNAPSHOT }), /logLevel trace is refused/);
    const env = (t: CognitoTriggers) => Stack.of(t).resolve((t.triggers['pre-signup']!.function.node.defaultChild as lambda.CfnFunction).environment).variables;
    const cfn = (t: CognitoTriggers) => t.triggers['pre-signup']!.function.node.defaultChild as lambda.CfnFunction;
    const throwaway = build({ logLevel: 'trace', removalPolicy: RemovalPolicy.DESTROY });
    assert.equal(env(throwaway).RUST_LOG, 'trace');
    assert.equal((Stack.of(throwaway).resolve(cfn(throwaway).loggingConfig) as any).applicationLogLevel, 'TRACE');
    assert.equal(env(build({ logLevel: 'debug' })).RUST_LOG, 'debug');
    assert.throws(() => build({ logLevel: 'verbose' as 'info' }), /logLevel must be one of error, warn, info, debug, trace/);
  });
  it('takes -c logLevel on the command line, under the same rule', () => {
    assert.throws(() => buildApp({ context: { logLevel: 'trace', lambdaAssets: ASSETS } }), /logLevel trace is refused for a production stack/);
    const { stack } = buildApp({ context: { logLevel: 'trace', removal: 'destroy', lambdaAssets: ASSETS } });
    assert.equal(Stack.of(stack).resolve((stack.triggers.triggers['pre-signup']!.function.node.defaultChild as lambda.CfnFunction).environment).variables.RUST_LOG, 'trace');
    assert.throws(() => buildApp({ context: { logLevel: 'loud', lambdaAssets: ASSETS } }), /-c logLevel must be error, warn, info, debug or trace/);
  });
});

describe('code assets and the reminder definition', () => {
  it('says how to build a missing binary', () => {
    assert.throws(() => build({ assetDirectory: tempDir() }), /no build of pre-signup: expected .*bootstrap.zip or .*bootstrap\. Run `make infra-lambdas`/);
  });
  it('refuses an x86-64 binary', () => {
    const dir = tempDir();
    const elf = Buffer.alloc(64);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[4] = 2; // 64-bit
    elf[5] = 1; // little-endian
    elf.writeUInt16LE(0x3e, 18); // EM_X86_64
    fs.mkdirSync(path.join(dir, 'pre-signup'));
    fs.writeFileSync(path.join(dir, 'pre-signup', 'bootstrap'), elf);
    assert.throws(() => build({ assetDirectory: dir }), /is not an arm64 \(aarch64\) binary/);
    elf.writeUInt16LE(0xb7, 18); // EM_AARCH64
    fs.writeFileSync(path.join(dir, 'pre-signup', 'bootstrap'), elf);
    build({ assetDirectory: dir });
  });
  it('prefers the zip that cargo lambda --output-format zip writes', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pre-signup'));
    fs.writeFileSync(path.join(dir, 'pre-signup', 'bootstrap.zip'), 'PK');
    build({ assetDirectory: dir });
  });
  it('needs the ASL file, with the function placeholder, when signup-reminder is on', () => {
    const reminder = (file: string) =>
      build({
        enabled: ['signup-reminder'],
        settings: { 'signup-reminder': { REMINDER_EMAIL_FROM: 'no-reply@example.com' } },
        emailSender: { identity: 'example.com' },
        reminderDefinitionFile: file,
      });
    assert.throws(() => reminder('/nonexistent/state-machine.asl.json'), /signup-reminder is enabled but its state machine definition .* does not exist/);
    assert.throws(
      () => reminder(tempFile('a.json', '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')),
      /must invoke the reminder function as \$\{SignupReminderFunctionArn\}/,
    );
    assert.throws(() => reminder(tempFile('b.json', '{')), /is not valid JSON/);
  });
});

describe('pool and trigger selection', () => {
  it('refuses unknown or repeated triggers', () => {
    assert.throws(() => build({ enabled: ['pre-signup', 'post-signup' as never] }), /unknown trigger "post-signup"/);
    assert.throws(() => build({ enabled: ['pre-signup', 'pre-signup'] }), /listed twice/);
  });
  it('refuses a pool from another stack (it would make a cross-stack cycle)', () => {
    const app = new App();
    const userPool = new cognito.UserPool(new Stack(app, 'PoolStack'), 'Pool');
    assert.throws(
      () => new CognitoTriggers(new Stack(app, 'Other'), 'T', { pool: { userPool }, enabled: ['pre-signup'], assetDirectory: ASSETS }),
      /must be in the same stack/,
    );
  });
  it('refuses a malformed existing pool id, or one in another Region than the stack', () => {
    assert.throws(() => build({ pool: { existingUserPoolId: 'arn:aws:cognito-idp:eu-west-1:1:userpool/x' } }), /is not a user pool id/);
    const stack = new Stack(new App(), 'S', { env: { region: 'us-east-1' } });
    assert.throws(
      () => new CognitoTriggers(stack, 'T', { pool: { existingUserPoolId: 'eu-west-1_abc' }, enabled: ['pre-signup'], assetDirectory: ASSETS }),
      /pool eu-west-1_abc is in eu-west-1 but the stack deploys to us-east-1/,
    );
  });
  it('refuses a trigger slot the pool already uses', () => {
    const stack = new Stack(new App(), 'S');
    const userPool = new cognito.UserPool(stack, 'Pool');
    new CognitoTriggers(stack, 'A', { pool: { userPool }, enabled: ['pre-signup'], assetDirectory: ASSETS });
    assert.throws(() => new CognitoTriggers(stack, 'B', { pool: { userPool }, enabled: ['pre-signup'], assetDirectory: ASSETS }), /already exists/);
  });
  it('checks the app\'s -c triggers list', () => {
    assert.throws(() => buildApp({ context: { triggers: 'pre-signup,bogus', lambdaAssets: ASSETS } }), /-c triggers: no entry for bogus in the trigger table \(infra\/lib\/triggers.ts\); add one .* or leave it out/);
    const { stack } = buildApp({ context: { triggers: 'pre-signup,post-confirmation', lambdaAssets: ASSETS } });
    assert.deepEqual(Object.keys(stack.triggers.triggers).sort(), ['post-confirmation', 'pre-signup']);
    const attached = buildApp({ context: { userPoolId: 'eu-west-1_AbC123', lambdaAssets: ASSETS } }).stack;
    assert.equal(attached.region, 'eu-west-1');
    assert.equal(attached.userPool, undefined);
    assert.throws(() => buildApp({ context: { featurePlan: 'FREE', lambdaAssets: ASSETS } }), /featurePlan must be/);
    // The reminder's sender from the command line (and the real definition, by default); without
    // one, no-reply@ in the identity given.
    const withReminder = { triggers: 'pre-signup,signup-reminder', lambdaAssets: ASSETS, emailIdentity: 'acme.test' };
    const sender = (stack: ReturnType<typeof buildApp>['stack']) =>
      Stack.of(stack).resolve((stack.triggers.triggers['signup-reminder']!.function.node.defaultChild as lambda.CfnFunction).environment).variables.REMINDER_EMAIL_FROM;
    assert.equal(sender(buildApp({ context: withReminder }).stack), 'no-reply@acme.test');
    const reminded = buildApp({ context: { ...withReminder, reminderEmailFrom: 'Acme <hello@acme.test>' } }).stack;
    assert.ok(reminded.triggers.reminderStateMachine);
    assert.equal(sender(reminded), 'Acme <hello@acme.test>');
    assert.throws(() => buildApp({ context: { ...withReminder, reminderEmailFrom: 'hello@other.test' } }), /REMINDER_EMAIL_FROM=hello@other.test is not covered by the SES identity acme.test/);
  });
});

describe('the custom senders\' settings', () => {
  const email = (settings: Record<string, unknown>, identity = 'example.com') =>
    build({ enabled: ['custom-email-sender'], settings: { 'custom-email-sender': settings }, emailSender: { identity } });
  it('needs EMAIL_FROM, one plain address within the SES identity', () => {
    assert.throws(() => email({}), /custom-email-sender is enabled but EMAIL_FROM is not set; the binary does not start without it/);
    assert.throws(() => email({ EMAIL_FROM: 'Example <no-reply@example.com>' }), /EMAIL_FROM="Example <no-reply@example.com>": expected one e-mail address/);
    assert.throws(() => email({ EMAIL_FROM: 'no-reply@example.org' }), /EMAIL_FROM=no-reply@example.org is not covered by the SES identity example.com/);
    assert.throws(
      () => build({ enabled: ['custom-email-sender'], settings: { 'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com' } } }),
      /custom-email-sender sends e-mail: set emailSender.identity/,
    );
    email({ EMAIL_FROM: 'no-reply@mail.example.com', EMAIL_CONFIGURATION_SET: 'transactional', DEFAULT_LOCALE: 'de' });
  });
  it('checks the configuration set, the sender id, the origination number and the locale as the binaries do', () => {
    assert.throws(() => email({ EMAIL_FROM: 'no-reply@example.com', EMAIL_CONFIGURATION_SET: 'my set' }), /EMAIL_CONFIGURATION_SET="my set": expected an SES configuration set name/);
    assert.throws(() => email({ EMAIL_FROM: 'no-reply@example.com', DEFAULT_LOCALE: 'english' }), /DEFAULT_LOCALE/);
    const sms = (settings: Record<string, unknown>) => build({ enabled: ['custom-sms-sender'], settings: { 'custom-sms-sender': settings } });
    assert.throws(() => sms({ SMS_SENDER_ID: '12345' }), /SMS_SENDER_ID="12345": expected an SMS sender id/);
    assert.throws(() => sms({ SMS_ORIGINATION_NUMBER: '4155550100' }), /SMS_ORIGINATION_NUMBER="4155550100": expected an E.164 number/);
    assert.throws(() => sms({ EMAIL_FROM: 'a@example.com' }), /custom-sms-sender has no setting EMAIL_FROM; its settings: SMS_SENDER_ID, SMS_ORIGINATION_NUMBER, DEFAULT_LOCALE/);
    sms({ SMS_SENDER_ID: 'Acme-1', SMS_ORIGINATION_NUMBER: 'arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1', DEFAULT_LOCALE: 'pt-BR' });
  });
  it('fills KMS_KEY_ARN and TABLE_NAME itself', () => {
    assert.throws(
      () => build({ enabled: ['custom-sms-sender'], extraSettings: { 'custom-sms-sender': { KMS_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/x' } } }),
      /KMS_KEY_ARN is set by the construct/,
    );
  });
});

describe('custom-message templates', () => {
  it('ships one override layer with every binary that renders the catalogue (custom-message and the senders)', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'en'));
    fs.writeFileSync(path.join(dir, 'en', 'sign-up.subject'), 'Welcome to Example');
    const triggers = build({
      enabled: ['pre-signup', 'custom-message', 'custom-email-sender', 'custom-sms-sender'],
      messageTemplatesDirectory: dir,
      settings: { 'custom-email-sender': { EMAIL_FROM: 'no-reply@example.com' } },
      emailSender: { identity: 'example.com' },
    });
    const template = Template.fromStack(Stack.of(triggers));
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    const [layer] = Object.keys(template.findResources('AWS::Lambda::LayerVersion'));
    for (const b of ['custom-message', 'custom-email-sender', 'custom-sms-sender'] as const) {
      const fn = triggers.triggers[b]!.function.node.defaultChild as lambda.CfnFunction;
      assert.deepEqual(Stack.of(triggers).resolve(fn.layers), [{ Ref: layer }], b);
      assert.equal(Stack.of(triggers).resolve(fn.environment).variables.MESSAGE_TEMPLATES_DIR, '/opt', b);
    }
    const signup = triggers.triggers['pre-signup']!.function.node.defaultChild as lambda.CfnFunction;
    assert.equal(Stack.of(triggers).resolve(signup.layers), undefined, 'pre-signup renders no message');
    assert.equal(Stack.of(triggers).resolve(signup.environment).variables.MESSAGE_TEMPLATES_DIR, undefined);
  });
  it('ships an override directory as a layer and names it MESSAGE_TEMPLATES_DIR', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'en'));
    fs.writeFileSync(path.join(dir, 'en', 'sign-up.subject'), 'Welcome to Example');
    const triggers = build({ enabled: ['custom-message'], messageTemplatesDirectory: dir, settings: { 'custom-message': { DEFAULT_LOCALE: 'pt-BR' } } });
    const template = Template.fromStack(Stack.of(triggers));
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: any }[];
    assert.equal(fn.Properties.Environment.Variables.MESSAGE_TEMPLATES_DIR, '/opt');
    assert.equal(fn.Properties.Environment.Variables.DEFAULT_LOCALE, 'pt-BR');
    assert.equal(fn.Properties.Layers.length, 1, 'the override layer');
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
  });
  it('refuses a missing directory, a bad locale, and MESSAGE_TEMPLATES_DIR passed by hand', () => {
    assert.throws(() => build({ enabled: ['custom-message'], messageTemplatesDirectory: '/nonexistent/templates' }), /is not a directory/);
    assert.throws(() => build({ enabled: ['custom-message'], settings: { 'custom-message': { DEFAULT_LOCALE: 'english please' } } }), /DEFAULT_LOCALE/);
    assert.throws(
      () => build({ enabled: ['custom-message'], extraSettings: { 'custom-message': { MESSAGE_TEMPLATES_DIR: '/tmp' } } }),
      /MESSAGE_TEMPLATES_DIR is set by the construct/,
    );
  });
});
