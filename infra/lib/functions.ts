/**
 * One trigger's function: its code asset, log group, role (the statements from ./permissions.ts)
 * and Lambda function, and its wiring into the pool's LambdaConfig (or the invoke permission for a
 * pool deployed elsewhere).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Stack, Token, Validations, aws_cognito as cognito, aws_iam as iam, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { grantsFor, resourceValue, ResourceRefs } from './permissions';
import { CognitoTriggersProps, DeployedTrigger, LogLevel, MAX_TIMEOUT, SharedFunctionOptions, VpcPlacement } from './props';
import { emailProviderWiring, subnetsOf } from './providers';
import { settingsLayer } from './settings-layer';
import { ASYNC_MAX_EVENT_AGE, ASYNC_RETRY_ATTEMPTS, Keeping } from './resources';
import { LambdaConfigSlot, TRIGGERS, TriggerName } from './triggers';
import { checkSenderAddresses, memorySizeOf } from './validation';
import { DEFAULT_ASSET_DIRECTORY } from './workspace';

const OPERATION: Record<Exclude<LambdaConfigSlot, 'CustomEmailSender' | 'CustomSMSSender' | 'InboundFederation'>, cognito.UserPoolOperation> = {
  PreSignUp: cognito.UserPoolOperation.PRE_SIGN_UP,
  PreAuthentication: cognito.UserPoolOperation.PRE_AUTHENTICATION,
  PostAuthentication: cognito.UserPoolOperation.POST_AUTHENTICATION,
  PostConfirmation: cognito.UserPoolOperation.POST_CONFIRMATION,
  PreTokenGeneration: cognito.UserPoolOperation.PRE_TOKEN_GENERATION,
  CustomMessage: cognito.UserPoolOperation.CUSTOM_MESSAGE,
  UserMigration: cognito.UserPoolOperation.USER_MIGRATION,
  DefineAuthChallenge: cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE,
  CreateAuthChallenge: cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE,
  VerifyAuthChallengeResponse: cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE,
};

const APPLICATION_LOG_LEVEL: Record<LogLevel, lambda.ApplicationLogLevel> = {
  error: lambda.ApplicationLogLevel.ERROR,
  warn: lambda.ApplicationLogLevel.WARN,
  info: lambda.ApplicationLogLevel.INFO,
  debug: lambda.ApplicationLogLevel.DEBUG,
  trace: lambda.ApplicationLogLevel.TRACE,
};

export interface FunctionArgs {
  readonly props: CognitoTriggersProps;
  readonly keeping: Keeping;
  readonly refs: ResourceRefs;
  /** The trigger's environment from its settings (./validation.ts); resource names are added here. */
  readonly env: Record<string, string>;
  readonly reminderEnabled: boolean;
}

/** The envelope settings of domain events, for a function that publishes (EVENT_BUS_NAME set). */
function eventEnvelope(props: CognitoTriggersProps, env: Record<string, string>) {
  if (!env.EVENT_BUS_NAME) return;
  const source = props.eventSource;
  if (source !== undefined) {
    // The binary's own check (trigger_core::domain_events::EventSettings), at synth.
    if (!/^[\x21-\x7e]{1,256}$/.test(source) || source.toLowerCase().startsWith('aws.')) {
      throw new Error(`CognitoTriggers: eventSource ${JSON.stringify(source)} must be 1-256 printable ASCII characters, not aws.*`);
    }
    env.EVENT_SOURCE = source;
  }
  if (props.eventIncludeContact !== undefined) env.EVENT_INCLUDE_CONTACT = String(props.eventIncludeContact);
}

