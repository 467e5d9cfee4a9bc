/**
 * Synth-time checks of `CognitoTriggersProps`, and each trigger's environment built from its
 * settings: everything a binary would refuse at cold start, refused at `cdk synth` instead, with a
 * message that names the prop to change. Nothing here creates a resource.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Token, aws_cognito as cognito } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CognitoTriggersProps, LOG_LEVELS, MAX_ASYNC_TIMEOUT, MAX_TIMEOUT, PRE_TOKEN_GENERATION_VERSIONS, PoolAttachment } from './props';
import { emailProviderWiring, smsProviderWiring } from './providers';
import { SettingValue, claimsOf, clientClaimsOf, email, providersMappingVerifiedFlags, senderAddress, senderAddressOf } from './settings';
import {
  CLIENT_CREDENTIALS_SETTINGS,
  CLIENT_TOKEN_MANAGED_CLAIMS,
  GROUP_CLAIMS,
  IMMUTABLE_CLAIMS,
  LOCAL_ONLY_SETTINGS,
  LOCKOUT_DEFAULTS,
  MIGRATION_RESET_DEFAULTS,
  PRE_SIGNUP_DEFAULTS,
  RETIRED_SETTINGS,
  SIGN_IN_CODE_DEFAULTS,
  TRIGGERS,
  TRIGGER_NAMES,
  TriggerName,
  USER_NAMES_CASE_SENSITIVE,
  managedSettingNames,
} from './triggers';

// Lambda reserves these (and AWS_*): https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
const RESERVED_ENV = /^(AWS_|LAMBDA_|_HANDLER$|_X_AMZN_TRACE_ID$)/;

/** Every check on the props that needs no resource; returns the enabled triggers. */
export function checkProps(props: CognitoTriggersProps): ReadonlySet<TriggerName> {
  const enabled = checkEnabled(props.enabled);
  checkBudget(props);
  for (const binary of enabled) memorySizeOf(props, binary);
  checkTokenVersion(props, enabled);
  checkLogLevel(props);
  checkMigrationLockout(props, enabled);
  return enabled;
}

/** The construct's default memory (MiB): enough that TLS set-up does not dominate a cold call (at 128 it does). */
const DEFAULT_MEMORY_MIB = 256;

/**
 * A function's memory: its `functionOptions` value, else the construct's `memorySize`, else the
 * default raised to the binary's minimum. A configured value below the minimum is refused (the
 * binary's time bounds would not hold), naming the prop that set it.
 */
export function memorySizeOf(props: CognitoTriggersProps, binary: TriggerName): number {
  const own = props.functionOptions?.[binary]?.memorySize;
  const minimum = TRIGGERS[binary].minimumMemory;
  const size = own ?? props.memorySize ?? Math.max(DEFAULT_MEMORY_MIB, minimum?.mib ?? 0);
  if (minimum && size < minimum.mib) {
    const where =
      own !== undefined
        ? `functionOptions['${binary}'].memorySize is ${own}`
        : `memorySize is ${size}, which ${binary} inherits; give it its own: functionOptions['${binary}'].memorySize`;
    throw new Error(`CognitoTriggers: ${binary} needs at least ${minimum.mib} MB (${minimum.why}), but ${where}`);
  }
  return size;
}

/** The pool's case rule as the construct applies it. */
export interface CaseRule {
  /** USER_NAMES_CASE_SENSITIVE of the binaries that key rows by user name. */
  readonly caseSensitive: boolean;
  /**
   * The construct writes `UsernameConfiguration.CaseSensitive: false` into the pool in this app,
   * which states no rule of its own. Never `true`: a pool without the property is case-sensitive
   * already, and adding it to a deployed pool's template would be a change Cognito cannot make.
   */
  readonly setOnPool: boolean;
}

/**
 * The pool's case rule (`signInCaseSensitive`). A pool in this app: its own stated rule wins and
 * the prop must agree with it; otherwise the prop, default false (case-insensitive). An existing
 * pool: the prop, default true — the construct cannot read the rule, and exact names are the safe
 * assumption (it only keeps case variants of an unknown name apart, never merges two users).
 */
