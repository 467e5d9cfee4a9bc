/**
 * The trigger table: one entry per workspace binary.
 *
 * Everything the construct does for a trigger comes from its entry here: which Cognito
 * LambdaConfig slot it fills, which AWS actions its role gets on which resources (and why), which
 * settings (environment variables, named exactly as the binary reads them) a user may set, and
 * which settings the construct fills in itself. Adding a trigger is adding an entry; a new
 * permission is a visible diff here and in `test/permissions.test.ts`.
 */
import {
  SettingKind,
  boolean,
  clientClaimNames,
  clientClaims,
  clientScopes,
  domainList,
  email,
  federationMap,
  groupName,
  groupScopes,
  httpsUrl,
  indexName,
  integer,
  nameList,
  oneOf,
  originationNumber,
  pairList,
  profileClaimMap,
  providerNames,
  senderAddress,
  sesConfigurationSet,
  callingCodes,
  smsSenderId,
  textUpTo,
  tableName,
  userPoolId,
  wordList,
  locale,
} from './settings';
import { PROVIDER_SETTINGS } from './providers';

/** Binary names: a contract with the Rust workspace (`target/lambda/<binary>/`). */
export const TRIGGER_NAMES = [
  'pre-signup',
  'pre-authentication',
  'post-authentication',
  'post-confirmation',
  'pre-token-generation',
  'custom-message',
  'user-migration',
  'custom-email-sender',
  'custom-sms-sender',
  'signup-reminder',
  'define-auth-challenge',
  'create-auth-challenge',
  'verify-auth-challenge-response',
  'inbound-federation',
] as const;
export type TriggerName = (typeof TRIGGER_NAMES)[number];

/** Keys of `AWS::Cognito::UserPool.LambdaConfig` that this project fills. */
export type LambdaConfigSlot =
  | 'PreSignUp'
  | 'PreAuthentication'
  | 'PostAuthentication'
  | 'PostConfirmation'
  | 'PreTokenGeneration'
  | 'CustomMessage'
  | 'UserMigration'
  | 'CustomEmailSender'
  | 'CustomSMSSender'
  | 'DefineAuthChallenge'
  | 'CreateAuthChallenge'
  | 'VerifyAuthChallengeResponse'
  | 'InboundFederation';

/**
 * Resources a trigger may touch. The construct resolves each to one ARN (never a wildcard):
 * - `userPool`: the pool the triggers are attached to;
 * - `table`: the project's DynamoDB table (docs/architecture.md);
 * - `reminderStateMachine`: the sign-up reminder state machine (only when `signup-reminder` is on);
 * - `emailIdentity`: the SES identity of `emailSender` (domain or address);
 * - `senderKey`: the KMS key Cognito encrypts custom-sender codes with;
 * - `oldUserPool`: the pool users migrate from (`OLD_USER_POOL_ID`, its Region from the id, this account);
 * - `legacyUsersTable`: the customer's legacy password table (`LEGACY_USERS_TABLE`, this account and Region);
 * - `legacyUsersEmailIndex`: that table's e-mail index (`LEGACY_USERS_EMAIL_INDEX`), which a Query names;
 * - `sesConfigurationSet`: the SES configuration set `EMAIL_CONFIGURATION_SET` (this account and Region);
 * - `failureQueue`: the SQS queue Lambda sends an asynchronous invocation to after its last retry;
 * - `snsTopics`: every SNS topic and endpoint (`arn:<partition>:sns:*:*:*`), for a `Deny`;
 * - `phoneNumbers`: SMS straight to a phone number, which SNS authorizes on no resource: the one
 *   kind that resolves to `*`, allowed only with a `wildcard` reason (the cdk-nag acknowledgement).
 * - `eventBus`: the EventBridge bus of `eventBus` (docs/events.md), only when it is set.
 * - `providerSecret`: the secret of the sender's delivery provider (`emailProvider` / `smsProvider`:
 *   SMTP credentials, SendGrid API key, Twilio credentials), only when the provider has one;
 * - `providerSecretKey`: that secret's customer-managed KMS key, only when it has one (the
 *   statement is limited to Secrets Manager's use of it, `kms:ViaService`).
 */
export type ResourceKind =
  | 'userPool'
  | 'table'
  | 'reminderStateMachine'
  | 'emailIdentity'
  | 'senderKey'
  | 'oldUserPool'
  | 'legacyUsersTable'
  | 'legacyUsersEmailIndex'
  | 'sesConfigurationSet'
  | 'failureQueue'
  | 'snsTopics'
  | 'phoneNumbers'
  | 'eventBus'
  | 'providerSecret'
  | 'providerSecretKey';

/** When the trigger may call something only while a setting is set: see `Access.when`. */
export type AccessCondition = (
  settings: Readonly<Record<string, string>>,
  ctx: { reminderEnabled: boolean; eventsEnabled?: boolean; providerSecretKeyed?: boolean },
) => boolean;

/** Actions added to an `Access` statement only while a feature is on. */
export interface ConditionalActions {
  readonly actions: readonly string[];
  readonly when: AccessCondition;
  /** Text form of `when` for docs and errors. */
  readonly whenText: string;
  readonly why: string;
}

/**
 * A family of table rows, by partition key (docs/architecture.md). Every `Access` on the table
 * names the rows it touches; its statement is limited to them with a `dynamodb:LeadingKeys`
 * condition (ForAllValues:StringLike on these `pk` patterns) and named after them (`Table<name>`).
 */
export interface Rows {
  /** PascalCase; the statement's Sid is `Table<name>`. */
  readonly name: string;
  /** `pk` patterns (`*` is any text): the rows' key prefixes. */
  readonly keys: readonly string[];
}

