/**
 * `CognitoTriggers`: deploys the workspace's trigger binaries next to a Cognito user pool, each
 * with its own role that holds only the actions its binary calls, on only the resources it touches.
 *
 * What each trigger needs comes from the table in `./triggers.ts`; this file turns enabled entries
 * into functions, roles, log groups and LambdaConfig wiring, plus the shared resources they need
 * (the DynamoDB table, the sign-up reminder state machine, the custom-sender KMS key).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Annotations,
  CfnOutput,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  aws_cognito as cognito,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  Access,
  IMMUTABLE_CLAIMS,
  LOCKOUT_DEFAULTS,
  LambdaConfigSlot,
  OPERATOR_ACCESS,
  PRE_SIGNUP_DEFAULTS,
  ResourceKind,
  TRIGGERS,
  TRIGGER_NAMES,
  TriggerName,
  managedSettingNames,
} from './triggers';
import { SettingValue, claimsOf, email, senderAddress, senderAddressOf } from './settings';

import { DEFAULT_ASSET_DIRECTORY, DEFAULT_REMINDER_DEFINITION } from './workspace';

export { DEFAULT_ASSET_DIRECTORY, DEFAULT_REMINDER_DEFINITION, REPO_ROOT } from './workspace';
/** The placeholder the ASL file uses for the reminder function's ARN (a DefinitionSubstitution). */
export const REMINDER_FUNCTION_PLACEHOLDER = 'SignupReminderFunctionArn';

/** Cognito abandons a synchronous trigger after 5 seconds; a longer timeout only burns money. */
export const MAX_TIMEOUT = Duration.seconds(5);

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

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
      /** The pool's feature plan; needed to allow V2 pre token generation (Essentials or Plus). */
      readonly featurePlan?: cognito.FeaturePlan;
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
    /** Seconds an unconfirmed sign-up holds its address (120-31536000). Binary default 604800 (7 days). */
    readonly PENDING_RESERVATION_SECONDS?: number;
    /** Seconds until the reminder e-mail (60-31536000), shorter than PENDING_RESERVATION_SECONDS. Binary default 86400. */
    readonly REMINDER_AFTER_SECONDS?: number;
    readonly LINK_FEDERATED_USERS?: boolean;
    /** `prefix:ProviderName` pairs (`corpsaml:CorpSAML`), or a record of them. */
    readonly FEDERATED_PROVIDER_NAMES?: string | Readonly<Record<string, string>>;
    /** When the table or Cognito does not answer in time. Binary default deny. */
    readonly ON_DEPENDENCY_FAILURE?: 'deny' | 'allow';
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
    readonly WELCOME_EMAIL_TEMPLATE?: string;
    readonly DEFAULT_GROUP?: string;
  };
  readonly 'pre-token-generation'?: {
    readonly SUPPRESS_CLAIMS?: string | readonly string[];
    readonly CLAIMS_FROM_PROFILE?: string | Readonly<Record<string, string>>;
    /**
     * V2 only. `group:scope scope;group:scope` (`admins:orders/write orders/read;editors:orders/read`),
     * or a record `{ admins: ['orders/write', 'orders/read'] }`.
     */
    readonly ACCESS_TOKEN_SCOPES_FROM_GROUPS?: string | Readonly<Record<string, string | readonly string[]>>;
  };
  readonly 'custom-message'?: Record<string, never>;
  readonly 'user-migration'?: Record<string, never>;
  readonly 'custom-email-sender'?: { readonly EMAIL_FROM?: string };
  readonly 'custom-sms-sender'?: Record<string, never>;
  readonly 'signup-reminder'?: {
    /** Required: the sender of both e-mails, `no-reply@example.com` or `Example <no-reply@example.com>`. */
    readonly REMINDER_EMAIL_FROM?: string;
    /** At most 200 characters. Binary default `Please confirm your sign-up`. */
    readonly REMINDER_EMAIL_SUBJECT?: string;
    /** At most 200 characters. Binary default `Your unconfirmed sign-up was removed`. */
    readonly EXPIRY_EMAIL_SUBJECT?: string;
    /** An https URL linked from both e-mails. Unset: no link. */
    readonly SIGNUP_URL?: string;
  };
}