export function caseRuleOf(props: CognitoTriggersProps): CaseRule {
  const wanted = props.signInCaseSensitive;
  if (wanted !== undefined && typeof wanted !== 'boolean') {
    throw new Error(`CognitoTriggers: signInCaseSensitive must be true or false, got ${JSON.stringify(wanted)}`);
  }
  if (!('userPool' in props.pool)) return { caseSensitive: wanted ?? true, setOnPool: false };
  const cfn = props.pool.userPool.node.defaultChild as cognito.CfnUserPool;
  const config = cfn.usernameConfiguration;
  const stated = config === undefined || Token.isUnresolved(config) ? config : (config as cognito.CfnUserPool.UsernameConfigurationProperty).caseSensitive;
  if (stated === undefined) {
    const caseSensitive = wanted ?? false;
    return { caseSensitive, setOnPool: !caseSensitive };
  }
  if (typeof stated !== 'boolean') {
    if (wanted === undefined) {
      throw new Error(
        "CognitoTriggers: the user pool's UsernameConfiguration.CaseSensitive is not known at synth; " +
          'state the same rule in signInCaseSensitive (the functions must compare names as the pool does)',
      );
    }
    return { caseSensitive: wanted, setOnPool: false };
  }
  if (wanted !== undefined && wanted !== stated) {
    throw new Error(
      `CognitoTriggers: signInCaseSensitive is ${wanted} but the user pool states signInCaseSensitive ${stated}; ` +
        'Cognito cannot change it on a deployed pool: leave signInCaseSensitive out (the pool\'s rule applies) or make them agree',
    );
  }
  return { caseSensitive: stated, setOnPool: false };
}

/** The binaries' text for the case rule. */
export function caseRuleSetting(rule: CaseRule): Record<string, string> {
  return { [USER_NAMES_CASE_SENSITIVE]: rule.caseSensitive ? 'true' : 'false' };
}

/** user-migration's MIGRATION_LOCKOUT, as the binary will see it (typed setting; default count). */
function migrationLockout(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>): string | undefined {
  return enabled.has('user-migration') ? (props.settings?.['user-migration']?.MIGRATION_LOCKOUT ?? 'count') : undefined;
}

/**
 * `MIGRATION_LOCKOUT=check` leaves the counting of failed migration sign-ins to pre-authentication.
 * Cognito runs pre-authentication for a name it does not hold (every legacy user not migrated yet)
 * only when the app client has PreventUserExistenceErrors ENABLED: through any other client those
 * guesses would be counted by nobody. So `check` needs pre-authentication, and, for an existing
 * pool, the operator's word that every client prevents those errors; the clients of a pool in this
 * app are read at synth (`migrationClientProblems`).
 */
function checkMigrationLockout(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>) {
  if (migrationLockout(props, enabled) !== 'check') return;
  if (!enabled.has('pre-authentication')) {
    throw new Error(
      "CognitoTriggers: user-migration MIGRATION_LOCKOUT=check leaves the counting of failed sign-ins to pre-authentication, which is not enabled; " +
        'enable pre-authentication or use MIGRATION_LOCKOUT=count (the default)',
    );
  }
  if ('userPool' in props.pool || props.pool.userExistenceErrorsPrevented === true) return;
  throw new Error(
    'CognitoTriggers: user-migration MIGRATION_LOCKOUT=check counts on pre-authentication, which Cognito runs for names it does not hold ' +
      'only when the app client prevents user-existence errors; the construct cannot read an existing pool\'s clients: ' +
      'set { existingUserPoolId, userExistenceErrorsPrevented: true } once every app client has PreventUserExistenceErrors ENABLED, ' +
      'or use MIGRATION_LOCKOUT=count (the default)',
  );
}

/**
 * For a pool in this app with `MIGRATION_LOCKOUT=check`: every app client of the pool, anywhere in
 * the app, must have PreventUserExistenceErrors ENABLED, and there must be one. Run at synth (a
 * construct validation), so that clients added after the construct count too.
 */
