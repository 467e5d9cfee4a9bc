/**
 * Synth-time checks of `CognitoTriggersProps`, and each trigger's environment built from its
 * settings: everything a binary would refuse at cold start, refused at `cdk synth` instead, with a
 * message that names the prop to change. Nothing here creates a resource.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Token, aws_cognito as cognito } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CognitoTriggersProps, LOG_LEVELS, MAX_ASYNC_TIMEOUT, MAX_TIMEOUT, PoolAttachment } from './props';
import { SettingValue, claimsOf, email, providersMappingVerifiedFlags, senderAddress, senderAddressOf } from './settings';
import { IMMUTABLE_CLAIMS, LOCKOUT_DEFAULTS, PRE_SIGNUP_DEFAULTS, SIGN_IN_CODE_DEFAULTS, TRIGGERS, TRIGGER_NAMES, TriggerName, managedSettingNames } from './triggers';

// Lambda reserves these (and AWS_*): https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
const RESERVED_ENV = /^(AWS_|LAMBDA_|_HANDLER$|_X_AMZN_TRACE_ID$)/;

/** Every check on the props that needs no resource; returns the enabled triggers. */
export function checkProps(props: CognitoTriggersProps): ReadonlySet<TriggerName> {
  const enabled = checkEnabled(props.enabled);
  checkBudget(props);
  checkTokenVersion(props, enabled);
  checkLogLevel(props);
  return enabled;
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

/** V2 pre token generation needs the Essentials or Plus plan: refuse what Cognito would reject. */
function checkTokenVersion(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>) {
  const version = props.preTokenGenerationVersion ?? 'V1_0';
  if (version !== 'V1_0' && version !== 'V2_0') {
    throw new Error(`CognitoTriggers: preTokenGenerationVersion must be V1_0 or V2_0, got ${JSON.stringify(version)}`);
  }
  const scopes = props.settings?.['pre-token-generation']?.ACCESS_TOKEN_SCOPES_FROM_GROUPS;
  if (version === 'V1_0' && scopes !== undefined) {
    throw new Error('CognitoTriggers: ACCESS_TOKEN_SCOPES_FROM_GROUPS needs preTokenGenerationVersion V2_0 (V1 events cannot change scopes)');
  }
  if (version !== 'V2_0' || !enabled.has('pre-token-generation')) return;
  let plan: string | undefined;
  let where: string;
  if ('userPool' in props.pool) {
    const cfn = props.pool.userPool.node.defaultChild as cognito.CfnUserPool;
    // Unset on a new pool means Cognito's default for new pools: Essentials.
    plan = cfn.userPoolTier ?? cognito.FeaturePlan.ESSENTIALS;
    where = 'the user pool';
  } else {
    plan = props.pool.featurePlan;
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
export function triggerEnvironments(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>): Map<TriggerName, Record<string, string>> {
  const envs = new Map<TriggerName, Record<string, string>>();
  for (const binary of enabled) envs.set(binary, userEnvironment(props, binary));
  // pre-token-generation repairs email_verified for the providers pre-signup trusts, unless told otherwise.
  const signup = envs.get('pre-signup');
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
  if (binary === 'pre-token-generation') {
    const touched = [
      ...(env.SUPPRESS_CLAIMS ? claimsOf('list', env.SUPPRESS_CLAIMS) : []),
      ...(env.CLAIMS_FROM_PROFILE ? claimsOf('map', env.CLAIMS_FROM_PROFILE) : []),
    ];
    const bad = touched.filter((c) => (IMMUTABLE_CLAIMS as readonly string[]).includes(c));
    if (bad.length > 0) throw new Error(`CognitoTriggers: Cognito does not allow a trigger to change the claim(s) ${bad.join(', ')}`);
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