/** The shared rows (trigger-core: reservations, profile, lockout, idempotency). */
export const ROWS = {
  /** `EMAIL#<pool>#<address>`, `PHONE#<pool>#<number>`: one account per address. */
  reservations: { name: 'Reservations', keys: ['EMAIL#*', 'PHONE#*'] },
  /** `USER#<sub>`: the profile row and the login history. */
  userRows: { name: 'UserRows', keys: ['USER#*'] },
  /**
   * `LOCKOUT#<pool>#SUB#<sub>` (a user of the pool) or `LOCKOUT#<pool>#NAME#<name>` (a name no
   * user holds, under the pool's case rule): the password sign-in lockout (`sk = STATE`).
   */
  lockouts: { name: 'Lockouts', keys: ['LOCKOUT#*'] },
  /**
   * `SIGNIN#<pool>#SUB#<sub>` or `SIGNIN#<pool>#NAME#<name>`: the passwordless sign-in code's
   * issue row and send counter (`SIGN_IN_CODE`, `SIGN_IN_CODE_SENDS`). A prefix of their own so
   * that the code triggers' grants reach no password-lockout record.
   */
  signInCodes: { name: 'SignInCodes', keys: ['SIGNIN#*'] },
} as const satisfies Record<string, Rows>;

/** Once-only claims (`IDEMPOTENCY#<purpose>#<id>`) of the given purposes. */
export function claims(name: string, ...purposes: readonly string[]): Rows {
  return { name, keys: purposes.map((p) => `IDEMPOTENCY#${p}#*`) };
}

export interface Access {
  readonly resource: ResourceKind;
  /**
   * `Deny`: the statement takes the actions away on the resource, whatever else allows them
   * (its Sid is `Deny<resource>`). Default `Allow`.
   */
  readonly effect?: 'Deny';
  /**
   * On `phoneNumbers` only (required there): why the service authorizes these actions on no
   * resource, so that `*` is all there is. Also the role's cdk-nag acknowledgement.
   */
  readonly wildcard?: string;
  /** On the table: the rows the actions are limited to (required there; see `Rows`). */
  readonly rows?: Rows;
  /** A KMS statement used only through this service (`kms:ViaService` = `<service>.<region>.amazonaws.com`). */
  readonly viaService?: string;
  /** Always granted (unless `when` says otherwise). */
  readonly actions: readonly string[];
  /** Why the binary makes these calls: shown in docs/deploy.md's table. */
  readonly why: string;
  /**
   * The setting (environment variable) through which the construct hands the resource to the
   * binary, if the binary needs its name or ARN (the pool id arrives in every event instead).
   */
  readonly env?: string;
  /**
   * Grant only when this returns true for the trigger's effective settings (for features that
   * are off while their setting is unset). Absent: always granted.
   */
  readonly when?: AccessCondition;
  /** Text form of `when` for docs and errors. */
  readonly whenText?: string;
  /**
   * More actions on the same resource (and rows), granted only while their own condition holds;
   * they join this entry's statement.
   */
  readonly conditional?: readonly ConditionalActions[];
}

/** A setting the binary refuses to start without while another setting is on. */
export interface RequiredWhen {
  readonly when: (settings: Readonly<Record<string, string>>) => boolean;
  readonly whenText: string;
}

export interface TriggerSpec {
  readonly binary: TriggerName;
  /** The LambdaConfig slot, or undefined for a function Cognito does not call (run by Step Functions). */
  readonly slot?: LambdaConfigSlot;
  readonly summary: string;
  /** How the function is invoked: Cognito waits for `sync` ones (5 s budget). */
  readonly invocation: 'sync' | 'async' | 'state-machine';
  readonly access: readonly Access[];
  /** Settings a user may set, by environment variable name, with their synth-time check. */
  readonly settings: Readonly<Record<string, SettingKind>>;
  /** Settings the binary refuses to start without: synth fails while the trigger is on and one is unset. */
  readonly required?: readonly string[];
  /** Settings the binary refuses to start without while another setting is on (synth fails likewise). */
  readonly requiredWhen?: Readonly<Record<string, RequiredWhen>>;
  /**
   * True while no issue has specified this binary yet: the access list is what the shared facts
   * imply and is to be confirmed when the binary is written.
   */
  readonly provisional?: true;
  /**
   * The binary renders the message catalogue: the construct ships `messageTemplatesDirectory` with
   * it (one layer, shared) and names it in `MESSAGE_TEMPLATES_DIR`.
   */
  readonly messageCatalogue?: true;
  /**
   * The binary keys rows by a user name (a name no user of the pool holds, or a name compared
   * with another store's): it must compare names as the pool does, so the construct hands it the
   * pool's case rule as USER_NAMES_CASE_SENSITIVE (`signInCaseSensitive`).
   */
  readonly keysByUserName?: true;
  /** The least memory (MiB) the binary's time bounds assume; less is refused at synth. */
  readonly minimumMemory?: { readonly mib: number; readonly why: string };
}

/** The setting that carries the pool's case rule to the binaries that key rows by user name. */
export const USER_NAMES_CASE_SENSITIVE = 'USER_NAMES_CASE_SENSITIVE';

/** Settings every binary reads (trigger-core). Set through the construct's typed props, not per trigger. */
export const SHARED_SETTINGS = [
  'RUST_LOG',
  'TRIGGER_BUDGET_MS',
  'SDK_CONNECT_TIMEOUT_MS',
  'SDK_ATTEMPT_TIMEOUT_MS',
  'SDK_OPERATION_TIMEOUT_MS',
  'SDK_MAX_ATTEMPTS',
] as const;

/**
 * Domain events (docs/events.md): `PutEvents` on the one bus, for the functions that publish,
 * only while `eventBus` is set. The bus's ARN reaches the binary as EVENT_BUS_NAME.
 */