export interface FunctionOptions {
  /** MiB. Default: the construct's `memorySize`. */
  readonly memorySize?: number;
  /** At most 5 seconds. Default: the construct's `timeout`. */
  readonly timeout?: Duration;
}

export interface CognitoTriggersProps {
  readonly pool: PoolAttachment;
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
   * The SES identity (a verified domain such as `example.com`, or an address) the functions send
   * from. Needed when `signup-reminder` is on (it always sends, from REMINDER_EMAIL_FROM) or a
   * setting that sends e-mail (WELCOME_EMAIL_FROM, EMAIL_FROM) is set; every such address must
   * belong to this identity.
   */
  readonly emailSender?: { readonly identity: string };
  /**
   * Create a customer-managed policy for the operator command `triggers-admin show|unlock`
   * (`dynamodb:GetItem` + `dynamodb:DeleteItem` on the table, `cognito-idp:AdminGetUser` on the
   * pool), for an operator's role to attach. Only made when `pre-authentication` is on (the
   * lockout records it manages exist only then). Default true.
   */
  readonly operatorPolicy?: boolean;
  /** RUST_LOG and Lambda's application log level. Default `info`. */
  readonly logLevel?: LogLevel;
  /** MiB for every function. Default 256 (CPU scales with memory; TLS set-up dominates a cold call at 128). */
  readonly memorySize?: number;
  /** Function timeout, at most 5 s. Default 5 s. */
  readonly timeout?: Duration;
  readonly functionOptions?: Partial<Record<TriggerName, FunctionOptions>>;
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
  /** Pre token generation event version. Default V1_0; V2_0 needs the Essentials or Plus feature plan. */
  readonly preTokenGenerationVersion?: 'V1_0' | 'V2_0';
  /** Use an existing table instead of creating one (must have the pk/sk/expiresAt layout). */
  readonly table?: dynamodb.ITable;
  /** For the table, the KMS key and every log group. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

const OPERATION: Record<Exclude<LambdaConfigSlot, 'CustomEmailSender' | 'CustomSMSSender'>, cognito.UserPoolOperation> = {
  PreSignUp: cognito.UserPoolOperation.PRE_SIGN_UP,
  PreAuthentication: cognito.UserPoolOperation.PRE_AUTHENTICATION,
  PostAuthentication: cognito.UserPoolOperation.POST_AUTHENTICATION,
  PostConfirmation: cognito.UserPoolOperation.POST_CONFIRMATION,
  PreTokenGeneration: cognito.UserPoolOperation.PRE_TOKEN_GENERATION,
  CustomMessage: cognito.UserPoolOperation.CUSTOM_MESSAGE,
  UserMigration: cognito.UserPoolOperation.USER_MIGRATION,
};

const LOG_LEVELS: Record<LogLevel, lambda.ApplicationLogLevel> = {
  error: lambda.ApplicationLogLevel.ERROR,
  warn: lambda.ApplicationLogLevel.WARN,
  info: lambda.ApplicationLogLevel.INFO,
  debug: lambda.ApplicationLogLevel.DEBUG,
  trace: lambda.ApplicationLogLevel.TRACE,
};

// Lambda reserves these (and AWS_*): https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
const RESERVED_ENV = /^(AWS_|LAMBDA_|_HANDLER$|_X_AMZN_TRACE_ID$)/;

export interface DeployedTrigger {
  readonly binary: TriggerName;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The LambdaConfig key it fills (PreTokenGenerationConfig for V2). */
  readonly slot?: string;
}

export class CognitoTriggers extends Construct {
  /** Deployed functions by binary name. */
  public readonly triggers: Partial<Record<TriggerName, DeployedTrigger>> = {};
  public readonly table?: dynamodb.ITable;
  public readonly reminderStateMachine?: sfn.StateMachine;
  public readonly senderKey?: kms.Key;
  /** What `triggers-admin` needs (see `operatorPolicy`); undefined when not created. */
  public readonly operatorPolicy?: iam.ManagedPolicy;
  /** The pool's ARN as the roles see it. */
  public readonly userPoolArn: string;