export function deployTrigger(scope: Construct, binary: TriggerName, args: FunctionArgs): DeployedTrigger {
  const { props, keeping, refs, env } = args;
  const spec = TRIGGERS[binary];
  const id = pascal(binary);
  const options = props.functionOptions?.[binary] ?? {};

  const shared = <K extends keyof SharedFunctionOptions>(key: K): SharedFunctionOptions[K] => options[key] ?? props.functionDefaults?.[key];
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: shared('logRetention') ?? keeping.logRetention,
    logGroupClass: shared('logGroupClass'),
    removalPolicy: keeping.removalPolicy,
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
  const wildcards: string[] = [];
  const ctx = {
    reminderEnabled: args.reminderEnabled,
    eventsEnabled: refs.eventBus !== undefined,
    providerSecretKeyed: refs.providerSecrets?.[binary]?.encryptionKey !== undefined,
  };
  for (const { access, statement } of grantsFor(scope, binary, spec.access, env, ctx, refs)) {
    if (access.resource === 'userPool' && 'userPool' in props.pool) onPool.push(statement);
    else inline.push(statement);
    if (access.env) env[access.env] = resourceValue(access.resource, refs);
    if (access.wildcard) wildcards.push(access.wildcard);
  }
  const vpc = vpcPlacementOf(props, binary);
  if (vpc) {
    inline.push(
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: VPC_ENI_ACTIONS,
        resources: ['*'],
      }),
    );
    wildcards.push(
      'Lambda creates, describes and deletes the network interfaces of a function in a VPC with its role (the actions of the AWS-managed ' +
        'AWSLambdaVPCAccessExecutionRole); the Describe actions support no resource-level permissions, and the interfaces do not exist before the function',
    );
  }
  const envKey = shared('environmentEncryption');
  if (envKey) {
    inline.push(new iam.PolicyStatement({ sid: 'EnvironmentKey', actions: ['kms:Decrypt'], resources: [envKey.keyArn] }));
  }
  eventEnvelope(props, env);
  checkSenderAddresses(props, binary, env);
  const templates = messageTemplateLayers(scope, props, binary, env) ?? [];
  // Last: every setting is in `env` now; what moves to the file no longer counts against 4 KB.
  const settings = shared('settingsInLayer') === true ? settingsLayer(scope, id, binary, env) : undefined;
  const layers = [...templates, ...(settings ? [settings] : []), ...(shared('layers') ?? [])];
  checkEnvironmentSize(binary, env);
  const reserved = shared('reservedConcurrency');
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new Error(`CognitoTriggers: ${binary} reservedConcurrency must be a positive integer, got ${reserved}`);
  }

  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${binary} trigger: only the calls its binary makes`,
    inlinePolicies: { [`${id}Runtime`]: new iam.PolicyDocument({ statements: inline }) },
  });
  if (onPool.length > 0) {
    new iam.Policy(scope, `${id}UserPoolAccess`, { roles: [role], statements: onPool });
  }
  // The table's `wildcard` reasons: a service that authorizes an action on no resource.
  if (props.tracing === true) {
    wildcards.push('X-Ray active tracing: Lambda adds xray:PutTraceSegments and xray:PutTelemetryRecords to the role, which X-Ray authorizes on no resource');
  }
  if (wildcards.length > 0) Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: wildcards.join('. ') });

  const fn = new lambda.Function(scope, `${id}Function`, {
    description: `Cognito ${binary} trigger: ${spec.summary}`.slice(0, 256),
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: codeOf(props.assetDirectory ?? DEFAULT_ASSET_DIRECTORY, binary),
    role,
    memorySize: memorySizeOf(props, binary),
    timeout: options.timeout ?? props.timeout ?? MAX_TIMEOUT,
    environment: env,
    environmentEncryption: envKey,
    layers: layers.length > 0 ? layers : undefined,
    reservedConcurrentExecutions: reserved,
    tracing: props.tracing === true ? lambda.Tracing.ACTIVE : undefined,
    ...(vpc ? { vpc: vpc.vpc, vpcSubnets: subnetsOf(vpc), securityGroups: vpc.securityGroups ? [...vpc.securityGroups] : undefined } : {}),
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: APPLICATION_LOG_LEVEL[props.logLevel ?? 'info'],
    systemLogLevelV2: lambda.SystemLogLevel.INFO,
    logGroup,
  });
  // Every function is published as a version behind the alias the pool (or the state machine)
  // invokes: a deployment moves the alias, and moving it back is the rollback (docs/operations.md).
  const alias = new lambda.Alias(scope, `${id}Alias`, {
    aliasName: LIVE_ALIAS,
    version: fn.currentVersion,
    description: `${binary}: the version the pool invokes`,
    // Asynchronous triggers: Lambda's retries and the failure queue, on the alias Cognito invokes
    // (the role may send to it: Access 'failureQueue').
    ...(spec.invocation === 'async' ? { retryAttempts: ASYNC_RETRY_ATTEMPTS, maxEventAge: ASYNC_MAX_EVENT_AGE, onFailure: failureQueueOf(refs, binary) } : {}),
  });
  const slot = slotFor(props, binary);
  new CfnOutput(scope, `${id}FunctionArn`, {
    value: alias.functionArn,
    description: spec.slot ? `${binary}: set as LambdaConfig ${slot}` : `${binary}: run by the reminder state machine`,
  });
  return { binary, function: fn, alias, role, logGroup, slot };
}

/** Puts the function into the pool's LambdaConfig (pool in this stack) or lets the existing pool invoke it. */
export function wire(scope: Construct, props: CognitoTriggersProps, t: DeployedTrigger, refs: ResourceRefs) {
  const slot = TRIGGERS[t.binary].slot;
  if (!slot) return;
  const principal = new iam.ServicePrincipal('cognito-idp.amazonaws.com');
  if (!('userPool' in props.pool)) {
    t.alias.addPermission('InvokedByUserPool', {
      principal,
      sourceArn: refs.userPoolArn,
      sourceAccount: Stack.of(scope).account,
    });
    return;
  }
  const pool = props.pool.userPool;
  if (slot === 'CustomEmailSender' || slot === 'CustomSMSSender') {
    // UserPool.addTrigger() insists on a key given at pool construction; the key is ours.
    const cfn = pool.node.defaultChild as cognito.CfnUserPool;
    t.alias.addPermission('InvokedByUserPool', { principal, sourceArn: pool.userPoolArn });
    cfn.addPropertyOverride(`LambdaConfig.${slot}`, { LambdaArn: t.alias.functionArn, LambdaVersion: 'V1_0' });
    cfn.addPropertyOverride('LambdaConfig.KMSKeyID', refs.senderKey!.keyArn);
    return;
  }
  if (slot === 'InboundFederation') {
    // No L2 operation for it yet: the L1 property, with the one version Cognito accepts, and the
    // invoke permission addTrigger() would have added.
    const cfn = pool.node.defaultChild as cognito.CfnUserPool;
    t.alias.addPermission('InvokedByUserPool', { principal, sourceArn: pool.userPoolArn });
    cfn.addPropertyOverride(`LambdaConfig.${slot}`, { LambdaArn: t.alias.functionArn, LambdaVersion: 'V1_0' });
    return;
  }
  const version = props.preTokenGenerationVersion ?? 'V1_0';
  if (slot === 'PreTokenGeneration' && version !== 'V1_0') {
    pool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, t.alias, cognito.LambdaVersion[version]);
    return;
  }
  pool.addTrigger(OPERATION[slot], t.alias);
}

/** The alias every function is invoked through. */
export const LIVE_ALIAS = 'live';

/** What Lambda does with the role of a function in a VPC (the actions of AWSLambdaVPCAccessExecutionRole). */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * A function's VPC placement: its own (`functionOptions`), else for custom-email-sender the SMTP
 * provider's, else `functionDefaults`.
 */
function vpcPlacementOf(props: CognitoTriggersProps, binary: TriggerName): VpcPlacement | undefined {
  const own = props.functionOptions?.[binary]?.vpc;
  const smtp = binary === 'custom-email-sender' ? emailProviderWiring(props).vpc : undefined;
  if (own && smtp) {
    throw new Error("CognitoTriggers: custom-email-sender has two VPC placements: emailProvider.vpc and functionOptions['custom-email-sender'].vpc; give one");
  }
  return own ?? smtp ?? props.functionDefaults?.vpc;
}

/** Lambda refuses a function whose environment variables (names and values) exceed 4 KB together. */
export const MAX_ENVIRONMENT_BYTES = 4096;
/** What an unresolved value (an ARN or name CloudFormation fills in) is counted as: a long ARN. */
const UNRESOLVED_VALUE_BYTES = 128;

/**
 * Refuses at synth what Lambda would refuse at deploy, naming the largest variables: the
 * environment's names and values must fit in 4 KB together.
 */
export function checkEnvironmentSize(binary: string, env: Readonly<Record<string, string>>) {
  const sizes = Object.entries(env).map(([name, value]) => ({
    name,
    bytes: Buffer.byteLength(name) + (Token.isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value)),
  }));
  const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
  if (total <= MAX_ENVIRONMENT_BYTES) return;
  const largest = sizes.sort((a, b) => b.bytes - a.bytes).slice(0, 3).map((s) => `${s.name} (${s.bytes} bytes)`);
  throw new Error(
    `CognitoTriggers: ${binary}'s settings take ${total} bytes, over Lambda's ${MAX_ENVIRONMENT_BYTES}-byte limit for a function's environment; ` +
      `the largest: ${largest.join(', ')}. Shorten them (a domain list to its parent domains with *., fewer mappings), or ship them in a layer: settingsInLayer: true (docs/deploy.md, "Function options")`,
  );
}