export function publishes(what: string): Access {
  return {
    resource: 'eventBus',
    actions: ['events:PutEvents'],
    env: 'EVENT_BUS_NAME',
    when: (_s, ctx) => ctx.eventsEnabled === true,
    whenText: 'eventBus is set',
    why: `PutEvents puts ${what} on the bus (docs/events.md)`,
  };
}

const TABLE_RW = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/** The custom senders: the key Cognito encrypted the code with. */
const SENDER_KEY: Access = {
  resource: 'senderKey',
  actions: ['kms:Decrypt'],
  env: 'KMS_KEY_ARN',
  why: 'decrypts the code (AWS Encryption SDK message, KMS keyring limited to this key)',
};

/** The custom senders' delivery records (custom_sender::deliver, trigger_core::idempotency). */
const DELIVERY_WHY =
  'each message once: claim (owner token and lease), done, and given back after a failed send, each a conditional update';

/** The custom senders are invoked asynchronously: after its last retry Lambda sends the event here, as the function's role. */
const FAILURE_QUEUE: Access = {
  resource: 'failureQueue',
  actions: ['sqs:SendMessage'],
  why: 'Lambda sends an invocation that failed its retries to the failure queue (the on-failure destination), with the function\'s role',
};

/** The custom senders' provider secret (PROVIDER_SECRET_SETTINGS) and its customer-managed key. */
function providerSecret(settings: readonly string[]): Access[] {
  const has = (s: Readonly<Record<string, string>>) => settings.some((n) => s[n] !== undefined);
  const text = `${settings.join(' or ')} is set`;
  return [
    {
      resource: 'providerSecret',
      actions: ['secretsmanager:GetSecretValue'],
      when: has,
      whenText: text,
      why: "reads the provider's credentials once at cold start (and once more after the provider refuses them: rotation)",
    },
    {
      resource: 'providerSecretKey',
      actions: ['kms:Decrypt'],
      viaService: 'secretsmanager',
      when: (s, ctx) => has(s) && ctx.providerSecretKeyed === true,
      whenText: `${text} and the secret is encrypted with a customer-managed key`,
      why: 'Secrets Manager decrypts the secret with its customer-managed key on the reader\'s behalf',
    },
  ];
}
const viaSes = (s: Readonly<Record<string, string>>) => (s.EMAIL_PROVIDER ?? 'ses') === 'ses';
const viaSns = (s: Readonly<Record<string, string>>) => (s.SMS_PROVIDER ?? 'sns') === 'sns';

/** pre-signup links federated sign-ups to native users (and so may create, link and record). */
const linking = (s: Readonly<Record<string, string>>) => s.LINK_FEDERATED_USERS === 'true';
const LINKING = 'LINK_FEDERATED_USERS is true';