export function migrationClientProblems(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>): string[] {
  if (migrationLockout(props, enabled) !== 'check' || !('userPool' in props.pool)) return [];
  const pool = props.pool.userPool;
  const clients = pool.node.root.node
    .findAll()
    .filter((c): c is cognito.CfnUserPoolClient => c instanceof cognito.CfnUserPoolClient && c.userPoolId === pool.userPoolId);
  const advice = 'set preventUserExistenceErrors: true on every app client of the pool, or use MIGRATION_LOCKOUT=count (the default)';
  if (clients.length === 0) {
    return [
      'CognitoTriggers: user-migration MIGRATION_LOCKOUT=check counts on pre-authentication, which Cognito runs for names it does not hold ' +
        `only through app clients that prevent user-existence errors, and this app defines no client of the pool; ${advice}`,
    ];
  }
  const open = clients.filter((c) => c.preventUserExistenceErrors !== 'ENABLED').map((c) => c.node.path);
  if (open.length === 0) return [];
  return [
    'CognitoTriggers: user-migration MIGRATION_LOCKOUT=check counts on pre-authentication, which Cognito runs for names it does not hold ' +
      `only through app clients that prevent user-existence errors; these do not (failed migrations through them would count nowhere): ${open.join(', ')}; ${advice}`,
  ];
}