/** The LambdaConfig key the trigger fills (PreTokenGenerationConfig for V2 and V3). */
function slotFor(props: CognitoTriggersProps, binary: TriggerName): string | undefined {
  const slot = TRIGGERS[binary].slot;
  if (slot === 'PreTokenGeneration' && (props.preTokenGenerationVersion ?? 'V1_0') !== 'V1_0') return 'PreTokenGenerationConfig';
  return slot;
}

/**
 * The failure queue as an on-failure destination that grants nothing by itself (CDK's
 * SqsDestination would add sqs:GetQueueAttributes and GetQueueUrl): the role's statement comes
 * from the trigger's `failureQueue` Access entry, so the table shows it.
 */
function failureQueueOf(refs: ResourceRefs, binary: TriggerName): lambda.IDestination {
  const queue = refs.failureQueue;
  if (!queue || !TRIGGERS[binary].access.some((a) => a.resource === 'failureQueue')) {
    throw new Error(`CognitoTriggers: ${binary} is invoked asynchronously but its table entry grants no failureQueue access`);
  }
  return { bind: () => ({ destination: queue.queueArn }) };
}

/** Where a layer's files are in the function: Lambda extracts layers under /opt. */
export const MESSAGE_TEMPLATES_MOUNT = '/opt';

/**
 * The template overrides for the binaries that render the message catalogue (`messageCatalogue`
 * in the table), as one layer all of them share.
 */
