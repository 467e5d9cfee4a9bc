/** The trigger table itself: complete, consistent, and matching the binaries' contract. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementId } from '../lib/permissions';
import { OPERATOR_ACCESS, SHARED_SETTINGS, TRIGGERS, TRIGGER_NAMES, USER_NAMES_CASE_SENSITIVE, managedSettingNames } from '../lib/triggers';

describe('trigger table', () => {
  it('has one entry per binary, keyed by its name', () => {
    assert.deepEqual(Object.keys(TRIGGERS).sort(), [...TRIGGER_NAMES].sort());
    for (const [name, spec] of Object.entries(TRIGGERS)) assert.equal(spec.binary, name);
  });
  it('fills each LambdaConfig slot at most once; only signup-reminder has none', () => {
    const slots = Object.values(TRIGGERS).map((t) => t.slot);
    assert.deepEqual(slots.filter((s) => s === undefined).length, 1);
    assert.equal(TRIGGERS['signup-reminder'].slot, undefined);
    const defined = slots.filter(Boolean);
    assert.equal(new Set(defined).size, defined.length);
  });
  it('names every action with its service and says why', () => {
    for (const spec of [...Object.values(TRIGGERS), { binary: 'triggers-admin', access: OPERATOR_ACCESS }]) {
      const sids = spec.access.map(statementId);
      assert.equal(new Set(sids).size, sids.length, `${spec.binary}: one entry per resource (and, on the table, per rows)`);
      for (const a of spec.access) {
        // Every table grant is limited to named rows, by key prefix; nothing else carries rows.
        assert.equal(a.rows !== undefined, a.resource === 'table', `${spec.binary}: rows on ${a.resource}`);
        for (const k of a.rows?.keys ?? []) assert.match(k, /^[A-Z]+#([a-z-]+#)?\*$/, `${spec.binary}: key pattern ${k}`);
        assert.ok(a.actions.length > 0 && a.actions.every((x) => /^[a-z0-9-]+:[A-Za-z]+$/.test(x)), `${spec.binary}: ${a.actions}`);
        assert.ok(!a.actions.some((x) => x.includes('*')), `${spec.binary}: no wildcard actions`);
        assert.ok(a.why.length > 20, `${spec.binary}: why`);
        assert.equal(a.when === undefined, a.whenText === undefined, `${spec.binary}: when and whenText go together`);
        for (const c of a.conditional ?? []) {
          assert.ok(c.actions.length > 0 && c.actions.every((x) => /^[a-z0-9-]+:[A-Za-z]+$/.test(x)), `${spec.binary}: ${c.actions}`);
          assert.ok(!c.actions.some((x) => a.actions.includes(x)), `${spec.binary}: ${c.actions} granted twice`);
          assert.ok(c.why.length > 20 && c.whenText.length > 0, `${spec.binary}: conditional why/whenText`);
        }
      }
    }
  });
  it('names settings the binary requires among its settings', () => {
    for (const spec of Object.values(TRIGGERS)) for (const r of spec.required ?? []) assert.ok(r in spec.settings, `${spec.binary}: ${r}`);
    assert.deepEqual(TRIGGERS['signup-reminder'].required, ['REMINDER_EMAIL_FROM']);
  });
  it('lists what triggers-admin calls, and only that', () => {
    assert.deepEqual(
      OPERATOR_ACCESS.map((a) => [a.resource, a.rows?.keys, a.actions]),
      [
        ['table', ['LOCKOUT#*'], ['dynamodb:GetItem', 'dynamodb:DeleteItem']],
        ['table', ['EMAIL#*', 'PHONE#*'], ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']],
        ['userPool', undefined, ['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser']],
        // Only while eventBus is set: UserUnlocked.
        ['eventBus', undefined, ['events:PutEvents']],
      ],
    );
  });
  it('keeps the passwordless code rows under SIGNIN#, for create and verify only; create reaches no lockout record (issue 22)', () => {
    const rowsOf = (t: keyof typeof TRIGGERS) => TRIGGERS[t].access.filter((a) => a.resource === 'table').map((a) => [a.rows?.keys, [...a.actions]]);
    assert.deepEqual(rowsOf('create-auth-challenge'), [
      [['SIGNIN#*'], ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']],
    ]);
    assert.deepEqual(rowsOf('verify-auth-challenge-response'), [[['SIGNIN#*'], ['dynamodb:DeleteItem']]]);
    for (const spec of [...Object.values(TRIGGERS), { binary: 'triggers-admin', access: OPERATOR_ACCESS }]) {
      const reaches = spec.access.some((a) => a.rows?.keys.includes('SIGNIN#*'));
      assert.equal(reaches, spec.binary === 'create-auth-challenge' || spec.binary === 'verify-auth-challenge-response', spec.binary);
    }
  });
  it('hands the pool\'s case rule to the binaries that key rows by user name, and to no other (issue 22)', () => {
    const byName = Object.values(TRIGGERS).filter((t) => t.keysByUserName).map((t) => t.binary).sort();
    assert.deepEqual(byName, ['create-auth-challenge', 'pre-authentication', 'pre-signup', 'user-migration', 'verify-auth-challenge-response']);
    assert.ok(managedSettingNames().has(USER_NAMES_CASE_SENSITIVE), 'set by the construct, never by a user');
  });
  it('gives user-migration a memory floor of 1,024 MB with its reason, and no other binary one', () => {
    const floors = Object.values(TRIGGERS).filter((t) => t.minimumMemory).map((t) => [t.binary, t.minimumMemory!.mib]);
    assert.deepEqual(floors, [['user-migration', 1024]]);
    assert.match(TRIGGERS['user-migration'].minimumMemory!.why, /hash bounds/);
  });
  it('keeps user settings apart from the ones the construct sets', () => {
    const managed = managedSettingNames();
    for (const s of SHARED_SETTINGS) assert.ok(managed.has(s));
    for (const spec of Object.values(TRIGGERS)) {
      for (const name of Object.keys(spec.settings)) {
        assert.match(name, /^[A-Z][A-Z0-9_]*$/);
        assert.ok(!managed.has(name), `${spec.binary}: ${name} is managed`);
      }
    }
  });
  it('gives pre-signup the settings of its contract (issue 3)', () => {
    assert.deepEqual(Object.keys(TRIGGERS['pre-signup'].settings).sort(), [
      'ALLOWED_EMAIL_DOMAINS',
      'AUTO_CONFIRM_EMAIL_DOMAINS',
      'CHECK_EXISTING_USERS',
      'DENIED_EMAIL_DOMAINS',
      'DUPLICATE_MESSAGE',
      'FEDERATED_PROVIDER_NAMES',
      'LEGACY_USERS_EMAIL_INDEX',
      'LEGACY_USERS_TABLE',
      'LINK_FEDERATED_USERS',
      'LINK_TRUSTED_PROVIDERS',
      'MIN_USERNAME_LENGTH',
      'OLD_USER_POOL_ID',
      'ON_DEPENDENCY_FAILURE',
      'PENDING_RESERVATION_SECONDS',
      'REMINDER_AFTER_SECONDS',
      'UNIQUE_EMAIL',
      'UNIQUE_PHONE',
    ]);
    assert.deepEqual([...new Set(TRIGGERS['pre-signup'].access.map((a) => a.env).filter(Boolean))], ['TABLE_NAME', 'REMINDER_STATE_MACHINE_ARN', 'EVENT_BUS_NAME']);
    assert.deepEqual(Object.keys(TRIGGERS['pre-signup'].requiredWhen ?? {}), ['LINK_TRUSTED_PROVIDERS']);
  });
  it('gives the other written binaries the settings their docs list (docs/triggers/*.md)', () => {
    const settings = (t: keyof typeof TRIGGERS) => Object.keys(TRIGGERS[t].settings).sort();
    assert.deepEqual(settings('pre-authentication'), [
      'LOCKOUT_BASE_SECONDS',
      'LOCKOUT_MAX_ATTEMPTS',
      'LOCKOUT_MAX_SECONDS',
      'LOCKOUT_ON_STORE_FAILURE',
      'LOCKOUT_WINDOW_SECONDS',
    ]);
    assert.deepEqual(settings('post-authentication'), ['LOGIN_HISTORY_DAYS']);
    assert.deepEqual(settings('post-confirmation'), ['DEFAULT_GROUP', 'DEFAULT_LOCALE', 'WELCOME_EMAIL_FROM']);
    assert.deepEqual(settings('pre-token-generation'), [
      'ACCESS_TOKEN_SCOPES_FROM_GROUPS',
      'CLAIMS_FROM_PROFILE',
      'CLIENT_CREDENTIALS_CLAIMS',
      'CLIENT_CREDENTIALS_SCOPES',
      'CLIENT_CREDENTIALS_SUPPRESS_CLAIMS',
      'CLIENT_CREDENTIALS_SUPPRESS_SCOPES',
      'LINK_TRUSTED_PROVIDERS',
      'SUPPRESS_CLAIMS',
    ]);
    assert.deepEqual(settings('inbound-federation'), ['FEDERATION_ATTRIBUTE_MAP', 'LINK_TRUSTED_PROVIDERS', 'UNMAPPED_PROVIDERS']);
    assert.deepEqual(TRIGGERS['inbound-federation'].required, ['FEDERATION_ATTRIBUTE_MAP']);
    assert.deepEqual(TRIGGERS['inbound-federation'].access, [], 'no AWS call');
    assert.equal(TRIGGERS['inbound-federation'].slot, 'InboundFederation');
    assert.deepEqual(settings('signup-reminder'), ['DEFAULT_LOCALE', 'REMINDER_EMAIL_FROM', 'SIGNUP_URL']);
    for (const t of ['post-confirmation', 'signup-reminder', 'custom-message', 'custom-email-sender', 'custom-sms-sender'] as const) {
      assert.equal(TRIGGERS[t].messageCatalogue, true, `${t} renders the catalogue`);
    }
    assert.deepEqual(settings('define-auth-challenge'), ['SIGN_IN_CODE_MAX_ANSWERS']);
    assert.deepEqual(settings('create-auth-challenge'), [
      'DEFAULT_LOCALE',
      'SIGN_IN_CODE_FROM',
      'SIGN_IN_CODE_LENGTH',
      'SIGN_IN_CODE_LOCK_SECONDS',
      'SIGN_IN_CODE_MAX_LOCK_SECONDS',
      'SIGN_IN_CODE_MAX_SENDS',
      'SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL',
      'SIGN_IN_CODE_SEND_WINDOW_SECONDS',
      'SIGN_IN_CODE_TTL_SECONDS',
    ]);
    assert.deepEqual(TRIGGERS['create-auth-challenge'].required, ['SIGN_IN_CODE_FROM']);
    assert.deepEqual(settings('verify-auth-challenge-response'), []);
    assert.deepEqual(TRIGGERS['define-auth-challenge'].access, [], 'define-auth-challenge: no AWS call');
    for (const t of ['pre-token-generation', 'create-auth-challenge', 'verify-auth-challenge-response'] as const) {
      assert.deepEqual([...new Set(TRIGGERS[t].access.map((a) => a.env).filter(Boolean))], ['TABLE_NAME'], t);
    }
    for (const t of ['pre-authentication', 'post-authentication', 'post-confirmation', 'signup-reminder'] as const) {
      assert.deepEqual([...new Set(TRIGGERS[t].access.map((a) => a.env).filter(Boolean))], ['TABLE_NAME', 'EVENT_BUS_NAME'], t);
    }
    assert.deepEqual([...new Set(TRIGGERS['pre-token-generation'].access.map((a) => a.env).filter(Boolean))], ['TABLE_NAME']);
  });
});
