/**
 * `CognitoTriggers`: deploys the workspace's trigger binaries next to a Cognito user pool, each
 * with its own role that holds only the actions its binary calls, on only the resources (and
 * table rows) it touches.
 *
 * What each trigger needs comes from the table in `./triggers.ts`. This file puts the pieces
 * together, in this order: the props are checked (`./validation.ts`), the shared resources made
 * (`./resources.ts`: table, sender key, reminder state machine, operator policy), each function
 * deployed with the statements of `./permissions.ts` (`./functions.ts`), then wired to the pool.
 */
import { Annotations, CfnOutput, CustomResource, RemovalPolicy, aws_codedeploy as codedeploy, aws_cognito as cognito, aws_dynamodb as dynamodb, aws_events as events, aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_sqs as sqs, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { attachToExistingPool } from './attach-pool';
import { checkDeployment, createDeploymentGroups } from './deployment';
import { deployTrigger, wire } from './functions';
import { TriggerMonitoring } from './monitoring';
import { ResourceRefs } from './permissions';
import { emailProviderWiring, smsProviderWiring } from './providers';
import { CognitoTriggersProps, DeployedTrigger, MAX_TIMEOUT } from './props';
import { applyEmailSending, checkPoolEmailFrom, warnWhereTriggersTakeNoEffect } from './pool-fit';
import { Keeping, createFailureQueue, createOperatorPolicy, createReminderStateMachine, createSenderKey, createTable } from './resources';
import { ResourceKind, TRIGGERS, TriggerName } from './triggers';
import { CaseRule, caseRuleOf, checkProps, migrationClientProblems, triggerEnvironments, userPoolArnOf, warnUnusedSettings } from './validation';
import { DEFAULT_REMINDER_DEFINITION } from './workspace';

export { DEFAULT_ASSET_DIRECTORY, DEFAULT_REMINDER_DEFINITION, REPO_ROOT } from './workspace';
export { REMINDER_FUNCTION_PLACEHOLDER } from './resources';
export { MAX_TIMEOUT } from './props';
export { LIVE_ALIAS, MAX_ENVIRONMENT_BYTES } from './functions';
export { COGNITO_THROTTLE_METRICS, DURATION_ALARM_SHARE, PROJECT_ALARMS, PROJECT_NAMESPACE } from './monitoring';
export type { EmailProvider, SmsProvider } from './providers';
export type {
  CognitoTriggersProps,
  DeployedTrigger,
  DeploymentStyle,
  FunctionOptions,
  LogLevel,
  MonitoringOptions,
  PoolAttachment,
  SharedFunctionOptions,
  TriggerSettings,
  VpcPlacement,
} from './props';

export class CognitoTriggers extends Construct {
  /** Deployed functions by binary name. */
  public readonly triggers: Partial<Record<TriggerName, DeployedTrigger>> = {};
  public readonly table?: dynamodb.ITable;
  public readonly reminderStateMachine?: sfn.StateMachine;
  public readonly senderKey?: kms.Key;
  /** The on-failure destination of the asynchronous triggers (the custom senders); undefined when none is on. */
  public readonly failureQueue?: sqs.Queue;
  /** The domain-events bus (`eventBus`), created or named. */
  public readonly eventBus?: events.IEventBus;
  /** What `triggers-admin` needs (see `operatorPolicy`); undefined when not created. */
  public readonly operatorPolicy?: iam.ManagedPolicy;
  /** The pool's ARN as the roles see it. */
  public readonly userPoolArn: string;
  /** The pool's case rule the functions were given (USER_NAMES_CASE_SENSITIVE; `signInCaseSensitive`). */
  public readonly userNamesCaseSensitive: boolean;
  /** Alarms, their topic and the dashboard; undefined with `monitoring: false`. */
  public readonly monitoring?: TriggerMonitoring;
  /** The custom resource that set an existing pool's LambdaConfig (`attach: true`). */
  public readonly attachment?: CustomResource;
  /** The CodeDeploy deployment group of each trigger with a `deployment` style. */
  public readonly deploymentGroups: ReadonlyMap<TriggerName, codedeploy.LambdaDeploymentGroup>;

  constructor(scope: Construct, id: string, props: CognitoTriggersProps) {
    super(scope, id);
    const enabled = checkProps(props);
    checkDeployment(props);
    this.userPoolArn = userPoolArnOf(this, props.pool);
    const caseRule = caseRuleOf(props);
    this.userNamesCaseSensitive = caseRule.caseSensitive;
    applyCaseRule(props, caseRule);
    checkPoolEmailFrom(props);
    applyEmailSending(props);
    // App clients may be added after the construct: what makes a trigger ineffective is read at synth.
    warnWhereTriggersTakeNoEffect(this, props, enabled);
    // App clients may be added after the construct: their settings are read at synth.
    this.node.addValidation({ validate: () => migrationClientProblems(props, enabled) });
    const environments = triggerEnvironments(props, enabled, caseRule);
    const keeping: Keeping = {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    };

    const needs = (kind: ResourceKind) => [...enabled].some((t) => TRIGGERS[t].access.some((a) => a.resource === kind));
    if (needs('table')) this.table = props.table ?? createTable(this, keeping);
    this.eventBus = eventBusOf(this, props);
    if (needs('senderKey')) this.senderKey = createSenderKey(this, keeping, this.userPoolArn, 'userPool' in props.pool);
    if (needs('failureQueue')) this.failureQueue = createFailureQueue(this, keeping);
    // The refs grow as resources are made: the reminder's state machine comes after its function.
    const refs: { -readonly [K in keyof ResourceRefs]: ResourceRefs[K] } = {
      userPoolArn: this.userPoolArn,
      table: this.table,
      senderKey: this.senderKey,
      emailIdentity: props.emailSender?.identity,
      failureQueue: this.failureQueue,
      eventBus: this.eventBus,
      providerSecrets: {
        'custom-email-sender': emailProviderWiring(props).secret,
        'custom-sms-sender': smsProviderWiring(props).secret,
      },
    };

    // The reminder function must exist before its state machine, and the state machine before
    // pre-signup (which receives its ARN).
    const order = [...enabled].sort((a, b) => Number(b === 'signup-reminder') - Number(a === 'signup-reminder'));
    for (const binary of order) {
      const deployed = deployTrigger(this, binary, {
        props,
        keeping,
        refs,
        env: environments.get(binary)!,
        reminderEnabled: enabled.has('signup-reminder'),
      });
      this.triggers[binary] = deployed;
      if (binary === 'signup-reminder') {
        this.reminderStateMachine = createReminderStateMachine(this, keeping, props.reminderDefinitionFile ?? DEFAULT_REMINDER_DEFINITION, deployed.alias);
        refs.reminderStateMachine = this.reminderStateMachine;
      }
    }
    for (const binary of order) wire(this, props, this.triggers[binary]!, refs);
    const deployed = order.map((b) => this.triggers[b]!);
    if (!('userPool' in props.pool) && props.pool.attach === true) {
      this.attachment = attachToExistingPool(this, {
        userPoolId: props.pool.existingUserPoolId,
        userPoolArn: this.userPoolArn,
        lambdaConfig: lambdaConfigOf(props, deployed, this.senderKey),
        smsRoleArn: props.pool.smsRoleArn,
        keeping,
        after: deployed.map((t) => t.alias),
      });
    } else if (!('userPool' in props.pool) && props.pool.smsRoleArn !== undefined) {
      throw new Error('CognitoTriggers: smsRoleArn is for attach: true (the custom resource passes the pool\'s SMS role again)');
    }
    if (props.monitoring !== false) {
      this.monitoring = new TriggerMonitoring(this, 'Monitoring', {
        options: props.monitoring ?? {},
        triggers: deployed,
        timeouts: new Map(deployed.map((t) => [t.binary, t.function.timeout ?? MAX_TIMEOUT])),
        failureQueue: this.failureQueue,
        userPool: 'userPool' in props.pool ? props.pool.userPool : undefined,
        eventsEnabled: this.eventBus !== undefined,
      });
    }
    this.deploymentGroups = createDeploymentGroups(this, props, deployed, this.monitoring?.alarmsByTrigger ?? new Map());
    if (props.operatorPolicy !== false && enabled.has('pre-authentication')) this.operatorPolicy = createOperatorPolicy(this, refs, caseRule.caseSensitive);
    warnUnusedSettings(this, props, enabled);
  }
}

/**
 * Writes `CaseSensitive: false` into a pool in this app that states no rule (`CaseRule.setOnPool`).
 * Right for a new pool; a deployed pool cannot change it (Cognito fixes the rule at creation), so
 * the warning says how to keep a deployed pool as it is.
 */
function applyCaseRule(props: CognitoTriggersProps, rule: CaseRule) {
  if (!rule.setOnPool || !('userPool' in props.pool)) return;
  const cfn = props.pool.userPool.node.defaultChild as cognito.CfnUserPool;
  cfn.usernameConfiguration = { caseSensitive: false };
  Annotations.of(props.pool.userPool).addWarningV2(
    'cognito-triggers:pool-case-rule',
    'CognitoTriggers made this pool case-insensitive (UsernameConfiguration.CaseSensitive: false, from signInCaseSensitive, default false). ' +
      'Cognito fixes this rule when a pool is created: if the pool is deployed already without it, CloudFormation cannot apply it in place ' +
      '(a new, empty pool, or a failed update). State the rule on the pool itself (signInCaseSensitive on the UserPool) for a new pool; ' +
      'for a deployed one, pass signInCaseSensitive: true to CognitoTriggers, which then leaves the pool alone (docs/deploy.md)',
  );
}

/** The LambdaConfig an existing pool gets from `attach`: each slot's alias, and the sender key. */
function lambdaConfigOf(props: CognitoTriggersProps, deployed: readonly DeployedTrigger[], senderKey?: kms.IKey): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const t of deployed) {
    if (!t.slot) continue;
    const arn = t.alias.functionArn;
    if (t.slot === 'CustomEmailSender' || t.slot === 'CustomSMSSender' || t.slot === 'InboundFederation') {
      config[t.slot] = { LambdaArn: arn, LambdaVersion: 'V1_0' };
    } else if (t.slot === 'PreTokenGenerationConfig') {
      config[t.slot] = { LambdaArn: arn, LambdaVersion: props.preTokenGenerationVersion };
    } else {
      config[t.slot] = arn;
    }
  }
  if (senderKey && ('CustomEmailSender' in config || 'CustomSMSSender' in config)) config.KMSKeyID = senderKey.keyArn;
  return config;
}

/** The bus of `eventBus`: a new one, or an existing one by ARN or name. */
function eventBusOf(scope: Construct, props: CognitoTriggersProps): events.IEventBus | undefined {
  const wanted = props.eventBus;
  if (wanted === undefined) return undefined;
  if (wanted === 'create') {
    const bus = new events.EventBus(scope, 'EventBus', { description: 'Domain events of the Cognito triggers (docs/events.md)' });
    new CfnOutput(scope, 'EventBusName', { value: bus.eventBusName, description: 'Domain events: the bus (docs/events.md)' });
    return bus;
  }
  const existing = wanted.existing.trim();
  if (existing === '') throw new Error('CognitoTriggers: eventBus.existing must name a bus (ARN or name)');
  return existing.startsWith('arn:')
    ? events.EventBus.fromEventBusArn(scope, 'EventBus', existing)
    : events.EventBus.fromEventBusName(scope, 'EventBus', existing);
}
