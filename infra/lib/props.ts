/**
 * The props of `CognitoTriggers` and what it hands back: which pool, which triggers, their
 * settings (by the exact environment-variable names the binaries read) and the knobs of the
 * functions. Checked by ./validation.ts.
 */
import { Duration, RemovalPolicy, aws_cognito as cognito, aws_dynamodb as dynamodb, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_logs as logs, aws_sns as sns } from 'aws-cdk-lib';
import type { EmailProvider, SmsProvider } from './providers';
import { JsonValue } from './settings';
import { TriggerName } from './triggers';

/** Cognito abandons a synchronous trigger after 5 seconds; a longer timeout only burns money. */
export const MAX_TIMEOUT = Duration.seconds(5);
/**
 * The longest timeout of an asynchronous trigger (the custom senders; `functionOptions` only):
 * their delivery claim's 30 s lease (crates/custom-sender/src/deliver.rs) assumes it.
 */
export const MAX_ASYNC_TIMEOUT = Duration.seconds(10);

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;

export const PRE_TOKEN_GENERATION_VERSIONS = ['V1_0', 'V2_0', 'V3_0'] as const;
export type PreTokenGenerationVersion = (typeof PRE_TOKEN_GENERATION_VERSIONS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Which pool the triggers attach to. */
export type PoolAttachment =
  /** A pool defined in the same stack: the construct fills its LambdaConfig. */
  | { readonly userPool: cognito.UserPool }
  /**
   * A pool that exists already (deployed by other tooling). The construct creates the functions,
   * grants `cognito-idp.amazonaws.com` permission to invoke them from that pool only, and outputs
   * the ARN for each LambdaConfig slot; the pool's owner sets the slots (docs/deploy.md).
   */
  | {
      readonly existingUserPoolId: string;
      /** The pool's feature plan; needed to allow V2/V3 pre token generation (Essentials or Plus). */
      readonly featurePlan?: cognito.FeaturePlan;
      /**
       * Every app client of the pool that signs users in has PreventUserExistenceErrors ENABLED
       * (so Cognito runs pre-authentication for names it does not hold). The construct cannot read
       * an existing pool's clients: `MIGRATION_LOCKOUT=check` is refused unless this says true.
       */
      readonly userExistenceErrorsPrevented?: boolean;
      /**
       * The pool's `EmailConfiguration.EmailSendingAccount`, which the construct cannot read:
       * with custom-message deployed and anything but DEVELOPER, synth warns that Cognito ignores
       * the trigger's e-mail body. Default COGNITO_DEFAULT (Cognito's default).
       */
      readonly emailSendingAccount?: 'COGNITO_DEFAULT' | 'DEVELOPER';
      /**
       * Let the stack set the pool's LambdaConfig: a custom resource reads the pool's whole
       * configuration (DescribeUserPool) and writes it back with the stack's slots (UpdateUserPool
       * resets what it is not given); on delete it removes the slots that still name the stack's
       * functions. Default false: the pool's owner sets the slots (docs/deploy.md, step by step).
       */
      readonly attach?: boolean;
      /**
       * With `attach`, for a pool that sends SMS through its own role (`SmsConfiguration.SnsCallerArn`):
       * UpdateUserPool submits that role again, so the custom resource may pass it (iam:PassRole to Cognito only).
       */
      readonly smsRoleArn?: string;
    };

type DomainList = string | readonly string[];
/** Settings by the exact environment-variable names the binaries read (docs/triggers/*.md). */
export interface TriggerSettings {
  readonly 'pre-signup'?: {
    readonly ALLOWED_EMAIL_DOMAINS?: DomainList;
    readonly DENIED_EMAIL_DOMAINS?: DomainList;
    readonly AUTO_CONFIRM_EMAIL_DOMAINS?: DomainList;
    readonly UNIQUE_EMAIL?: boolean;
    readonly UNIQUE_PHONE?: boolean;
    readonly MIN_USERNAME_LENGTH?: number;
    /** Also look among the pool's users (ListUsers) for users created before the trigger. Binary default true. */
    readonly CHECK_EXISTING_USERS?: boolean;
    /**
     * Seconds an unconfirmed sign-up holds its address (120-31536000). Binary default 86400 (24 h,
     * the life of Cognito's confirmation code).
     */
    readonly PENDING_RESERVATION_SECONDS?: number;
    /** Seconds until the reminder e-mail (60-31536000), shorter than PENDING_RESERVATION_SECONDS. Binary default 43200 (12 h). */
    readonly REMINDER_AFTER_SECONDS?: number;
    /** Link a federated sign-up to the native user with the same verified e-mail. Needs LINK_TRUSTED_PROVIDERS. */
    readonly LINK_FEDERATED_USERS?: boolean;
    /**
     * Providers whose `email_verified` claim is trusted for linking (`Google`, `CorpSAML`), as the
     * pool names them. Required with LINK_FEDERATED_USERS (no default); also handed to
     * pre-token-generation unless it has its own.
     */
    readonly LINK_TRUSTED_PROVIDERS?: string | readonly string[];
    /** `prefix:ProviderName` pairs (`corpsaml:CorpSAML`), or a record of them. */
    readonly FEDERATED_PROVIDER_NAMES?: string | Readonly<Record<string, string>>;
    /** When the table or Cognito does not answer in time. Binary default deny. */
    readonly ON_DEPENDENCY_FAILURE?: 'deny' | 'allow';
    /**
     * The answer to a sign-up whose e-mail/phone is taken: `explicit` (default) says so, `generic`
     * does not tell whether an account exists (docs/triggers/pre-signup.md: the enumeration trade-off).
     */
    readonly DUPLICATE_MESSAGE?: 'explicit' | 'generic';
    /**
     * The squatting guard (docs/triggers/pre-signup.md): while users still migrate, a sign-up may
     * not take a user name, address or phone number a legacy user holds. Default: user-migration's
     * LEGACY_USERS_TABLE and OLD_USER_POOL_ID while it is on (set these only for a migration
     * deployed elsewhere; with user-migration on they must be its own).
     */
    readonly LEGACY_USERS_TABLE?: string;
    readonly OLD_USER_POOL_ID?: string;
    /**
     * A global secondary index of the legacy table whose partition key is a top-level `email`
     * attribute (the lower-cased address): lets the guard find an address that is not a row's key.
     * Unset: the table is asked by key only.
     */
    readonly LEGACY_USERS_EMAIL_INDEX?: string;
  };
  readonly 'pre-authentication'?: {
    readonly LOCKOUT_MAX_ATTEMPTS?: number;
    readonly LOCKOUT_WINDOW_SECONDS?: number;
    readonly LOCKOUT_BASE_SECONDS?: number;
    readonly LOCKOUT_MAX_SECONDS?: number;
    /** When the table does not answer in time. Binary default allow. */
    readonly LOCKOUT_ON_STORE_FAILURE?: 'allow' | 'deny';
  };
  readonly 'post-authentication'?: { readonly LOGIN_HISTORY_DAYS?: number };
  readonly 'post-confirmation'?: {
    readonly WELCOME_EMAIL_FROM?: string;
    readonly DEFAULT_GROUP?: string;
    /** The welcome e-mail's language for users whose own the catalogue lacks (`en` by default). */
    readonly DEFAULT_LOCALE?: string;
  };
  readonly 'pre-token-generation'?: {
    readonly SUPPRESS_CLAIMS?: string | readonly string[];
    readonly CLAIMS_FROM_PROFILE?: string | Readonly<Record<string, string>>;
    /**
     * V2 only. `group:scope scope;group:scope` (`admins:orders/write orders/read;editors:orders/read`),
     * or a record `{ admins: ['orders/write', 'orders/read'] }`.
     */
    readonly ACCESS_TOKEN_SCOPES_FROM_GROUPS?: string | Readonly<Record<string, string | readonly string[]>>;
    /**
     * Providers for which `email_verified` is repaired (only when the e-mail is the address the
     * provider verified at linking). Default: pre-signup's LINK_TRUSTED_PROVIDERS while it links;
     * unset: no repair, and no `AdminUpdateUserAttributes`.
     */
    readonly LINK_TRUSTED_PROVIDERS?: string | readonly string[];
    /**
     * V3_0 only: access-token claims for the client-credentials (machine-to-machine) tokens of each
     * app client, `{ [clientId]: { tenant: 'acme', tier: 3 } }` (keys may be `client.userPoolClientId`;
     * values any JSON but null), or the binary's JSON text. A client not named gets its tokens as
     * Cognito makes them.
     */
    readonly CLIENT_CREDENTIALS_CLAIMS?: string | Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;
    /** V3_0 only: claims removed from each client's machine tokens, `clientId:claim claim;clientId:claim` or a record. */
    readonly CLIENT_CREDENTIALS_SUPPRESS_CLAIMS?: string | Readonly<Record<string, string | readonly string[]>>;
    /** V3_0 only: scopes added to each client's machine tokens, `clientId:scope scope;clientId:scope` or a record. */
    readonly CLIENT_CREDENTIALS_SCOPES?: string | Readonly<Record<string, string | readonly string[]>>;
    /**
     * V3_0 only: scopes removed from each client's machine tokens (as CLIENT_CREDENTIALS_SCOPES).
     * A claim or scope both added and suppressed for a client is only suppressed.
     */
    readonly CLIENT_CREDENTIALS_SUPPRESS_SCOPES?: string | Readonly<Record<string, string | readonly string[]>>;
  };
  readonly 'custom-message'?: {
    /** The language for users whose own the catalogue lacks (`en` by default; `de`, `pt-BR` …). */
    readonly DEFAULT_LOCALE?: string;
    /** The pool verifies e-mail by link: sign-up and resend messages carry the link. */
    readonly VERIFICATION_BY_LINK?: boolean;
  };
  readonly 'user-migration'?: {
    /** The legacy password table (partition key `username`); required unless OLD_USER_POOL_ID is set. */
    readonly LEGACY_USERS_TABLE?: string;
    /** The pool users migrate from (`eu-west-1_AbC123`, this account); needs OLD_CLIENT_ID. */
    readonly OLD_USER_POOL_ID?: string;
    readonly OLD_CLIENT_ID?: string;
    readonly MIGRATION_BACKEND_ORDER?: string | readonly string[];
    readonly MIGRATE_ATTRIBUTES?: string | readonly string[];
    readonly PASSWORD_MIN_LENGTH?: number;
    readonly PASSWORD_REQUIRE_LOWERCASE?: boolean;
    readonly PASSWORD_REQUIRE_UPPERCASE?: boolean;
    readonly PASSWORD_REQUIRE_NUMBERS?: boolean;
    readonly PASSWORD_REQUIRE_SYMBOLS?: boolean;
    readonly DESIRED_DELIVERY_MEDIUMS?: string | readonly string[];
    readonly FORCE_ALIAS_CREATION?: boolean;
    /** `count` (default: failures count on the lockout record) or `check` (only refuse locked names). */
    /**
     * `count` (default): failed migration sign-ins count on the lockout record. `check`: only
     * refuse locked names, leaving the counting to pre-authentication — which counts names the
     * pool does not hold only when every app client prevents user-existence errors; synth refuses
     * `check` otherwise, and without pre-authentication.
     */
    readonly MIGRATION_LOCKOUT?: 'count' | 'check';
    /**
     * Forgot-password migrations per name (counted in both lockout modes: pre-authentication never
     * sees a reset). Binary defaults: 5 per 3600 s window, then 3600 s, doubling up to 86400 s.
     */
    readonly MIGRATION_RESET_MAX_ATTEMPTS?: number;
    readonly MIGRATION_RESET_WINDOW_SECONDS?: number;
    readonly MIGRATION_RESET_LOCK_SECONDS?: number;
    readonly MIGRATION_RESET_MAX_LOCK_SECONDS?: number;
    readonly LOCKOUT_MAX_ATTEMPTS?: number;
    readonly LOCKOUT_WINDOW_SECONDS?: number;
    readonly LOCKOUT_BASE_SECONDS?: number;
    readonly LOCKOUT_MAX_SECONDS?: number;
    readonly LEGACY_DUMMY_HASH?: string;
  };
  readonly 'custom-email-sender'?: {
    /** Required: the one plain address every message is sent from (`no-reply@example.com`), within `emailSender.identity`. */
    readonly EMAIL_FROM?: string;
    /** The SES configuration set to send with (1-64 letters, digits, `_`, `-`; this account and Region). Unset: none. */
    readonly EMAIL_CONFIGURATION_SET?: string;
    /** The language for users whose own the catalogue lacks (`en` by default). */
    readonly DEFAULT_LOCALE?: string;
  };
  readonly 'custom-sms-sender'?: {
    /** `AWS.SNS.SMS.SenderID`: 1-11 letters, digits or hyphens with at least one letter, where the country allows one. Unset: none. */
    readonly SMS_SENDER_ID?: string;
    /** `AWS.MM.SMS.OriginationNumber`: an E.164 number (`+14155550100`) or the ARN of a phone number or pool. Unset: SNS chooses. */
    readonly SMS_ORIGINATION_NUMBER?: string;
    /** The language for users whose own the catalogue lacks (`en` by default). */
    readonly DEFAULT_LOCALE?: string;
    /**
     * The SMS pumping guard: the calling codes numbers may have (`['1', '44']`, or `'1,44'`);
     * a number elsewhere is refused and counted. Unset: every country.
     */
    readonly SMS_ALLOWED_COUNTRY_CODES?: string | readonly string[];
    /** Number prefixes refused even where an allowed code matches (`['1876', '1809']`): a denied prefix wins. */
    readonly SMS_DENIED_PREFIXES?: string | readonly string[];
    /** Texts to one number per window, 0-1000 (0: no limit, and no table grant). Binary default 10. */
    readonly SMS_MAX_PER_NUMBER?: number;
    /** The per-number window, 60-86400 s. Binary default 3600. */
    readonly SMS_NUMBER_WINDOW_SECONDS?: number;
  };
  readonly 'define-auth-challenge'?: {
    /** Wrong answers a code sign-in may give before it fails: 1-3, binary default 3. */
    readonly SIGN_IN_CODE_MAX_ANSWERS?: number;
  };
  readonly 'create-auth-challenge'?: {
    /** Required: the sender of the sign-in code, a plain address covered by emailSender.identity. */
    readonly SIGN_IN_CODE_FROM?: string;
    /** Digits, 4-10 (default 6). */
    readonly SIGN_IN_CODE_LENGTH?: number;
    /** How long a code is valid, 60-3600 s (default 300). */
    readonly SIGN_IN_CODE_TTL_SECONDS?: number;
    /** Codes per user name per window (default 5 per 900 s), then none for the lock (default 900 s, doubling up to 3600 s). */
    readonly SIGN_IN_CODE_MAX_SENDS?: number;
    readonly SIGN_IN_CODE_SEND_WINDOW_SECONDS?: number;
    readonly SIGN_IN_CODE_LOCK_SECONDS?: number;
    readonly SIGN_IN_CODE_MAX_LOCK_SECONDS?: number;
    /** Send only to a verified address (default true); others walk the steps and get nothing. */
    readonly SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL?: boolean;
    /** The language for users whose own the catalogue lacks (as custom-message). */
    readonly DEFAULT_LOCALE?: string;
  };
  readonly 'verify-auth-challenge-response'?: Record<string, never>;
  readonly 'inbound-federation'?: {
    /**
     * Required. Per provider as the pool names it (or `*` for the rest): user-pool attribute ->
     * claim or SAML attribute, `a|b` for alternatives, `claim[]` for a groups list into a `custom:`
     * attribute. A record `{ CorpSAML: { email: 'http://…/emailaddress', 'custom:groups': 'http://…/groups[]' } }`
     * or the binary's text `CorpSAML: email=…, custom:groups=…[]; Google: email=email`.
     */
    readonly FEDERATION_ATTRIBUTE_MAP?: string | Readonly<Record<string, Readonly<Record<string, string>>>>;
    /**
     * Providers whose email_verified / phone_number_verified pass. Default: pre-signup's
     * LINK_TRUSTED_PROVIDERS while it links; unset: none pass.
     */
    readonly LINK_TRUSTED_PROVIDERS?: string | readonly string[];
    /** A provider without a mapping: `keep` (default: the pool's own mapping applies) or `deny`. */
    readonly UNMAPPED_PROVIDERS?: 'keep' | 'deny';
  };
  readonly 'signup-reminder'?: {
    /** Required: the sender of both e-mails, `no-reply@example.com` or `Example <no-reply@example.com>`. */
    readonly REMINDER_EMAIL_FROM?: string;
    /** The e-mails' language for users whose own the catalogue lacks (`en` by default). Subjects and texts: the catalogue. */
    readonly DEFAULT_LOCALE?: string;
    /** An https URL linked from both e-mails. Unset: no link. */
    readonly SIGNUP_URL?: string;
  };
}

/** Where a function runs inside a VPC. */
export interface VpcPlacement {
  readonly vpc: ec2.IVpc;
  /** Default: the VPC's private subnets with egress. */
  readonly subnets?: ec2.SubnetSelection;
  /** Default: one the construct creates (all outbound allowed, nothing inbound). */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
}

/** Function options a trigger takes from `functionDefaults` unless it has its own (`functionOptions`). */
export interface SharedFunctionOptions {
  /** Reserved concurrency (also its ceiling). Unset: the account's unreserved pool. */
  readonly reservedConcurrency?: number;
  /** Run inside a VPC (the role gets the ENI actions Lambda needs). */
  readonly vpc?: VpcPlacement;
  /** More layers (after the construct's own template and settings layers). */
  readonly layers?: readonly lambda.ILayerVersion[];
  /** A customer-managed key for the function's environment variables. Default: Lambda's AWS-managed key. */
  readonly environmentEncryption?: kms.IKey;
  /** STANDARD (default) or INFREQUENT_ACCESS (cheaper ingestion; no metric filters, no Live Tail). */
  readonly logGroupClass?: logs.LogGroupClass;
  /** This function's log retention. Default: the construct's `logRetention`. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Ship the function's settings as a JSON file in a layer of its own (`SETTINGS_FILE=/opt/.cognito-triggers/<binary>.json`)
   * instead of its environment, so large ones (domain lists, attribute maps, templates) escape
   * Lambda's 4 KB limit. Moved: every setting known at synth except `RUST_LOG`; resource names
   * and ARNs CloudFormation fills in stay in the environment. Never a secret: the settings hold
   * secret names and ARNs only. Default: false.
   */
  readonly settingsInLayer?: boolean;
}

export interface FunctionOptions extends SharedFunctionOptions {
  /**
   * MiB. Default: the construct's `memorySize`, but at least the binary's minimum (user-migration:
   * 1,024, which its password-hash bounds assume; less is refused).
   */
  readonly memorySize?: number;
  /**
   * At most 5 seconds; at most 10 seconds (MAX_ASYNC_TIMEOUT) for the asynchronous custom senders.
   * Default: the construct's `timeout`.
   */
  readonly timeout?: Duration;
}

export interface CognitoTriggersProps {
  readonly pool: PoolAttachment;
  /**
   * Whether the pool tells user names apart by letter case (Cognito's
   * `UsernameConfiguration.CaseSensitive`), handed as USER_NAMES_CASE_SENSITIVE to every function
   * that keys rows by user name.
   *
   * A pool in this app: the pool's own setting when it states one (this must then agree, or be
   * left out); otherwise this value, default `false`, and for `false` the construct sets the
   * pool's `UsernameConfiguration.CaseSensitive` (with a warning: a deployed pool cannot change it).
   * Two users whose names differ only in case are an account-takeover and lockout-bypass hazard,
   * and Cognito recommends case-insensitive pools (docs/deploy.md).
   *
   * An existing pool: the construct cannot read its rule, so the default is `true` (exact names,
   * the safe assumption); set it to match the pool.
   */
  readonly signInCaseSensitive?: boolean;
  /** The triggers to deploy and wire. Every other trigger is left out entirely. */
  readonly enabled: readonly TriggerName[];
  /** Per-trigger settings, checked at synth. */
  readonly settings?: TriggerSettings;
  /**
   * Settings the typed props do not know yet (for example a new setting of a binary), by
   * environment-variable name. Names the construct sets itself are refused.
   */
  readonly extraSettings?: Partial<Record<TriggerName, Readonly<Record<string, string>>>>;
  /** Directory holding `<binary>/bootstrap.zip` or `<binary>/bootstrap`. Default: `<repo>/target/lambda`. */
  readonly assetDirectory?: string;
  /** The reminder state machine's ASL file. Default: `<repo>/triggers/signup-reminder/state-machine.asl.json`. */
  readonly reminderDefinitionFile?: string;
  /**
   * A directory of message-template overrides (docs/message-templates.md), shipped as one Lambda
   * layer with every binary that renders the catalogue (`custom-message`, `custom-email-sender`,
   * `custom-sms-sender`, `create-auth-challenge`, `post-confirmation`, `signup-reminder`) and named to them by `MESSAGE_TEMPLATES_DIR`. Validate it
   * first with `make check-templates DIR=…`: the function validates it again at cold start and
   * fails init on a bad template. Default: the built-in templates only.
   */
  readonly messageTemplatesDirectory?: string;
  /**
   * The SES identity (a verified domain such as `example.com`, or an address) the functions send
   * from. Needed when `signup-reminder` is on (it always sends, from REMINDER_EMAIL_FROM) or a
   * setting that sends e-mail (WELCOME_EMAIL_FROM, EMAIL_FROM) is set; every such address must
   * belong to this identity. A pool in this app that states no e-mail configuration is set to
   * send its own messages through it too (EmailSendingAccount DEVELOPER, `from`).
   */
  readonly emailSender?: {
    readonly identity: string;
    /**
     * For a pool in this app that states no e-mail configuration of its own: the `From` of the
     * pool's own messages, which the construct then sends through this identity
     * (EmailSendingAccount DEVELOPER; without it Cognito ignores custom-message's e-mail body).
     * `Example <no-reply@example.com>` or a plain address of the identity. Default: the identity
     * when it is an address, else `no-reply@<identity>`.
     */
    readonly from?: string;
  };
  /**
   * Create a customer-managed policy for the operator commands of `triggers-admin` (OPERATOR_ACCESS
   * in ./triggers.ts: lockout records, reservations, user look-ups), for an operator's role to
   * attach. Only made when `pre-authentication` is on. Default true.
   */
  readonly operatorPolicy?: boolean;
  /**
   * RUST_LOG and Lambda's application log level. Default `info`. `trace` only with removalPolicy
   * DESTROY (a throwaway stack): a stack that keeps its data is a production stack, and trace
   * writes the most of what every invocation sees.
   */
  readonly logLevel?: LogLevel;
  /**
   * MiB for every function. Default 256 (CPU scales with memory; TLS set-up dominates a cold call
   * at 128), and 1,024 for user-migration (its password-hash bounds assume that CPU share). A value
   * below a binary's minimum is refused for that binary: give it its own in `functionOptions`.
   */
  readonly memorySize?: number;
  /** Function timeout, at most 5 s. Default 5 s. */
  readonly timeout?: Duration;
  readonly functionOptions?: Partial<Record<TriggerName, FunctionOptions>>;
  /** Options every function takes unless its `functionOptions` entry says otherwise (memory and timeout: `memorySize`, `timeout`). */
  readonly functionDefaults?: SharedFunctionOptions;
  /**
   * How custom-email-sender delivers (docs/triggers/custom-email-sender.md): `{ kind: 'ses' }`
   * (default), `{ kind: 'smtp', host, port, security, credentials, vpc }` or
   * `{ kind: 'sendgrid', apiKey, apiUrl }`. The role reads the provider's secret only (and its
   * customer-managed key); SES permissions only for SES.
   */
  readonly emailProvider?: EmailProvider;
  /**
   * How custom-sms-sender delivers: `{ kind: 'sns' }` (default) or
   * `{ kind: 'twilio', credentials, from | messagingServiceSid, apiUrl }`. SNS permissions only for SNS.
   */
  readonly smsProvider?: SmsProvider;
  /**
   * Alarms and a dashboard (docs/operations.md, "Alarms"). Default on; `false` creates none.
   */
  readonly monitoring?: false | MonitoringOptions;
  /**
   * X-Ray active tracing for every function (the role gets the X-Ray write actions). Default false.
   * The binaries add their AWS calls as spans when it is on (docs/operations.md).
   */
  readonly tracing?: boolean;
  /**
   * Gradual deployment of new versions through CodeDeploy, per trigger or for all (`'*'`), rolling
   * back on the function's alarms. Every function is published as a version behind the alias
   * `live` the pool invokes, with or without this. Default: none (a new version takes all traffic at once).
   */
  readonly deployment?: Partial<Record<TriggerName | '*', DeploymentStyle>>;
  /**
   * Time budget inside each function (trigger-core's TRIGGER_BUDGET_MS and SDK_* settings).
   * Unset values keep the binaries' defaults: budget 4.5 s, connect 300 ms, attempt 1 s,
   * operation 2.5 s, 2 attempts.
   */
  readonly budget?: {
    /** How long an invocation may take before the binary answers with its failure policy (TRIGGER_BUDGET_MS). */
    readonly invocation?: Duration;
    readonly connectTimeout?: Duration;
    readonly attemptTimeout?: Duration;
    readonly operationTimeout?: Duration;
    readonly maxAttempts?: number;
  };
  /**
   * Domain events (docs/events.md): `'create'` makes a bus in this stack, `{ existing }` names one
   * by ARN or name (this account and Region). The functions that publish get `events:PutEvents` on
   * that bus only, and EVENT_BUS_NAME. Unset: no events, no permission.
   */
  readonly eventBus?: 'create' | { readonly existing: string };
  /** The events' `source` (EVENT_SOURCE). Binary default `cognito-triggers`. */
  readonly eventSource?: string;
  /** false drops e-mail and phone from every event (EVENT_INCLUDE_CONTACT). Binary default true. */
  readonly eventIncludeContact?: boolean;
  /**
   * Pre token generation event version. Default V1_0 (ID token only). V2_0 adds the access token
   * of users; V3_0 also the client-credentials (machine-to-machine) tokens, which the
   * CLIENT_CREDENTIALS_* settings shape. V2_0 and V3_0 need the Essentials or Plus feature plan,
   * stated on the pool (`featurePlan`): refused at synth for LITE or a plan the construct cannot see.
   */
  readonly preTokenGenerationVersion?: PreTokenGenerationVersion;
  /** Use an existing table instead of creating one (must have the pk/sk/expiresAt layout). */
  readonly table?: dynamodb.ITable;
  /**
   * For the table, the KMS key and every log group. Default RETAIN. Anything but DESTROY counts
   * as a production stack (see `logLevel`).
   */
  readonly removalPolicy?: RemovalPolicy;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

/** How CodeDeploy shifts traffic to a new version of a function. */
export type DeploymentStyle = 'all-at-once' | 'canary-10-percent-5-minutes' | 'canary-10-percent-10-minutes' | 'linear-10-percent-every-1-minute' | 'linear-10-percent-every-2-minutes';

export interface MonitoringOptions {
  /**
   * Where alarms send (ALARM and OK). Default: a topic the construct creates, encrypted with a
   * customer-managed key (output `AlarmTopicArn`), for the team to subscribe to.
   */
  readonly alarmTopic?: sns.ITopic;
  /** Create the dashboard. Default true. */
  readonly dashboard?: boolean;
  /** The dashboard's name. Default: generated by CloudFormation. */
  readonly dashboardName?: string;
}

export interface DeployedTrigger {
  readonly binary: TriggerName;
  readonly function: lambda.Function;
  /** The alias `live` the pool invokes (the published version behind it). */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The LambdaConfig key it fills (PreTokenGenerationConfig for V2 and V3). */
  readonly slot?: string;
}