function messageTemplateLayers(
  scope: Construct,
  props: CognitoTriggersProps,
  binary: TriggerName,
  env: Record<string, string>,
): lambda.ILayerVersion[] | undefined {
  const dir = props.messageTemplatesDirectory;
  if (dir === undefined || !TRIGGERS[binary].messageCatalogue) return undefined;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`CognitoTriggers: messageTemplatesDirectory ${dir} is not a directory (make check-templates DIR=… validates one)`);
  }
  env.MESSAGE_TEMPLATES_DIR = MESSAGE_TEMPLATES_MOUNT;
  const made = scope.node.tryFindChild('MessageTemplates') as lambda.LayerVersion | undefined;
  const layer =
    made ??
    new lambda.LayerVersion(scope, 'MessageTemplates', {
      code: lambda.Code.fromAsset(dir),
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      description: 'Message template overrides of the binaries that render the message catalogue (MESSAGE_TEMPLATES_DIR)',
    });
  return [layer];
}

/** The code asset: `<dir>/<binary>/bootstrap.zip` (cargo lambda --output-format zip) or `<dir>/<binary>/bootstrap`. */
function codeOf(assetDirectory: string, binary: TriggerName): lambda.Code {
  const dir = path.join(assetDirectory, binary);
  const zip = path.join(dir, 'bootstrap.zip');
  const exe = path.join(dir, 'bootstrap');
  if (fs.existsSync(zip)) return lambda.Code.fromAsset(zip);
  if (fs.existsSync(exe)) {
    checkArm64(exe, binary);
    return lambda.Code.fromAsset(dir, { exclude: ['*', '!bootstrap'] });
  }
  throw new Error(
    `CognitoTriggers: no build of ${binary}: expected ${zip} or ${exe}. ` +
      'Run `make infra-lambdas` (cargo lambda build --release --arm64 --output-format zip; make synth runs it for missing builds), ' +
      'or point assetDirectory (-c lambdaAssets=DIR) at a directory that has them.',
  );
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

function pascal(binary: string): string {
  return binary.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