export const TRIGGERS: Readonly<Record<TriggerName, TriggerSpec>> = {
  'pre-signup': {
    binary: 'pre-signup',
    slot: 'PreSignUp',
    keysByUserName: true,
    summary: 'Unique e-mail/phone (reserved in the table), domain rules, auto-confirm, federated linking, starts the reminder',
    invocation: 'sync',
    access: [
      {
        resource: 'userPool',
        actions: ['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminDeleteUser'],
        why: 'ListUsers finds e-mails/phones that existed before the trigger and guards auto-verify; AdminGetUser looks up the holder of a reservation in the way, AdminDeleteUser removes it when it is an expired, unconfirmed sign-up (take-over)',
        conditional: [
          {
            actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminLinkProviderForUser'],
            when: linking,
            whenText: LINKING,
            why: 'link a federated sign-up from a trusted provider to a (new) native user',
          },
        ],
      },
      {
        resource: 'table',
        rows: ROWS.reservations,
        actions: ['dynamodb:PutItem'],
        env: 'TABLE_NAME',
        why: 'conditional puts reserve an e-mail/phone (race-free uniqueness) and take over an expired or orphaned reservation (conditional on the row read)',
        conditional: [
          {
            actions: ['dynamodb:UpdateItem'],
            when: linking,
            whenText: LINKING,
            why: 'makes a linked user\'s reservation permanent',
          },
        ],
      },
      {
        resource: 'table',
        rows: { name: 'EmailReservations', keys: ['EMAIL#*'] },
        actions: ['dynamodb:GetItem'],
        when: linking,
        whenText: LINKING,
        why: 'reads the address\'s reservation before linking: an address the domain rule verified (AUTO_CONFIRM_EMAIL_DOMAINS, no proof of the mailbox) is marked there, and no identity is linked into its account',
      },
      {
        resource: 'table',
        rows: ROWS.userRows,
        actions: ['dynamodb:UpdateItem'],
        when: linking,
        whenText: LINKING,
        why: 'records on the linked native user\'s profile row the address the provider verified (what pre-token-generation repairs email_verified against)',
      },
      {
        resource: 'legacyUsersTable',
        actions: ['dynamodb:GetItem'],
        when: (s) => s.LEGACY_USERS_TABLE !== undefined,
        whenText: "LEGACY_USERS_TABLE is set (pre-signup's own, or user-migration's while it is on)",
        why: 'the squatting guard: while users still migrate, a sign-up may not take a user name or address a legacy row holds (reads rows by key)',
      },
      {
        resource: 'legacyUsersEmailIndex',
        actions: ['dynamodb:Query'],
        when: (s) => s.LEGACY_USERS_EMAIL_INDEX !== undefined,
        whenText: 'LEGACY_USERS_EMAIL_INDEX is set',
        why: 'the squatting guard: finds legacy rows whose address is the sign-up\'s through the table\'s e-mail index (one partition, at most 10 items)',
      },
      {
        resource: 'oldUserPool',
        actions: ['cognito-idp:AdminGetUser', 'cognito-idp:ListUsers'],
        when: (s) => s.OLD_USER_POOL_ID !== undefined,
        whenText: "OLD_USER_POOL_ID is set (pre-signup's own, or user-migration's while it is on)",
        why: 'the squatting guard: an old-pool user who could still migrate keeps their user name (AdminGetUser), address and phone number (ListUsers with a filter)',
      },
      {
        resource: 'reminderStateMachine',
        actions: ['states:StartExecution'],
        env: 'REMINDER_STATE_MACHINE_ARN',
        when: (_s, ctx) => ctx.reminderEnabled,
        whenText: 'the signup-reminder trigger is on',
        why: 'starts one reminder execution per sign-up (deterministic name)',
      },
      publishes('UserSignedUp'),
    ],
    settings: {
      ALLOWED_EMAIL_DOMAINS: domainList,
      DENIED_EMAIL_DOMAINS: domainList,
      AUTO_CONFIRM_EMAIL_DOMAINS: domainList,
      UNIQUE_EMAIL: boolean,
      UNIQUE_PHONE: boolean,
      MIN_USERNAME_LENGTH: integer(0, 128),
      CHECK_EXISTING_USERS: boolean,
      // The binary also refuses REMINDER_AFTER_SECONDS >= PENDING_RESERVATION_SECONDS (defaults
      // included); the construct checks that at synth (PRE_SIGNUP_DEFAULTS).
      PENDING_RESERVATION_SECONDS: integer(120, 31_536_000),
      REMINDER_AFTER_SECONDS: integer(60, 31_536_000),
      LINK_FEDERATED_USERS: boolean,
      LINK_TRUSTED_PROVIDERS: providerNames,
      FEDERATED_PROVIDER_NAMES: pairList,
      ON_DEPENDENCY_FAILURE: oneOf('deny', 'allow'),
      DUPLICATE_MESSAGE: oneOf('explicit', 'generic'),
      // user-migration's backends, for the squatting guard: by default user-migration's own while
      // it is on (triggerEnvironments), so that the guard looks where the migration looks.
      LEGACY_USERS_TABLE: tableName,
      LEGACY_USERS_EMAIL_INDEX: indexName,
      OLD_USER_POOL_ID: userPoolId,
    },
    requiredWhen: {
      // No default: which providers' email_verified to trust is a decision, not a guess.
      LINK_TRUSTED_PROVIDERS: { when: linking, whenText: LINKING },
    },
  },
  'pre-authentication': {
    binary: 'pre-authentication',
    slot: 'PreAuthentication',
    keysByUserName: true,
    summary: 'Progressive lockout after repeated sign-in attempts',
    invocation: 'sync',
    access: [
      {
        resource: 'table',
        rows: ROWS.lockouts,
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: 'one atomic conditional update per attempt counts it; the old item it returns on a failed condition says why, and at most one more guarded update locks or starts a new window (no read)',
      },
      publishes('UserLockedOut'),
    ],
    settings: {
      LOCKOUT_MAX_ATTEMPTS: integer(1, 1000),
      LOCKOUT_WINDOW_SECONDS: integer(1, 86_400),
      // The binary also refuses LOCKOUT_MAX_SECONDS < LOCKOUT_BASE_SECONDS (defaults included);
      // the construct checks that at synth (LOCKOUT_DEFAULTS).
      LOCKOUT_BASE_SECONDS: integer(1, 86_400),
      LOCKOUT_MAX_SECONDS: integer(1, 31 * 86_400),
      LOCKOUT_ON_STORE_FAILURE: oneOf('allow', 'deny'),
    },
  },
  'post-authentication': {
    binary: 'post-authentication',
    slot: 'PostAuthentication',
    summary: 'Resets the lockout, updates the profile, appends login history',
    invocation: 'sync',
    access: [
      {
        resource: 'table',
        rows: ROWS.lockouts,
        actions: ['dynamodb:DeleteItem'],
        env: 'TABLE_NAME',
        why: 'deletes the lockout item unless a lock is active (reset after a successful sign-in; conditional)',
      },
      {
        resource: 'table',
        rows: ROWS.userRows,
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: 'updates/creates the profile item, puts one login-history item per sign-in (both conditional, so a retry does not double-count)',
      },
      publishes('UserSignedIn'),
    ],
    settings: {
      LOGIN_HISTORY_DAYS: integer(0, 3650),
    },
  },
  'post-confirmation': {
    binary: 'post-confirmation',
    slot: 'PostConfirmation',
    summary: 'Creates the profile item, makes the e-mail reservation permanent, default group, welcome e-mail once',
    invocation: 'sync',
    access: [
      {
        resource: 'table',
        rows: ROWS.userRows,
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: 'creates the profile item idempotently (an if_not_exists update)',
      },
      {
        resource: 'table',
        rows: ROWS.reservations,
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: 'makes the e-mail/phone reservations permanent, or puts one that is missing (conditional writes)',
      },
      {
        resource: 'table',
        rows: ROWS.lockouts,
        actions: ['dynamodb:DeleteItem'],
        env: 'TABLE_NAME',
        why: 'a completed password reset (PostConfirmation_ConfirmForgotPassword) clears the user\'s lockout record',
      },
      {
        resource: 'table',
        rows: claims('WelcomeClaims', 'welcome'),
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        when: (s) => s.WELCOME_EMAIL_FROM !== undefined,
        whenText: 'WELCOME_EMAIL_FROM is set',
        why: 'the welcome e-mail once: claim (owner token and lease), done, and given back after a failed send, each a conditional update',
      },
      {
        resource: 'userPool',
        actions: ['cognito-idp:AdminAddUserToGroup'],
        when: (s) => s.DEFAULT_GROUP !== undefined,
        whenText: 'DEFAULT_GROUP is set',
        why: 'adds the confirmed user to DEFAULT_GROUP',
      },
      {
        resource: 'emailIdentity',
        actions: ['ses:SendEmail'],
        when: (s) => s.WELCOME_EMAIL_FROM !== undefined,
        whenText: 'WELCOME_EMAIL_FROM is set',
        why: 'sends the welcome e-mail through SESv2 from the configured identity',
      },
      publishes('UserConfirmed and PasswordReset'),
    ],
    // The welcome e-mail is the catalogue's `welcome` kind (docs/message-templates.md).
    messageCatalogue: true,
    settings: {
      WELCOME_EMAIL_FROM: email,
      DEFAULT_GROUP: groupName,
      DEFAULT_LOCALE: locale,
    },
  },
  'pre-token-generation': {
    binary: 'pre-token-generation',
    slot: 'PreTokenGeneration',
    summary: 'Claims from the profile item, suppressed claims, groups kept, V2 scopes, V3 machine-token rules; repairs federated email_verified',
    invocation: 'sync',
    access: [
      {
        resource: 'table',
        rows: ROWS.userRows,
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: 'reads the profile item for claims; creates it when missing (federated/migrated users, an if_not_exists update) and fills picture/name',
      },
      {
        resource: 'userPool',
        actions: ['cognito-idp:AdminUpdateUserAttributes'],
        when: (s) => s.LINK_TRUSTED_PROVIDERS !== undefined,
        whenText: 'LINK_TRUSTED_PROVIDERS is set (given, or taken from pre-signup while it links)',
        why: 'sets email_verified back to true for a linked user whose e-mail is the address a trusted provider verified (recorded on the profile row when linked)',
      },
    ],
    settings: {
      SUPPRESS_CLAIMS: nameList,
      CLAIMS_FROM_PROFILE: profileClaimMap,
      ACCESS_TOKEN_SCOPES_FROM_GROUPS: groupScopes,
      LINK_TRUSTED_PROVIDERS: providerNames,
      CLIENT_CREDENTIALS_CLAIMS: clientClaims,
      CLIENT_CREDENTIALS_SUPPRESS_CLAIMS: clientClaimNames,
      CLIENT_CREDENTIALS_SCOPES: clientScopes,
      CLIENT_CREDENTIALS_SUPPRESS_SCOPES: clientScopes,
    },
  },
  'custom-message': {
    binary: 'custom-message',
    slot: 'CustomMessage',
    summary: 'Builds e-mail/SMS message text from the message catalogue; makes no AWS call',
    invocation: 'sync',
    messageCatalogue: true,
    access: [],
    settings: {
      DEFAULT_LOCALE: locale,
      VERIFICATION_BY_LINK: boolean,
    },
  },
  'user-migration': {
    binary: 'user-migration',
    slot: 'UserMigration',
    keysByUserName: true,
    minimumMemory: {
      mib: 1024,
      why:
        'its password-hash bounds (bcrypt cost 12, Argon2 64 MiB) fit the 4.5 s budget only with the CPU share Lambda gives ' +
        '1,024 MB; a verification takes proportionally longer with less (docs/triggers/user-migration.md)',
    },
    summary: 'Moves users in at their first sign-in or password reset, from an old user pool or a legacy password table',
    invocation: 'sync',
    access: [
      {
        resource: 'table',
        rows: ROWS.lockouts,
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why:
          "the name's record (LOCKOUT#<pool>#NAME#<name>, pre-authentication's): MIGRATION_LOCKOUT=count registers each sign-in " +
          'attempt atomically before any password is checked, check reads it and refuses a locked name; in both modes the ' +
          'forgot-password counter beside it (MIGRATION_RESET_*) is a conditional update',
      },
      {
        resource: 'table',
        rows: ROWS.reservations,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why:
          "reserves the migrated user's e-mail address and phone number, confirmed, as a sign-up's are; reads a pending " +
          'reservation in the way and takes it over (conditional on the row read) when its holder never confirmed the value',
      },
      {
        resource: 'userPool',
        actions: ['cognito-idp:AdminGetUser'],
        why:
          'whether the holder of a pending reservation in the way confirmed the value (then it is not taken over); with ' +
          'FORCE_ALIAS_CREATION=true, who holds the address or phone number as an alias before Cognito would move it away',
      },
      {
        resource: 'table',
        rows: { name: 'DummyHash', keys: ['MIGRATION#*'] },
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        when: (s) => s.LEGACY_USERS_TABLE !== undefined,
        whenText: 'LEGACY_USERS_TABLE is set',
        why:
          'the dummy hash an unknown name is checked against, following the cost of the legacy rows (MIGRATION#<legacy table>, ' +
          'sk DUMMY_HASH): read once at cold start, saved at most once per instance',
      },
      {
        resource: 'legacyUsersTable',
        actions: ['dynamodb:GetItem'],
        when: (s) => s.LEGACY_USERS_TABLE !== undefined,
        whenText: 'LEGACY_USERS_TABLE is set',
        why: 'reads the one row of the user signing in (password hash, attributes)',
      },
      {
        resource: 'oldUserPool',
        actions: ['cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminGetUser'],
        when: (s) => s.OLD_USER_POOL_ID !== undefined,
        whenText: 'OLD_USER_POOL_ID is set',
        why: 'checks the password in the old pool (ADMIN_USER_PASSWORD_AUTH) and reads the user',
      },
      publishes('UserMigrated and UserLockedOut'),
    ],
    settings: {
      LEGACY_USERS_TABLE: tableName,
      OLD_USER_POOL_ID: userPoolId,
      OLD_CLIENT_ID: textUpTo(128),
      MIGRATION_BACKEND_ORDER: wordList,
      MIGRATE_ATTRIBUTES: wordList,
      PASSWORD_MIN_LENGTH: integer(6, 99),
      PASSWORD_REQUIRE_LOWERCASE: boolean,
      PASSWORD_REQUIRE_UPPERCASE: boolean,
      PASSWORD_REQUIRE_NUMBERS: boolean,
      PASSWORD_REQUIRE_SYMBOLS: boolean,
      DESIRED_DELIVERY_MEDIUMS: wordList,
      FORCE_ALIAS_CREATION: boolean,
      MIGRATION_LOCKOUT: oneOf('count', 'check'),
      // Forgot-password migrations per name; the binary also refuses a lock above its cap
      // (defaults included): checked at synth (MIGRATION_RESET_DEFAULTS).
      MIGRATION_RESET_MAX_ATTEMPTS: integer(1, 100),
      MIGRATION_RESET_WINDOW_SECONDS: integer(60, 86_400),
      MIGRATION_RESET_LOCK_SECONDS: integer(60, 86_400),
      MIGRATION_RESET_MAX_LOCK_SECONDS: integer(60, 31 * 86_400),
      LOCKOUT_MAX_ATTEMPTS: integer(1, 1000),
      LOCKOUT_WINDOW_SECONDS: integer(1, 86_400),
      LOCKOUT_BASE_SECONDS: integer(1, 86_400),
      LOCKOUT_MAX_SECONDS: integer(1, 31 * 86_400),
      LEGACY_DUMMY_HASH: textUpTo(512),
    },
    requiredWhen: {
      // At least one backend: without the old pool, the legacy table is the one.
      LEGACY_USERS_TABLE: { when: (s) => s.OLD_USER_POOL_ID === undefined, whenText: 'OLD_USER_POOL_ID is not set' },
      OLD_CLIENT_ID: { when: (s) => s.OLD_USER_POOL_ID !== undefined, whenText: 'OLD_USER_POOL_ID is set' },
    },
  },
  'custom-email-sender': {
    binary: 'custom-email-sender',
    slot: 'CustomEmailSender',
    summary: 'Decrypts the code Cognito encrypted, renders the message from the catalogue and sends it once through SESv2',
    invocation: 'async',
    messageCatalogue: true,
    access: [
      SENDER_KEY,
      {
        resource: 'table',
        rows: claims('Deliveries', 'custom-email-sender'),
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: DELIVERY_WHY,
      },
      {
        resource: 'emailIdentity',
        actions: ['ses:SendEmail'],
        when: viaSes,
        whenText: 'emailProvider is ses (the default)',
        why: 'sends the message through SESv2 from EMAIL_FROM, which the binary requires',
      },
      {
        resource: 'sesConfigurationSet',
        actions: ['ses:SendEmail'],
        when: (s) => viaSes(s) && s.EMAIL_CONFIGURATION_SET !== undefined,
        whenText: 'EMAIL_CONFIGURATION_SET is set',
        why: 'SESv2 authorizes a send with a configuration set on the identity and on the configuration set',
      },
      {
        resource: 'userPool',
        actions: ['cognito-idp:AdminGetUser'],
        why: "the account-takeover notice carries no address: AdminGetUser reads the user's email, name and locale",
      },
      ...providerSecret(['SMTP_CREDENTIALS_SECRET', 'SENDGRID_API_KEY_SECRET']),
      FAILURE_QUEUE,
    ],
    settings: {
      EMAIL_FROM: email,
      EMAIL_CONFIGURATION_SET: sesConfigurationSet,
      DEFAULT_LOCALE: locale,
    },
    required: ['EMAIL_FROM'],
  },
  'custom-sms-sender': {
    binary: 'custom-sms-sender',
    slot: 'CustomSMSSender',
    summary: 'Decrypts the code Cognito encrypted, renders the SMS from the catalogue and sends it once through SNS (transactional)',
    invocation: 'async',
    messageCatalogue: true,
    access: [
      SENDER_KEY,
      {
        resource: 'table',
        rows: claims('Deliveries', 'custom-sms-sender'),
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: DELIVERY_WHY,
      },
      {
        resource: 'phoneNumbers',
        actions: ['sns:Publish'],
        when: viaSns,
        whenText: 'smsProvider is sns (the default)',
        why: 'sends the SMS with SNS Publish to the phone number (PhoneNumber, not a topic)',
        wildcard:
          'SNS Publish straight to a phone number (PhoneNumber parameter) is authorized on no resource: IAM offers "*" only. ' +
          'The DenySnsTopics statement of the same policy takes sns:Publish away on every topic and endpoint ARN, so the role can only text phone numbers',
      },
      {
        resource: 'snsTopics',
        effect: 'Deny',
        actions: ['sns:Publish'],
        when: viaSns,
        whenText: 'smsProvider is sns (the default)',
        why: 'no publish to any topic or platform endpoint: the sns:Publish above is for phone numbers only',
      },
      {
        resource: 'userPool',
        actions: ['cognito-idp:AdminGetUser'],
        why: "the account-takeover notice carries no address: AdminGetUser reads the user's phone_number, name and locale",
      },
      {
        resource: 'table',
        rows: { name: 'SmsLimits', keys: ['SMSLIMIT#*'] },
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        when: (s) => s.SMS_MAX_PER_NUMBER !== '0',
        whenText: 'SMS_MAX_PER_NUMBER is not 0 (the binary\'s default is 10)',
        why: 'the pumping guard counts texts per number and window (SMSLIMIT#<pool>#<hash of the number>): one conditional update per send, never more than the maximum',
      },
      ...providerSecret(['TWILIO_CREDENTIALS_SECRET']),
      FAILURE_QUEUE,
    ],
    settings: {
      SMS_SENDER_ID: smsSenderId,
      SMS_ORIGINATION_NUMBER: originationNumber,
      DEFAULT_LOCALE: locale,
      SMS_ALLOWED_COUNTRY_CODES: callingCodes,
      SMS_DENIED_PREFIXES: callingCodes,
      SMS_MAX_PER_NUMBER: integer(0, 1000),
      SMS_NUMBER_WINDOW_SECONDS: integer(60, 86400),
    },
  },
  'inbound-federation': {
    binary: 'inbound-federation',
    // No L2 UserPoolOperation yet: wired through the L1 LambdaConfig.InboundFederation (V1_0).
    slot: 'InboundFederation',
    summary: 'Maps a federated sign-in\'s claims to user-pool attributes per provider; verified flags only from trusted providers; makes no AWS call',
    invocation: 'sync',
    access: [],
    settings: {
      FEDERATION_ATTRIBUTE_MAP: federationMap,
      LINK_TRUSTED_PROVIDERS: providerNames,
      UNMAPPED_PROVIDERS: oneOf('keep', 'deny'),
    },
    required: ['FEDERATION_ATTRIBUTE_MAP'],
  },
  'signup-reminder': {
    binary: 'signup-reminder',
    summary: 'Run by the reminder state machine: reminds, then expires, a user who never confirmed',
    invocation: 'state-machine',
    access: [
      {
        resource: 'userPool',
        actions: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminDeleteUser'],
        why: 'checks whether the user is still unconfirmed; deletes the user on expiry',
      },
      {
        resource: 'table',
        rows: claims('ReminderClaims', 'signup-remind', 'signup-expire-notice'),
        actions: ['dynamodb:UpdateItem'],
        env: 'TABLE_NAME',
        why: 'both e-mails once: claim (owner token and lease), done, and given back after a failed send, each a conditional update',
      },
      {
        resource: 'table',
        rows: claims('ExpiryMarkers', 'signup-expire'),
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        env: 'TABLE_NAME',
        why: 'the "this sign-up is being expired by us" marker (conditional put), read by a retry that finds the user gone',
      },
      {
        resource: 'table',
        rows: ROWS.reservations,
        actions: ['dynamodb:DeleteItem'],
        env: 'TABLE_NAME',
        why: 'releases the pending e-mail/phone reservations of an expired user (conditional delete)',
      },
      {
        resource: 'emailIdentity',
        actions: ['ses:SendEmail'],
        why: 'sends the reminder and the expiry notice through SESv2 from REMINDER_EMAIL_FROM',
      },
      publishes('SignUpExpired'),
    ],
    // Both e-mails are catalogue kinds (`sign-up-reminder`, `sign-up-expired`; docs/message-templates.md).
    messageCatalogue: true,
    settings: {
      REMINDER_EMAIL_FROM: senderAddress,
      SIGNUP_URL: httpsUrl,
      DEFAULT_LOCALE: locale,
    },
    required: ['REMINDER_EMAIL_FROM'],
  },
  'define-auth-challenge': {
    binary: 'define-auth-challenge',
    slot: 'DefineAuthChallenge',
    summary: 'Passwordless e-mail code sign-in: the state machine (one code challenge, at most three answers, then tokens or failure); makes no AWS call',
    invocation: 'sync',
    access: [],
    settings: {
      SIGN_IN_CODE_MAX_ANSWERS: integer(1, 3),
    },
  },
  'create-auth-challenge': {
    binary: 'create-auth-challenge',
    slot: 'CreateAuthChallenge',
    messageCatalogue: true,
    keysByUserName: true,
    summary: 'Passwordless e-mail code sign-in: e-mails a one-time code (once per challenge, per-user send limit, nothing sent to unknown users)',
    invocation: 'sync',
    access: [
      {
        resource: 'table',
        rows: ROWS.signInCodes,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        env: 'TABLE_NAME',
        why: 'reads the last challenge issued to the same user (a retried create reuses it: one e-mail per challenge), counts a reuse and the send counter (conditional updates), puts a new challenge (conditional on the row read) and deletes it after a failed send; no password-lockout record',
      },
      {
        resource: 'emailIdentity',
        actions: ['ses:SendEmail'],
        why: 'sends the sign-in code through SESv2 from SIGN_IN_CODE_FROM',
      },
    ],
    settings: {
      SIGN_IN_CODE_FROM: email,
      SIGN_IN_CODE_LENGTH: integer(4, 10),
      SIGN_IN_CODE_TTL_SECONDS: integer(60, 3600),
      SIGN_IN_CODE_MAX_SENDS: integer(1, 100),
      SIGN_IN_CODE_SEND_WINDOW_SECONDS: integer(60, 86_400),
      // The binary also refuses SIGN_IN_CODE_MAX_LOCK_SECONDS < SIGN_IN_CODE_LOCK_SECONDS (defaults
      // included); the construct checks that at synth (SIGN_IN_CODE_DEFAULTS).
      SIGN_IN_CODE_LOCK_SECONDS: integer(60, 86_400),
      SIGN_IN_CODE_MAX_LOCK_SECONDS: integer(60, 31 * 86_400),
      SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL: boolean,
      DEFAULT_LOCALE: locale,
    },
    required: ['SIGN_IN_CODE_FROM'],
  },
  'verify-auth-challenge-response': {
    binary: 'verify-auth-challenge-response',
    slot: 'VerifyAuthChallengeResponse',
    summary: 'Passwordless e-mail code sign-in: checks the answer against the salted hash, in constant time, while the code is valid; deletes the used code',
    invocation: 'sync',
    keysByUserName: true,
    access: [
      {
        resource: 'table',
        rows: ROWS.signInCodes,
        actions: ['dynamodb:DeleteItem'],
        env: 'TABLE_NAME',
        why: 'deletes the issue row once the code was answered right (conditional on its salt), so a used code is never handed out again by a retried create',
      },
    ],
    settings: {},
  },
};