function checkEnabled(enabled: readonly TriggerName[]): ReadonlySet<TriggerName> {
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

function checkBudget(props: CognitoTriggersProps) {
  const check = (what: string, d: Duration | undefined, async = false) => {
    if (d && async && d.toMilliseconds() > MAX_ASYNC_TIMEOUT.toMilliseconds()) {
      throw new Error(
        `CognitoTriggers: ${what} is ${d.toHumanString()}; at most 10 seconds for an asynchronous sender ` +
          '(its delivery claim lease, 30 s, must outlive every invocation)',
      );
    }
    if (d && !async && d.toMilliseconds() > MAX_TIMEOUT.toMilliseconds()) {
      throw new Error(`CognitoTriggers: ${what} is ${d.toHumanString()}; Cognito abandons a trigger after 5 seconds, so at most 5 seconds`);
    }
    if (d && d.toMilliseconds() < 1000) throw new Error(`CognitoTriggers: ${what} must be at least 1 second`);
  };
  check('timeout', props.timeout);
  for (const [t, o] of Object.entries(props.functionOptions ?? {})) {
    check(`functionOptions.${t}.timeout`, o?.timeout, TRIGGERS[t as TriggerName]?.invocation === 'async');
  }

  const b = props.budget;
  if (!b) return;
  const shortest = Math.min(
    (props.timeout ?? MAX_TIMEOUT).toMilliseconds(),
    ...Object.values(props.functionOptions ?? {}).map((o) => o?.timeout?.toMilliseconds() ?? Infinity),
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

/**
 * V2 and V3 pre token generation need the Essentials or Plus plan: refuse what Cognito would
 * reject, and a plan the construct cannot see (a pool that states none was Lite if it was created
 * before November 2024 and keeps that plan). Settings that only a later version acts on are
 * refused under an earlier one: Cognito would never send the events they shape.
 */
function checkTokenVersion(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>) {
  const version = props.preTokenGenerationVersion ?? 'V1_0';
  if (!(PRE_TOKEN_GENERATION_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(`CognitoTriggers: preTokenGenerationVersion must be ${PRE_TOKEN_GENERATION_VERSIONS.join(', ')}, got ${JSON.stringify(version)}`);
  }
  const settings = props.settings?.['pre-token-generation'] ?? {};
  if (version === 'V1_0' && settings.ACCESS_TOKEN_SCOPES_FROM_GROUPS !== undefined) {
    throw new Error('CognitoTriggers: ACCESS_TOKEN_SCOPES_FROM_GROUPS needs preTokenGenerationVersion V2_0 or V3_0 (V1 events cannot change scopes)');
  }
  const machine = CLIENT_CREDENTIALS_SETTINGS.filter((name) => settings[name] !== undefined);
  if (version !== 'V3_0' && machine.length > 0) {
    throw new Error(
      `CognitoTriggers: ${machine.join(', ')} shape client-credentials (machine-to-machine) tokens, which Cognito sends to the trigger ` +
        `only with preTokenGenerationVersion V3_0 (it is ${version})`,
    );
  }
  if (version === 'V1_0' || !enabled.has('pre-token-generation')) return;
  const optIn =
    'state the plan on the pool: new cognito.UserPool(..., { featurePlan: cognito.FeaturePlan.ESSENTIALS }) (or PLUS), or ' +
    '{ existingUserPoolId, featurePlan } for an existing pool; or use preTokenGenerationVersion V1_0';
  let plan: string | undefined;
  let where: string;
  if ('userPool' in props.pool) {
    plan = (props.pool.userPool.node.defaultChild as cognito.CfnUserPool).userPoolTier;
    where = 'the user pool';
  } else {
    plan = props.pool.featurePlan;
    where = 'existingUserPool featurePlan';
  }
  if (plan === undefined || Token.isUnresolved(plan)) {
    throw new Error(
      `CognitoTriggers: preTokenGenerationVersion ${version} needs the Essentials or Plus feature plan, and the plan of ${where} ` +
        `is ${plan === undefined ? 'not stated' : 'not known at synth'} (a pool created before November 2024 without one is on Lite); ${optIn}`,
    );
  }
  if (plan !== cognito.FeaturePlan.ESSENTIALS && plan !== cognito.FeaturePlan.PLUS) {
    throw new Error(`CognitoTriggers: preTokenGenerationVersion ${version} needs the Essentials or Plus feature plan, but ${where} is ${plan}; ${optIn}`);
  }
}

/**
 * `trace` is for throwaway stacks only. The construct's notion of production is the removal
 * policy: a stack that keeps its table, key and logs when deleted (RETAIN, the default, or
 * SNAPSHOT) holds real users. At trace every binary writes the most of what each invocation sees,
 * and Lambda's application log level TRACE is handed to everything that reads it.
 */
function checkLogLevel(props: CognitoTriggersProps) {
  const level = props.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`CognitoTriggers: logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  if (level === 'trace' && (props.removalPolicy ?? RemovalPolicy.RETAIN) !== RemovalPolicy.DESTROY) {
    throw new Error(
      'CognitoTriggers: logLevel trace is refused for a production stack (removalPolicy is not DESTROY): ' +
        'use debug at most, or removalPolicy DESTROY for a throwaway stack (-c removal=destroy)',
    );
  }
}

/** The pool's ARN as the roles see it, after checking the attachment can be deployed. */
export function userPoolArnOf(scope: Construct, pool: PoolAttachment): string {
  const stack = Stack.of(scope);
  if ('userPool' in pool) {
    if (Stack.of(pool.userPool) !== stack) {
      throw new Error(
        'CognitoTriggers: the user pool must be in the same stack as the triggers (its LambdaConfig and the ' +
          'functions reference each other); for a pool deployed elsewhere use { existingUserPoolId }',
      );
    }
    return pool.userPool.userPoolArn;
  }
  const poolId = pool.existingUserPoolId;
  if (!Token.isUnresolved(poolId) && !/^[\w-]+_[0-9a-zA-Z]+$/.test(poolId)) {
    throw new Error(`CognitoTriggers: existingUserPoolId ${JSON.stringify(poolId)} is not a user pool id (region_xxxxxxxxx)`);
  }
  // The ARN is built in the stack's Region: a pool id names its own Region, so they must agree.
  const poolRegion = Token.isUnresolved(poolId) ? undefined : poolId.slice(0, poolId.indexOf('_'));
  if (poolRegion && !Token.isUnresolved(stack.region) && poolRegion !== stack.region) {
    throw new Error(`CognitoTriggers: pool ${poolId} is in ${poolRegion} but the stack deploys to ${stack.region}; deploy the triggers in the pool's Region`);
  }
  return stack.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: poolId });
}

export function warnUnusedSettings(scope: Construct, props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>) {
  const given = { ...(props.settings ?? {}), ...(props.extraSettings ?? {}) } as Record<string, unknown>;
  for (const t of Object.keys(given)) {
    if (!(TRIGGER_NAMES as readonly string[]).includes(t)) throw new Error(`CognitoTriggers: settings for unknown trigger ${JSON.stringify(t)}`);
    if (!enabled.has(t as TriggerName)) {
      Annotations.of(scope).addWarningV2('cognito-triggers:settings-for-disabled', `settings given for ${t}, which is not enabled: they are ignored`);
    }
  }
}

/**
 * Each enabled trigger's environment: user settings (checked), extra settings, shared settings.
 * The names of the resources it uses (TABLE_NAME, ...) come later, with its grants.
 */
export function triggerEnvironments(
  props: CognitoTriggersProps,
  enabled: ReadonlySet<TriggerName>,
  caseRule: CaseRule,
): Map<TriggerName, Record<string, string>> {
  const envs = new Map<TriggerName, Record<string, string>>();
  for (const binary of enabled) {
    const env = userEnvironment(props, binary);
    if (TRIGGERS[binary].keysByUserName) Object.assign(env, caseRuleSetting(caseRule));
    envs.set(binary, env);
  }
  const email = envs.get('custom-email-sender');
  if (email) Object.assign(email, emailProviderWiring(props).env);
  const sms = envs.get('custom-sms-sender');
  if (sms) Object.assign(sms, smsProviderWiring(props).env);
  const signup = envs.get('pre-signup');
  if (signup) inheritLegacyBackends(signup, envs.get('user-migration'));
  // pre-token-generation repairs email_verified for the providers pre-signup trusts, unless told otherwise.
  const token = envs.get('pre-token-generation');
  if (token && signup?.LINK_FEDERATED_USERS === 'true' && token.LINK_TRUSTED_PROVIDERS === undefined) {
    token.LINK_TRUSTED_PROVIDERS = signup.LINK_TRUSTED_PROVIDERS;
  }
  // inbound-federation passes verified flags from the providers pre-signup trusts, unless told otherwise.
  const federation = envs.get('inbound-federation');
  if (federation && signup?.LINK_FEDERATED_USERS === 'true' && federation.LINK_TRUSTED_PROVIDERS === undefined) {
    federation.LINK_TRUSTED_PROVIDERS = signup.LINK_TRUSTED_PROVIDERS;
  }
  if (federation) checkVerifiedFlags(federation);
  return envs;
}

function userEnvironment(props: CognitoTriggersProps, binary: TriggerName): Record<string, string> {
  const spec = TRIGGERS[binary];
  const env: Record<string, string> = {};
  const typed = ((props.settings ?? {}) as Record<string, Record<string, SettingValue | undefined> | undefined>)[binary] ?? {};
  for (const [name, value] of Object.entries(typed)) {
    if (value === undefined) continue;
    const kind = spec.settings[name];
    if (!kind && name in RETIRED_SETTINGS) {
      throw new Error(`CognitoTriggers: ${binary} no longer takes ${name}; it is replaced by ${RETIRED_SETTINGS[name]}`);
    }
    if (!kind) {
      throw new Error(`CognitoTriggers: ${binary} has no setting ${name}; its settings: ${Object.keys(spec.settings).join(', ') || '(none)'}`);
    }
    env[name] = kind.render(name, value);
  }
  const managed = managedSettingNames();
  for (const [name, value] of Object.entries(props.extraSettings?.[binary] ?? {})) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || RESERVED_ENV.test(name)) {
      throw new Error(`CognitoTriggers: extra setting name ${JSON.stringify(name)} for ${binary} is not an allowed environment variable name`);
    }
    if (managed.has(name)) throw new Error(`CognitoTriggers: ${name} is set by the construct; do not pass it for ${binary}`);
    if (name in RETIRED_SETTINGS) throw new Error(`CognitoTriggers: ${binary} no longer takes ${name}; it is replaced by ${RETIRED_SETTINGS[name]}`);
    if (name in LOCAL_ONLY_SETTINGS) {
      throw new Error(`CognitoTriggers: ${name} is for local stand-ins only and is refused in a deployment: it switches off ${LOCAL_ONLY_SETTINGS[name]}`);
    }
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
  for (const [name, rule] of Object.entries(spec.requiredWhen ?? {})) {
    if (env[name] === undefined && rule.when(env)) {
      throw new Error(
        `CognitoTriggers: ${binary}: ${rule.whenText} but ${name} is not set; the binary does not start without it. ` +
          `Set settings['${binary}'].${name} (docs/triggers/${binary}.md)`,
      );
    }
  }
  checkSettingPairs(binary, env);
  env.RUST_LOG = props.logLevel ?? 'info';
  const b = props.budget;
  if (b?.invocation) env.TRIGGER_BUDGET_MS = String(b.invocation.toMilliseconds());
  if (b?.connectTimeout) env.SDK_CONNECT_TIMEOUT_MS = String(b.connectTimeout.toMilliseconds());
  if (b?.attemptTimeout) env.SDK_ATTEMPT_TIMEOUT_MS = String(b.attemptTimeout.toMilliseconds());
  if (b?.operationTimeout) env.SDK_OPERATION_TIMEOUT_MS = String(b.operationTimeout.toMilliseconds());
  if (b?.maxAttempts !== undefined) env.SDK_MAX_ATTEMPTS = String(b.maxAttempts);
  return env;
}

