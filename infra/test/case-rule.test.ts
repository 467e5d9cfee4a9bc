/**
 * The pool's case rule (`signInCaseSensitive`, issue 22): which rule a pool gets, which rule the
 * functions that key rows by user name are told (USER_NAMES_CASE_SENSITIVE), and what the
 * construct refuses. Two users whose names differ only in case must never share a row, so the
 * functions must compare names exactly as the pool does.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack, aws_cognito as cognito, aws_lambda as lambda } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { TRIGGERS, TriggerName } from '../lib/triggers';
import { ASSETS, REMINDER_ASL } from './helpers';

/** Every binary that needs no further setting to be enabled. */
const ENABLED: TriggerName[] = ['pre-signup', 'pre-authentication', 'post-authentication', 'post-confirmation', 'user-migration', 'create-auth-challenge', 'verify-auth-challenge-response'];
const SETTINGS: CognitoTriggersProps['settings'] = {
  'user-migration': { LEGACY_USERS_TABLE: 'legacy-users' },
  'create-auth-challenge': { SIGN_IN_CODE_FROM: 'sign-in@example.com' },
};

function build(props: Partial<CognitoTriggersProps> = {}, poolProps?: cognito.UserPoolProps) {
  const app = new App();
  const stack = new Stack(app, 'S');
  const userPool = new cognito.UserPool(stack, 'Pool', poolProps);
  const triggers = new CognitoTriggers(stack, 'T', {
    pool: { userPool },
    enabled: ENABLED,
    settings: SETTINGS,
    emailSender: { identity: 'example.com' },
    assetDirectory: ASSETS,
    reminderDefinitionFile: REMINDER_ASL,
    ...props,
  });
  return { app, stack, userPool, triggers };
}

/** USER_NAMES_CASE_SENSITIVE of each enabled function (undefined where it is not set). */
function ruleOf(triggers: CognitoTriggers): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(triggers.triggers).map(([binary, t]) => [
      binary,
      Stack.of(triggers).resolve((t!.function.node.defaultChild as lambda.CfnFunction).environment).variables.USER_NAMES_CASE_SENSITIVE,
    ]),
  );
}

/** The rule `value` for the binaries that key rows by user name, nothing for the others. */
function expected(value: string): Record<string, string | undefined> {
  return Object.fromEntries(ENABLED.map((b) => [b, TRIGGERS[b].keysByUserName ? value : undefined]));
}

/** The pool's properties as the synthesized template has them. */
function poolTemplate(stack: Stack, userPool: cognito.UserPool) {
  return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(userPool.node.defaultChild as cognito.CfnUserPool)].Properties;
}

const warningsOf = (app: App) =>
  app
    .synth()
    .stacks.flatMap((s) => s.messages)
    .filter((m) => m.level === 'warning')
    .map((m) => String(m.entry.data));

describe('the pool\'s case rule', () => {
  it('makes a new pool that states no rule case-insensitive, tells the functions, and warns about deployed pools', () => {
    const { app, stack, userPool, triggers } = build();
    assert.deepEqual(poolTemplate(stack, userPool).UsernameConfiguration, { CaseSensitive: false });
    assert.deepEqual(ruleOf(triggers), expected('false'));
    assert.equal(triggers.userNamesCaseSensitive, false);
    const warnings = warningsOf(app);
    assert.ok(warnings.some((w) => /made this pool case-insensitive.*deployed already.*signInCaseSensitive: true/s.test(w)), warnings.join('\n'));
  });

  it('takes the rule a pool states, without touching the pool or warning', () => {
    for (const stated of [true, false]) {
      const { app, stack, userPool, triggers } = build({}, { signInCaseSensitive: stated });
      assert.deepEqual(poolTemplate(stack, userPool).UsernameConfiguration, { CaseSensitive: stated });
      assert.deepEqual(ruleOf(triggers), expected(String(stated)));
      assert.ok(!warningsOf(app).some((w) => w.includes('case-insensitive')), `stated ${stated}`);
    }
    // Agreeing with the pool is accepted.
    assert.deepEqual(ruleOf(build({ signInCaseSensitive: true }, { signInCaseSensitive: true }).triggers), expected('true'));
  });

  it('refuses a rule that contradicts the pool\'s own (a deployed pool cannot change it)', () => {
    assert.throws(() => build({ signInCaseSensitive: false }, { signInCaseSensitive: true }), /signInCaseSensitive is false but the user pool states signInCaseSensitive true/);
    assert.throws(() => build({ signInCaseSensitive: true }, { signInCaseSensitive: false }), /signInCaseSensitive is true but the user pool states signInCaseSensitive false/);
    assert.throws(() => build({ signInCaseSensitive: 'no' as unknown as boolean }), /signInCaseSensitive must be true or false/);
  });

  it('keeps a pool that states no rule as it is with signInCaseSensitive: true (no UsernameConfiguration added)', () => {
    const { app, stack, userPool, triggers } = build({ signInCaseSensitive: true });
    assert.equal(poolTemplate(stack, userPool).UsernameConfiguration, undefined);
    assert.deepEqual(ruleOf(triggers), expected('true'));
    assert.ok(!warningsOf(app).some((w) => w.includes('case-insensitive')));
  });

  it('assumes exact names for an existing pool unless told its rule', () => {
    const existing = (signInCaseSensitive?: boolean) =>
      build({ pool: { existingUserPoolId: 'us-east-1_AbC123' }, signInCaseSensitive }).triggers;
    assert.deepEqual(ruleOf(existing()), expected('true'));
    assert.deepEqual(ruleOf(existing(false)), expected('false'));
  });

  it('does not let extraSettings override the rule', () => {
    assert.throws(
      () => build({ extraSettings: { 'pre-authentication': { USER_NAMES_CASE_SENSITIVE: 'true' } } }),
      /USER_NAMES_CASE_SENSITIVE is set by the construct/,
    );
  });
});