/**
 * The operator commands of `triggers-admin` (crates/triggers-admin): `show|unlock <pool> <user>`
 * read and delete a lockout record, resolving the name through the pool; `release <pool>
 * <address> [--force]` frees a reservation (after looking up its holder), `backfill <pool>` puts
 * reservations for the pool's existing users. Not a function: the construct puts these statements
 * into a customer-managed policy an operator's role can attach (`operatorPolicy`), created when
 * `pre-authentication` is on.
 */
export const OPERATOR_ACCESS: readonly Access[] = [
  {
    resource: 'table',
    rows: ROWS.lockouts,
    actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
    env: 'TABLE_NAME',
    why: '`show` reads the lockout record, `unlock` deletes it',
  },
  {
    resource: 'table',
    rows: ROWS.reservations,
    actions: TABLE_RW,
    env: 'TABLE_NAME',
    why: '`release` reads a reservation and deletes it; `backfill` puts (or completes) the reservations of existing users, resumably',
  },
  {
    resource: 'userPool',
    actions: ['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser'],
    why: 'AdminGetUser resolves the name given (an e-mail alias, say) to the pool\'s user name and checks a reservation\'s holder; ListUsers pages through the pool for `backfill` and finds who holds an address for `release`',
  },
  publishes('UserUnlocked (`unlock` of a live lock)'),
];