  private readonly props: CognitoTriggersProps;
  private readonly enabled: ReadonlySet<TriggerName>;
  private readonly removalPolicy: RemovalPolicy;
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: CognitoTriggersProps) {
    super(scope, id);
    this.props = props;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.enabled = this.checkEnabled(props.enabled);
    this.checkBudget();
    this.checkTokenVersion();

    const stack = Stack.of(this);
    if ('userPool' in props.pool) {
      if (Stack.of(props.pool.userPool) !== stack) {
        throw new Error(
          'CognitoTriggers: the user pool must be in the same stack as the triggers (its LambdaConfig and the ' +
            'functions reference each other); for a pool deployed elsewhere use { existingUserPoolId }',
        );
      }
      this.userPoolArn = props.pool.userPool.userPoolArn;
    } else {
      const poolId = props.pool.existingUserPoolId;
      if (!Token.isUnresolved(poolId) && !/^[\w-]+_[0-9a-zA-Z]+$/.test(poolId)) {
        throw new Error(`CognitoTriggers: existingUserPoolId ${JSON.stringify(poolId)} is not a user pool id (region_xxxxxxxxx)`);
      }
      // The ARN is built in the stack's Region: a pool id names its own Region, so they must agree.
      const poolRegion = Token.isUnresolved(poolId) ? undefined : poolId.slice(0, poolId.indexOf('_'));
      if (poolRegion && !Token.isUnresolved(stack.region) && poolRegion !== stack.region) {
        throw new Error(`CognitoTriggers: pool ${poolId} is in ${poolRegion} but the stack deploys to ${stack.region}; deploy the triggers in the pool's Region`);
      }
      this.userPoolArn = stack.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: poolId });
    }

    const needs = (kind: ResourceKind) =>
      [...this.enabled].some((t) => TRIGGERS[t].access.some((a) => a.resource === kind));

    if (needs('table')) this.table = props.table ?? this.createTable();
    if (needs('senderKey')) this.senderKey = this.createSenderKey();

    // The reminder function must exist before its state machine, and the state machine before
    // pre-signup (which receives its ARN).
    const order = [...this.enabled].sort((a, b) => Number(b === 'signup-reminder') - Number(a === 'signup-reminder'));
    for (const binary of order) {
      const deployed = this.deploy(binary);
      this.triggers[binary] = deployed;
      if (binary === 'signup-reminder') this.reminderStateMachine = this.createReminderStateMachine(deployed.function);
    }
    for (const binary of order) this.wire(this.triggers[binary]!);
    if (props.operatorPolicy !== false && this.enabled.has('pre-authentication')) this.operatorPolicy = this.createOperatorPolicy();
    this.warnUnusedSettings();
  }

  // ---------------------------------------------------------------- checks

  private checkEnabled(enabled: readonly TriggerName[]): ReadonlySet<TriggerName> {
    const set = new Set<TriggerName>();
    for (const t of enabled) {
      if (!(TRIGGER_NAMES as readonly string[]).includes(t)) {
        throw new Error(`CognitoTriggers: unknown trigger ${JSON.stringify(t)}; known: ${TRIGGER_NAMES.join(', ')}`);
      }
      if (set.has(t)) throw new Error(`CognitoTriggers: trigger ${t} is listed twice`);
      set.add(t);
    }
    return set;
  }

  private checkBudget() {
    const check = (what: string, d: Duration | undefined) => {
      if (d && d.toMilliseconds() > MAX_TIMEOUT.toMilliseconds()) {
        throw new Error(`CognitoTriggers: ${what} is ${d.toHumanString()}; Cognito abandons a trigger after 5 seconds, so at most 5 seconds`);
      }
      if (d && d.toMilliseconds() < 1000) throw new Error(`CognitoTriggers: ${what} must be at least 1 second`);
    };
    check('timeout', this.props.timeout);
    for (const [t, o] of Object.entries(this.props.functionOptions ?? {})) check(`functionOptions.${t}.timeout`, o?.timeout);

    const b = this.props.budget;
    if (!b) return;
    const shortest = Math.min(
      (this.props.timeout ?? MAX_TIMEOUT).toMilliseconds(),
      ...Object.values(this.props.functionOptions ?? {}).map((o) => o?.timeout?.toMilliseconds() ?? Infinity),
    );
    // Ranges as trigger-core checks them at cold start, plus: everything fits the function timeout.
    const range = (what: string, d: Duration | undefined, min: number, max: number) => {
      const ms = d?.toMilliseconds();
      if (ms !== undefined && (ms < min || ms > Math.min(max, shortest))) {
        throw new Error(`CognitoTriggers: budget.${what} is ${ms} ms; it must be from ${min} to ${Math.min(max, shortest)} ms (the function timeout is ${shortest} ms)`);
      }
      return ms;
    };
    range('invocation', b.invocation, 100, 5_000);
    range('connectTimeout', b.connectTimeout, 50, 4_000);
    const attempt = range('attemptTimeout', b.attemptTimeout, 100, 4_500);
    const op = range('operationTimeout', b.operationTimeout, 100, 4_800);
    if ((attempt ?? 1_000) > (op ?? 2_500)) {
      throw new Error(`CognitoTriggers: budget.attemptTimeout (${attempt ?? 1_000} ms) must not exceed budget.operationTimeout (${op ?? 2_500} ms)`);
    }
    if (b.maxAttempts !== undefined && (!Number.isInteger(b.maxAttempts) || b.maxAttempts < 1 || b.maxAttempts > 5)) {
      throw new Error(`CognitoTriggers: budget.maxAttempts must be an integer from 1 to 5, got ${b.maxAttempts}`);
    }
  }

  /** V2 pre token generation needs the Essentials or Plus plan: refuse what Cognito would reject. */
  private checkTokenVersion() {
    const version = this.props.preTokenGenerationVersion ?? 'V1_0';
    if (version !== 'V1_0' && version !== 'V2_0') {
      throw new Error(`CognitoTriggers: preTokenGenerationVersion must be V1_0 or V2_0, got ${JSON.stringify(version)}`);
    }
    const scopes = this.props.settings?.['pre-token-generation']?.ACCESS_TOKEN_SCOPES_FROM_GROUPS;
    if (version === 'V1_0' && scopes !== undefined) {
      throw new Error('CognitoTriggers: ACCESS_TOKEN_SCOPES_FROM_GROUPS needs preTokenGenerationVersion V2_0 (V1 events cannot change scopes)');
    }
    if (version !== 'V2_0' || !this.enabled.has('pre-token-generation')) return;
    let plan: string | undefined;
    let where: string;
    if ('userPool' in this.props.pool) {
      const cfn = this.props.pool.userPool.node.defaultChild as cognito.CfnUserPool;
      // Unset on a new pool means Cognito's default for new pools: Essentials.
      plan = cfn.userPoolTier ?? cognito.FeaturePlan.ESSENTIALS;
      where = 'the user pool';
    } else {
      plan = this.props.pool.featurePlan;
      where = 'existingUserPool featurePlan';
      if (plan === undefined) {
        throw new Error(
          'CognitoTriggers: preTokenGenerationVersion V2_0 needs the Essentials or Plus feature plan; ' +
            'state the existing pool\'s plan with { existingUserPoolId, featurePlan }',
        );
      }
    }
    if (Token.isUnresolved(plan)) return;
    if (plan !== cognito.FeaturePlan.ESSENTIALS && plan !== cognito.FeaturePlan.PLUS) {
      throw new Error(
        `CognitoTriggers: preTokenGenerationVersion V2_0 needs the Essentials or Plus feature plan, but ${where} is ${plan}; ` +
          'use V1_0 or change the plan',
      );
    }
  }

  private warnUnusedSettings() {
    const given = { ...(this.props.settings ?? {}), ...(this.props.extraSettings ?? {}) } as Record<string, unknown>;
    for (const t of Object.keys(given)) {
      if (!(TRIGGER_NAMES as readonly string[]).includes(t)) throw new Error(`CognitoTriggers: settings for unknown trigger ${JSON.stringify(t)}`);
      if (!this.enabled.has(t as TriggerName)) {
        Annotations.of(this).addWarningV2('cognito-triggers:settings-for-disabled', `settings given for ${t}, which is not enabled: they are ignored`);
      }
    }
  }

  // ---------------------------------------------------------------- settings

  /** The trigger's environment: user settings (checked), extra settings, shared settings. Managed ones come later. */
  private userEnvironment(binary: TriggerName): Record<string, string> {
    const spec = TRIGGERS[binary];
    const env: Record<string, string> = {};
    const typed = ((this.props.settings ?? {}) as Record<string, Record<string, SettingValue | undefined> | undefined>)[binary] ?? {};
    for (const [name, value] of Object.entries(typed)) {
      if (value === undefined) continue;
      const kind = spec.settings[name];
      if (!kind) {
        throw new Error(`CognitoTriggers: ${binary} has no setting ${name}; its settings: ${Object.keys(spec.settings).join(', ') || '(none)'}`);
      }
      env[name] = kind.render(name, value);
    }
    const managed = managedSettingNames();
    for (const [name, value] of Object.entries(this.props.extraSettings?.[binary] ?? {})) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name) || RESERVED_ENV.test(name)) {
        throw new Error(`CognitoTriggers: extra setting name ${JSON.stringify(name)} for ${binary} is not an allowed environment variable name`);
      }
      if (managed.has(name)) throw new Error(`CognitoTriggers: ${name} is set by the construct; do not pass it for ${binary}`);
      if (name in spec.settings) throw new Error(`CognitoTriggers: ${name} is a typed setting of ${binary}; pass it in settings`);
      if (typeof value !== 'string') throw new Error(`CognitoTriggers: extra setting ${name} for ${binary} must be a string`);
      env[name] = value;
    }
    for (const name of spec.required ?? []) {
      if (env[name] === undefined) {
        throw new Error(
          `CognitoTriggers: ${binary} is enabled but ${name} is not set; the binary does not start without it. ` +
            `Set settings['${binary}'].${name} (docs/triggers/${binary}.md)`,
        );
      }
    }
    // Pairs the binaries check against each other at cold start, with their defaults for an unset side.
    if (binary === 'pre-authentication') {
      const { value: base, shown: baseShown } = effective(env, 'LOCKOUT_BASE_SECONDS', LOCKOUT_DEFAULTS);
      const { value: max, shown: maxShown } = effective(env, 'LOCKOUT_MAX_SECONDS', LOCKOUT_DEFAULTS);
      if (base > max) {
        throw new Error(
          `CognitoTriggers: LOCKOUT_BASE_SECONDS (${baseShown}) must not exceed LOCKOUT_MAX_SECONDS (${maxShown}); ` +
            'pre-authentication would refuse to start',
        );
      }
    }
    if (binary === 'pre-signup') {
      const { value: remind, shown: remindShown } = effective(env, 'REMINDER_AFTER_SECONDS', PRE_SIGNUP_DEFAULTS);
      const { value: pending, shown: pendingShown } = effective(env, 'PENDING_RESERVATION_SECONDS', PRE_SIGNUP_DEFAULTS);
      if (remind >= pending) {
        throw new Error(
          `CognitoTriggers: REMINDER_AFTER_SECONDS (${remindShown}) must be shorter than PENDING_RESERVATION_SECONDS ` +
            `(${pendingShown}): the reminder must go out before the unconfirmed sign-up expires; pre-signup would refuse to start`,
        );
      }
    }
    if (binary === 'pre-token-generation') {
      const touched = [
        ...(env.SUPPRESS_CLAIMS ? claimsOf('list', env.SUPPRESS_CLAIMS) : []),
        ...(env.CLAIMS_FROM_PROFILE ? claimsOf('map', env.CLAIMS_FROM_PROFILE) : []),
      ];
      const bad = touched.filter((c) => (IMMUTABLE_CLAIMS as readonly string[]).includes(c));
      if (bad.length > 0) throw new Error(`CognitoTriggers: Cognito does not allow a trigger to change the claim(s) ${bad.join(', ')}`);
    }
    const level = this.props.logLevel ?? 'info';
    if (!(level in LOG_LEVELS)) throw new Error(`CognitoTriggers: logLevel must be one of ${Object.keys(LOG_LEVELS).join(', ')}`);
    env.RUST_LOG = level;
    const b = this.props.budget;
    if (b?.invocation) env.TRIGGER_BUDGET_MS = String(b.invocation.toMilliseconds());
    if (b?.connectTimeout) env.SDK_CONNECT_TIMEOUT_MS = String(b.connectTimeout.toMilliseconds());
    if (b?.attemptTimeout) env.SDK_ATTEMPT_TIMEOUT_MS = String(b.attemptTimeout.toMilliseconds());
    if (b?.operationTimeout) env.SDK_OPERATION_TIMEOUT_MS = String(b.operationTimeout.toMilliseconds());
    if (b?.maxAttempts !== undefined) env.SDK_MAX_ATTEMPTS = String(b.maxAttempts);
    return env;
  }

  // ---------------------------------------------------------------- resources

  private createTable(): dynamodb.Table {
    return new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: this.removalPolicy,
    });
  }

  private createSenderKey(): kms.Key {
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'SenderKey', {
      description: 'Cognito encrypts custom-sender codes with this key; the sender functions decrypt them',
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
    });
    // For a pool in this stack the exact ARN would make a cycle (pool -> key -> pool): allow this
    // account's pools in this Region. For an existing pool, allow exactly that pool.
    const sourceArn =
      'userPool' in this.props.pool
        ? stack.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' })
        : this.userPoolArn;
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CognitoEncryptsCustomSenderCodes',
        principals: [new iam.ServicePrincipal('cognito-idp.amazonaws.com')],
        actions: ['kms:CreateGrant', 'kms:Encrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': sourceArn },
        },
      }),
    );
    return key;
  }

  private createReminderStateMachine(fn: lambda.Function): sfn.StateMachine {
    const file = this.props.reminderDefinitionFile ?? DEFAULT_REMINDER_DEFINITION;
    if (!fs.existsSync(file)) {
      throw new Error(`CognitoTriggers: signup-reminder is enabled but its state machine definition ${file} does not exist`);
    }
    const text = fs.readFileSync(file, 'utf8');
    let parsed: { StartAt?: unknown; States?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`CognitoTriggers: ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof parsed.StartAt !== 'string' || typeof parsed.States !== 'object') {
      throw new Error(`CognitoTriggers: ${file} is not an ASL definition (StartAt and States are required)`);
    }
    if (!text.includes('${' + REMINDER_FUNCTION_PLACEHOLDER + '}')) {
      throw new Error(
        `CognitoTriggers: ${file} must invoke the reminder function as \${${REMINDER_FUNCTION_PLACEHOLDER}} ` +
          '(the construct substitutes the deployed ARN)',
      );
    }
    const logGroup = new logs.LogGroup(this, 'ReminderStateMachineLogs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch
      // Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}-signup-reminder`,
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    const sm = new sfn.StateMachine(this, 'ReminderStateMachine', {
      comment: 'Sign-up reminder: wait, remind, wait, expire an unconfirmed user',
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: { [REMINDER_FUNCTION_PLACEHOLDER]: fn.functionArn },
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Execution data carries e-mail addresses: log events, not payloads.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    sm.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'InvokeSignupReminder', actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    );
    Validations.of(sm.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for state machine logging and tracing: the CloudWatch Logs delivery actions ' +
        '(logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, ' +
        'PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, ' +
        'PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level permissions, so AWS requires "*"',
    });
    new CfnOutput(this, 'ReminderStateMachineArn', { value: sm.stateMachineArn, description: 'Sign-up reminder state machine' });
    return sm;
  }

  /** The customer-managed policy for `triggers-admin` (OPERATOR_ACCESS), attached to nothing. */
  private createOperatorPolicy(): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'triggers-admin show|unlock: read and delete lockout records, resolve user names in the pool',
      statements: OPERATOR_ACCESS.map(
        (access) =>
          new iam.PolicyStatement({
            sid: statementId(access.resource),
            actions: [...access.actions],
            resources: [this.resourceArn(access.resource, 'pre-authentication')],
          }),
      ),
    });
    new CfnOutput(this, 'OperatorPolicyArn', {
      value: policy.managedPolicyArn,
      description: 'Attach to the role that runs triggers-admin show|unlock (docs/deploy.md)',
    });
    new CfnOutput(this, 'TableName', { value: this.table!.tableName, description: 'TABLE_NAME for triggers-admin' });
    return policy;
  }

  private code(binary: TriggerName): lambda.Code {
    const dir = path.join(this.props.assetDirectory ?? DEFAULT_ASSET_DIRECTORY, binary);
    const zip = path.join(dir, 'bootstrap.zip');
    const exe = path.join(dir, 'bootstrap');
    if (fs.existsSync(zip)) return lambda.Code.fromAsset(zip);
    if (fs.existsSync(exe)) {
      checkArm64(exe, binary);
      return lambda.Code.fromAsset(dir, { exclude: ['*', '!bootstrap'] });
    }
    throw new Error(
      `CognitoTriggers: no build of ${binary}: expected ${zip} or ${exe}. ` +
        'Run `make infra-lambdas` (cargo lambda build --release --arm64 --output-format zip), ' +
        'or point assetDirectory (-c lambdaAssets=DIR) at a directory that has them.',
    );
  }

  private resourceArn(kind: ResourceKind, binary: TriggerName): string {
    switch (kind) {
      case 'userPool':
        return this.userPoolArn;
      case 'table':
        return this.table!.tableArn;
      case 'reminderStateMachine':
        return this.reminderStateMachine!.stateMachineArn;
      case 'senderKey':
        return this.senderKey!.keyArn;
      case 'emailIdentity': {
        const identity = this.props.emailSender?.identity;
        if (!identity) throw new Error(`CognitoTriggers: ${binary} sends e-mail: set emailSender.identity (the verified SES identity)`);
        return Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: identity });
      }
    }
  }

  private resourceValue(kind: ResourceKind): string {
    switch (kind) {
      case 'table':
        return this.table!.tableName;
      case 'reminderStateMachine':
        return this.reminderStateMachine!.stateMachineArn;
      case 'senderKey':
        return this.senderKey!.keyArn;
      default:
        throw new Error(`CognitoTriggers: no setting carries a ${kind}`);
    }
  }

  /** Every address a trigger sends from must belong to emailSender.identity (SES authorizes by identity). */
  private checkSenderAddresses(binary: TriggerName, env: Record<string, string>) {
    const identity = this.props.emailSender?.identity;
    const senders = Object.entries(TRIGGERS[binary].settings).filter(([, kind]) => kind === email || kind === senderAddress);
    for (const [name] of senders) {
      const from = env[name] === undefined ? undefined : senderAddressOf(env[name]);
      if (from === undefined || identity === undefined || Token.isUnresolved(from) || Token.isUnresolved(identity)) continue;
      const domain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
      const id = identity.toLowerCase();
      const ok = id.includes('@') ? from.toLowerCase() === id : domain === id || domain.endsWith('.' + id);
      if (!ok) throw new Error(`CognitoTriggers: ${binary} ${name}=${from} is not covered by the SES identity ${identity}`);
    }
  }

  // ---------------------------------------------------------------- functions

  private deploy(binary: TriggerName): DeployedTrigger {
    const spec = TRIGGERS[binary];
    const id = pascal(binary);
    const env = this.userEnvironment(binary);
    const ctx = { reminderEnabled: this.enabled.has('signup-reminder') };
    const options = this.props.functionOptions?.[binary] ?? {};

    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });

    // Statements that do not reference a pool in this stack live in the role's inline policy, so
    // they exist before the function does. Statements on a pool in this stack go into a separate
    // policy attached after the pool: the pool depends on the function (LambdaConfig), the
    // function on its role, so a role that referenced the pool would close a cycle.
    const inline: iam.PolicyStatement[] = [
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's ARN attribute ends in ":*" (its log streams): this group only.
        resources: [logGroup.logGroupArn],
      }),
    ];
    const onPool: iam.PolicyStatement[] = [];
    for (const access of spec.access) {
      if (access.when && !access.when(env, ctx)) continue;
      const statement = new iam.PolicyStatement({
        sid: statementId(access.resource),
        actions: actionsOf(access, env, ctx),
        resources: [this.resourceArn(access.resource, binary)],
      });
      if (access.resource === 'userPool' && 'userPool' in this.props.pool) onPool.push(statement);
      else inline.push(statement);
      if (access.env) env[access.env] = this.resourceValue(access.resource);
    }
    this.checkSenderAddresses(binary, env);

    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${binary} trigger: only the calls its binary makes`,
      inlinePolicies: { [`${id}Runtime`]: new iam.PolicyDocument({ statements: inline }) },
    });
    if (onPool.length > 0) {
      new iam.Policy(this, `${id}UserPoolAccess`, { roles: [role], statements: onPool });
    }

    const fn = new lambda.Function(this, `${id}Function`, {
      description: `Cognito ${binary} trigger: ${spec.summary}`.slice(0, 256),
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: this.code(binary),
      role,
      memorySize: options.memorySize ?? this.props.memorySize ?? 256,
      timeout: options.timeout ?? this.props.timeout ?? MAX_TIMEOUT,
      environment: env,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: LOG_LEVELS[this.props.logLevel ?? 'info'],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      logGroup,
    });
    new CfnOutput(this, `${id}FunctionArn`, {
      value: fn.functionArn,
      description: spec.slot ? `${binary}: set as LambdaConfig ${this.slotFor(binary)}` : `${binary}: run by the reminder state machine`,
    });
    return { binary, function: fn, role, logGroup, slot: this.slotFor(binary) };
  }

  private slotFor(binary: TriggerName): string | undefined {
    const slot = TRIGGERS[binary].slot;
    if (slot === 'PreTokenGeneration' && (this.props.preTokenGenerationVersion ?? 'V1_0') === 'V2_0') return 'PreTokenGenerationConfig';
    return slot;
  }

  /** Puts the function into the pool's LambdaConfig (pool in this stack) or lets the existing pool invoke it. */
  private wire(t: DeployedTrigger) {
    const slot = TRIGGERS[t.binary].slot;
    if (!slot) return;
    const principal = new iam.ServicePrincipal('cognito-idp.amazonaws.com');
    if (!('userPool' in this.props.pool)) {
      t.function.addPermission('InvokedByUserPool', {
        principal,
        sourceArn: this.userPoolArn,
        sourceAccount: Stack.of(this).account,
      });
      return;
    }
    const pool = this.props.pool.userPool;
    if (slot === 'CustomEmailSender' || slot === 'CustomSMSSender') {
      // UserPool.addTrigger() insists on a key given at pool construction; the key is ours.
      const cfn = pool.node.defaultChild as cognito.CfnUserPool;
      t.function.addPermission('InvokedByUserPool', { principal, sourceArn: pool.userPoolArn });
      cfn.addPropertyOverride(`LambdaConfig.${slot}`, { LambdaArn: t.function.functionArn, LambdaVersion: 'V1_0' });
      cfn.addPropertyOverride('LambdaConfig.KMSKeyID', this.senderKey!.keyArn);
      return;
    }
    if (slot === 'PreTokenGeneration' && this.props.preTokenGenerationVersion === 'V2_0') {
      pool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, t.function, cognito.LambdaVersion.V2_0);
      return;
    }
    pool.addTrigger(OPERATION[slot], t.function);
  }
}

function pascal(binary: string): string {
  return binary.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

/** An entry's actions plus those of its conditional parts that apply. */
function actionsOf(access: Access, env: Readonly<Record<string, string>>, ctx: { reminderEnabled: boolean }): string[] {
  return [...access.actions, ...(access.conditional ?? []).filter((c) => c.when(env, ctx)).flatMap((c) => c.actions)];
}

/** A numeric setting as the binary will see it: the value given, or its default. */
function effective<K extends string>(env: Readonly<Record<string, string>>, name: K, defaults: Readonly<Record<K, number>>) {
  // Integer settings are rendered from plain numbers (a token fails their range check), so never unresolved here.
  const given = env[name];
  if (given === undefined) return { value: defaults[name], shown: `${defaults[name]}, the default` };
  return { value: Number(given), shown: given };
}

/** One statement per resource kind: the Sid names the resource (UserPool, Table, ...). */
function statementId(resource: ResourceKind): string {
  return resource.charAt(0).toUpperCase() + resource.slice(1);
}

/** Refuses an x86-64 build (Lambda would fail with "exec format error" at the first sign-up). */
function checkArm64(file: string, binary: string) {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(20);
    const n = fs.readSync(fd, head, 0, 20, 0);
    if (n < 20 || head.readUInt32BE(0) !== 0x7f454c46) return; // not ELF: a test stand-in
    const machine = head[5] === 1 ? head.readUInt16LE(18) : head.readUInt16BE(18);
    if (machine !== 0xb7) {
      throw new Error(`CognitoTriggers: ${file} is not an arm64 (aarch64) binary; build ${binary} with cargo lambda build --release --arm64`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