/** Pairs the binaries check against each other at cold start, with their defaults for an unset side. */
function checkSettingPairs(binary: TriggerName, env: Readonly<Record<string, string>>) {
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
  if (binary === 'user-migration') {
    const { value: lock, shown: lockShown } = effective(env, 'MIGRATION_RESET_LOCK_SECONDS', MIGRATION_RESET_DEFAULTS);
    const { value: max, shown: maxShown } = effective(env, 'MIGRATION_RESET_MAX_LOCK_SECONDS', MIGRATION_RESET_DEFAULTS);
    if (lock > max) {
      throw new Error(
        `CognitoTriggers: MIGRATION_RESET_LOCK_SECONDS (${lockShown}) must not exceed MIGRATION_RESET_MAX_LOCK_SECONDS (${maxShown}); ` +
          'user-migration would refuse to start',
      );
    }
  }
  if (binary === 'create-auth-challenge') {
    const { value: lock, shown: lockShown } = effective(env, 'SIGN_IN_CODE_LOCK_SECONDS', SIGN_IN_CODE_DEFAULTS);
    const { value: max, shown: maxShown } = effective(env, 'SIGN_IN_CODE_MAX_LOCK_SECONDS', SIGN_IN_CODE_DEFAULTS);
    if (lock > max) {
      throw new Error(
        `CognitoTriggers: SIGN_IN_CODE_LOCK_SECONDS (${lockShown}) must not exceed SIGN_IN_CODE_MAX_LOCK_SECONDS (${maxShown}); ` +
          'create-auth-challenge would refuse to start',
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
  if (binary === 'pre-signup' && env.LINK_FEDERATED_USERS === 'true' && env.AUTO_CONFIRM_EMAIL_DOMAINS !== undefined && env.UNIQUE_EMAIL === 'false') {
    // Linking refuses accounts whose address the domain rule verified without proof of the
    // mailbox; it knows them only by the mark on their e-mail reservation.
    throw new Error(
      'CognitoTriggers: pre-signup UNIQUE_EMAIL must stay on with LINK_FEDERATED_USERS and AUTO_CONFIRM_EMAIL_DOMAINS: the e-mail ' +
        'reservation records which addresses the domain rule verified, so that no federated identity is linked into them; ' +
        'pre-signup would refuse to start',
    );
  }
  if (binary === 'pre-token-generation') {
    const touched = [
      ...(env.SUPPRESS_CLAIMS ? claimsOf('list', env.SUPPRESS_CLAIMS) : []),
      ...(env.CLAIMS_FROM_PROFILE ? claimsOf('map', env.CLAIMS_FROM_PROFILE) : []),
    ];
    const bad = touched.filter((c) => (IMMUTABLE_CLAIMS as readonly string[]).includes(c));
    if (bad.length > 0) throw new Error(`CognitoTriggers: Cognito does not allow a trigger to change the claim(s) ${bad.join(', ')}`);
    // Machine tokens: the same protected claims, the group claims, and the two the trigger keeps (scope, client_id).
    const protectedClaims: readonly string[] = [...IMMUTABLE_CLAIMS, ...GROUP_CLAIMS, ...CLIENT_TOKEN_MANAGED_CLAIMS];
    for (const [name, kind] of [['CLIENT_CREDENTIALS_CLAIMS', 'json'], ['CLIENT_CREDENTIALS_SUPPRESS_CLAIMS', 'lists']] as const) {
      const rendered = env[name];
      if (rendered === undefined) continue;
      const refused = clientClaimsOf(kind, rendered).filter((c) => protectedClaims.includes(c));
      if (refused.length > 0) {
        throw new Error(
          `CognitoTriggers: pre-token-generation ${name} names ${[...new Set(refused)].join(', ')}, which no trigger may set or suppress in a ` +
            "machine's access token (Cognito protects them, groups go through groupOverrideDetails, scope and client_id stay Cognito's); " +
            'pre-token-generation would refuse to start',
        );
      }
    }
  }
}

/** user-migration's backends, which pre-signup's squatting guard asks (the same variable names). */
const LEGACY_BACKENDS = ['LEGACY_USERS_TABLE', 'OLD_USER_POOL_ID'] as const;

/**
 * pre-signup's squatting guard looks where user-migration looks: while migration is on, its
 * backends become pre-signup's unless pre-signup names them itself — and then they must be the
 * same (a guard on another table protects nobody who migrates from this one).
 */
function inheritLegacyBackends(signup: Record<string, string>, migration: Readonly<Record<string, string>> | undefined) {
  for (const name of LEGACY_BACKENDS) {
    const own = signup[name];
    const theirs = migration?.[name];
    if (theirs === undefined) continue;
    if (own === undefined) signup[name] = theirs;
    else if (own !== theirs && !Token.isUnresolved(own) && !Token.isUnresolved(theirs)) {
      throw new Error(
        `CognitoTriggers: pre-signup ${name}=${own} but user-migration's is ${theirs}: the squatting guard must ask the store ` +
          `the users migrate from; leave settings['pre-signup'].${name} out (it takes user-migration's)`,
      );
    }
  }
  if (signup.LEGACY_USERS_EMAIL_INDEX !== undefined && signup.LEGACY_USERS_TABLE === undefined) {
    throw new Error(
      'CognitoTriggers: pre-signup LEGACY_USERS_EMAIL_INDEX is an index of the legacy table, but no LEGACY_USERS_TABLE is set ' +
        "(pre-signup's own, or user-migration's while it is on); pre-signup would refuse to start",
    );
  }
}

/** inbound-federation refuses to start when a named provider maps a verified flag but is not trusted. */
function checkVerifiedFlags(env: Readonly<Record<string, string>>) {
  const map = env.FEDERATION_ATTRIBUTE_MAP;
  const trusted = env.LINK_TRUSTED_PROVIDERS;
  if (map === undefined || Token.isUnresolved(map) || (trusted !== undefined && Token.isUnresolved(trusted))) return;
  const trustedNames = (trusted ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const untrusted = providersMappingVerifiedFlags(map).filter((p) => !trustedNames.includes(p));
  if (untrusted.length > 0) {
    throw new Error(
      `CognitoTriggers: inbound-federation maps email_verified/phone_number_verified for ${untrusted.join(', ')}, ` +
        'which LINK_TRUSTED_PROVIDERS does not name; the binary would refuse to start. Trust the provider ' +
        "(settings['inbound-federation'].LINK_TRUSTED_PROVIDERS, or pre-signup's while it links) or remove the entry",
    );
  }
}

/** A numeric setting as the binary will see it: the value given, or its default. */
function effective<K extends string>(env: Readonly<Record<string, string>>, name: K, defaults: Readonly<Record<K, number>>) {
  // Integer settings are rendered from plain numbers (a token fails their range check), so never unresolved here.
  const given = env[name];
  if (given === undefined) return { value: defaults[name], shown: `${defaults[name]}, the default` };
  return { value: Number(given), shown: given };
}

/** Every address a trigger sends from must belong to emailSender.identity (SES authorizes by identity). */
export function checkSenderAddresses(props: CognitoTriggersProps, binary: TriggerName, env: Readonly<Record<string, string>>) {
  // Another provider than SES authorizes its own senders.
  if (env.EMAIL_PROVIDER !== undefined && env.EMAIL_PROVIDER !== 'ses') return;
  const identity = props.emailSender?.identity;
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