/** The binaries' defaults for settings that are checked against each other at synth. */
export const PRE_SIGNUP_DEFAULTS = { REMINDER_AFTER_SECONDS: 43_200, PENDING_RESERVATION_SECONDS: 86_400 } as const;
export const LOCKOUT_DEFAULTS = { LOCKOUT_BASE_SECONDS: 300, LOCKOUT_MAX_SECONDS: 3_600 } as const;
export const SIGN_IN_CODE_DEFAULTS = { SIGN_IN_CODE_LOCK_SECONDS: 900, SIGN_IN_CODE_MAX_LOCK_SECONDS: 3_600 } as const;
export const MIGRATION_RESET_DEFAULTS = { MIGRATION_RESET_LOCK_SECONDS: 3_600, MIGRATION_RESET_MAX_LOCK_SECONDS: 86_400 } as const;

/** Claims Cognito does not let a pre token generation trigger change (shared facts). */
export const IMMUTABLE_CLAIMS = [
  'acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'cognito:username', 'exp', 'iat', 'identities',
  'iss', 'jti', 'nbf', 'nonce', 'origin_jti', 'sub', 'token_use',
] as const;

/** Group claims: set through groupOverrideDetails, never as claims (pre-token-generation refuses them). */
export const GROUP_CLAIMS = ['cognito:groups', 'cognito:roles', 'cognito:preferred_role'] as const;

/**
 * Claims pre-token-generation never sets or suppresses in a machine's (client-credentials) access
 * token: `scope` goes through the scope lists, `client_id` is what resource servers tell clients apart by.
 */
export const CLIENT_TOKEN_MANAGED_CLAIMS = ['scope', 'client_id'] as const;

/** The pre-token-generation settings that act on client-credentials (V3) tokens only. */
export const CLIENT_CREDENTIALS_SETTINGS = [
  'CLIENT_CREDENTIALS_CLAIMS',
  'CLIENT_CREDENTIALS_SUPPRESS_CLAIMS',
  'CLIENT_CREDENTIALS_SCOPES',
  'CLIENT_CREDENTIALS_SUPPRESS_SCOPES',
] as const;

/**
 * Settings that exist for the local stand-ins only and weaken a check real Cognito always
 * passes: refused in `extraSettings`, with the reason.
 */
export const LOCAL_ONLY_SETTINGS: Readonly<Record<string, string>> = {
  KMS_REQUIRE_POOL_CONTEXT:
    "the custom senders' check that a code's encryption context names the event's user pool, which Cognito's always does; " +
    'only cognito-local encrypts without one',
};

/**
 * Settings the binaries no longer take (their cold start refuses them): refused at synth with what
 * replaced them.
 */
export const RETIRED_SETTINGS: Readonly<Record<string, string>> = {
  WELCOME_EMAIL_TEMPLATE: "the catalogue's welcome kind: <locale>/welcome.{subject.txt,html,txt} in messageTemplatesDirectory (docs/message-templates.md)",
  REMINDER_EMAIL_SUBJECT: "the catalogue's sign-up-reminder.subject.txt in messageTemplatesDirectory (docs/message-templates.md)",
  EXPIRY_EMAIL_SUBJECT: "the catalogue's sign-up-expired.subject.txt in messageTemplatesDirectory (docs/message-templates.md)",
};

/** Every environment variable name the construct itself sets (never user-settable). */
export function managedSettingNames(): Set<string> {
  // MESSAGE_TEMPLATES_DIR: from messageTemplatesDirectory, where the construct ships the layer.
  // EVENT_SOURCE, EVENT_INCLUDE_CONTACT: from eventSource / eventIncludeContact, with the bus.
  // USER_NAMES_CASE_SENSITIVE: the pool's case rule (signInCaseSensitive), for the `keysByUserName` binaries.
  // PROVIDER_SETTINGS: from emailProvider / smsProvider (./providers.ts).
  const names = new Set<string>([...SHARED_SETTINGS, ...PROVIDER_SETTINGS, 'MESSAGE_TEMPLATES_DIR', 'EVENT_SOURCE', 'EVENT_INCLUDE_CONTACT', USER_NAMES_CASE_SENSITIVE]);
  for (const spec of Object.values(TRIGGERS)) {
    for (const a of spec.access) if (a.env) names.add(a.env);
  }
  return names;
}
