/**
 * The demo stack: a user pool (or an existing one) with every trigger binary the workspace has
 * (`workspaceTriggers()`: each `triggers/<name>/`), unless `triggers` names a subset
 * (`-c triggers=a,b`, `make synth INFRA_TRIGGERS=a,b`). A trigger that lands in the workspace joins
 * the default set by itself; one without an entry in the trigger table is refused.
 */
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  StackProps,
  Validations,
  aws_cognito as cognito,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as targets,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CognitoTriggers, CognitoTriggersProps, DeploymentStyle, LogLevel, TriggerSettings } from './cognito-triggers';
import { PASSWORDLESS_TRIGGERS } from './pool-fit';
import { TriggerName } from './triggers';
import { workspaceTriggers } from './workspace';

/**
 * Stand-ins for the SES identity and sender the sign-up reminder needs, used when none is given so
 * that the full set synthesizes from a fresh clone. SES refuses to send from them (example.com is
 * reserved), so the stack carries a warning and `make deploy` refuses them.
 */
export const PLACEHOLDER_EMAIL_IDENTITY = 'example.com';
export const PLACEHOLDER_REMINDER_EMAIL_FROM = 'no-reply@example.com';

export const DEMO_SETTINGS: TriggerSettings = {
  'pre-signup': {
    UNIQUE_EMAIL: true,
    MIN_USERNAME_LENGTH: 3,
  },
};

/** inbound-federation's mapping in the demo: the OIDC standard claims, every provider, no verified flag. */
export const DEMO_FEDERATION_MAP = { '*': { email: 'email', name: 'name', given_name: 'given_name', family_name: 'family_name' } } as const;

export interface DemoStackProps extends StackProps {
  /** Default: every trigger binary of the workspace (`workspaceTriggers()`). */
  readonly triggers?: readonly TriggerName[];
  /** Attach to this existing pool instead of creating one. */
  readonly existingUserPoolId?: string;
  /** Let the stack set the existing pool's LambdaConfig (`-c attach=true`; docs/deploy.md). Default false. */
  readonly attachToExistingPool?: boolean;
  readonly existingFeaturePlan?: cognito.FeaturePlan;
  /**
   * Whether user names are case-sensitive. A new pool: default false (case-insensitive, stated on
   * the pool); true leaves `UsernameConfiguration` out of the pool's template, as a demo pool
   * deployed before this rule has it — Cognito cannot change the rule of a deployed pool. An
   * existing pool: its rule, which the construct cannot read (default true).
   */
  readonly signInCaseSensitive?: boolean;
  readonly assetDirectory?: string;
  readonly reminderDefinitionFile?: string;
  readonly removalPolicy?: RemovalPolicy;
  readonly settings?: TriggerSettings;
  readonly emailSenderIdentity?: string;
  readonly preTokenGenerationVersion?: CognitoTriggersProps['preTokenGenerationVersion'];
  /** Default `info`; `trace` only with removalPolicy DESTROY (the construct's rule). */
  readonly logLevel?: LogLevel;
  /**
   * Domain events (docs/events.md): a bus in the stack and an example rule that sends every event
   * of the triggers to an SQS queue (a listener to read from). Default true.
   */
  readonly events?: boolean;
  /** Alarms, topic and dashboard (`-c monitoring=false` leaves them out). Default true. */
  readonly monitoring?: boolean;
  /** X-Ray active tracing (`-c tracing=true`). Default false. */
  readonly tracing?: boolean;
  /** CodeDeploy for every function (`-c deployment=canary-10-percent-5-minutes`). Default none. */
  readonly deployment?: DeploymentStyle;
}

export class DemoStack extends Stack {
  public readonly triggers: CognitoTriggers;
  public readonly userPool?: cognito.UserPool;
  /** The example listener of the domain events (`events`). */
  public readonly eventQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: DemoStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const enabled = props.triggers ?? workspaceTriggers();
    let pool: CognitoTriggersProps['pool'];
    if (props.existingUserPoolId) {
      pool = { existingUserPoolId: props.existingUserPoolId, featurePlan: props.existingFeaturePlan, attach: props.attachToExistingPool };
    } else {
      this.userPool = new cognito.UserPool(this, 'UserPool', {
        selfSignUpEnabled: true,
        signInAliases: { email: true, username: true },
        autoVerify: { email: true },
        // Case-insensitive: two users whose names differ only in case are a takeover hazard (docs/deploy.md).
        // Not `true` when asked for: a pool deployed without the property must keep a template without it.
        signInCaseSensitive: props.signInCaseSensitive === true ? undefined : false,
        featurePlan: cognito.FeaturePlan.ESSENTIALS,
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
        },
        mfa: cognito.Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
      });
      Validations.of(this.userPool.node.defaultChild!).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          'Demo pool: MFA is OPTIONAL (TOTP) so that someone trying the deployed triggers can sign up and sign in from the ' +
          'AWS CLI without enrolling an authenticator first; a production pool sets MFA to REQUIRED (docs/deploy.md)',
      });
      Validations.of(this.userPool.node.defaultChild!).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan is a paid per-user tier; the demo uses Essentials (enough for V2 pre token generation). ' +
          'Teams that need threat protection choose Plus on their own pool',
      });
      const client = this.userPool.addClient('DemoClient', {
        // USER_PASSWORD_AUTH: user-migration runs only for it; CUSTOM_AUTH: the passwordless triggers run only for it.
        authFlows: { userSrp: true, userPassword: true, custom: enabled.some((t) => PASSWORDLESS_TRIGGERS.includes(t)) || undefined },
        generateSecret: false,
        disableOAuth: true,
        preventUserExistenceErrors: true,
      });
      new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
      pool = { userPool: this.userPool };
    }

    let settings = props.settings ?? DEMO_SETTINGS;
    let identity = props.emailSenderIdentity;
    if (enabled.includes('signup-reminder') && settings['signup-reminder']?.REMINDER_EMAIL_FROM === undefined) {
      // The reminder always sends: without a sender given, one in the identity given, or the stand-ins.
      const from = identity === undefined ? PLACEHOLDER_REMINDER_EMAIL_FROM : identity.includes('@') ? identity : `no-reply@${identity}`;
      identity ??= PLACEHOLDER_EMAIL_IDENTITY;
      settings = { ...settings, 'signup-reminder': { ...settings['signup-reminder'], REMINDER_EMAIL_FROM: from } };
    }
    if (enabled.includes('custom-email-sender') && settings['custom-email-sender']?.EMAIL_FROM === undefined) {
      // The custom e-mail sender requires its sender too: a plain address in the identity, or the stand-ins.
      const from = identity === undefined ? PLACEHOLDER_REMINDER_EMAIL_FROM : identity.includes('@') ? identity : `no-reply@${identity}`;
      identity ??= PLACEHOLDER_EMAIL_IDENTITY;
      settings = { ...settings, 'custom-email-sender': { ...settings['custom-email-sender'], EMAIL_FROM: from } };
    }
    if (enabled.includes('create-auth-challenge') && settings['create-auth-challenge']?.SIGN_IN_CODE_FROM === undefined) {
      // The sign-in code always goes by e-mail: the same sender rule as the reminder's.
      const from = identity === undefined ? PLACEHOLDER_REMINDER_EMAIL_FROM : identity.includes('@') ? identity : `no-reply@${identity}`;
      identity ??= PLACEHOLDER_EMAIL_IDENTITY;
      settings = { ...settings, 'create-auth-challenge': { ...settings['create-auth-challenge'], SIGN_IN_CODE_FROM: from } };
    }
    if (enabled.includes('inbound-federation') && settings['inbound-federation']?.FEDERATION_ATTRIBUTE_MAP === undefined) {
      // The demo pool has no identity provider; a plain mapping lets the trigger start when one is added.
      settings = { ...settings, 'inbound-federation': { ...settings['inbound-federation'], FEDERATION_ATTRIBUTE_MAP: DEMO_FEDERATION_MAP } };
    }
    const migration = settings['user-migration'];
    if (enabled.includes('user-migration') && !migration?.LEGACY_USERS_TABLE && !migration?.OLD_USER_POOL_ID) {
      // The migration trigger needs a backend: the demo brings an (empty) legacy password table.
      const legacy = new dynamodb.Table(this, 'LegacyUsers', {
        partitionKey: { name: 'username', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy,
      });
      settings = { ...settings, 'user-migration': { ...migration, LEGACY_USERS_TABLE: legacy.tableName } };
    }
    if (identity === PLACEHOLDER_EMAIL_IDENTITY) {
      Annotations.of(this).addWarningV2(
        'cognito-triggers:placeholder-email-identity',
        `the e-mail sender is the stand-in ${PLACEHOLDER_EMAIL_IDENTITY}, which SES will not send from: ` +
          'deploy with -c emailIdentity=<your verified SES identity> (make deploy INFRA_EMAIL_IDENTITY=...)',
      );
    }

    this.triggers = new CognitoTriggers(this, 'Triggers', {
      pool,
      signInCaseSensitive: props.signInCaseSensitive,
      enabled,
      settings,
      assetDirectory: props.assetDirectory,
      reminderDefinitionFile: props.reminderDefinitionFile,
      emailSender: identity ? { identity } : undefined,
      preTokenGenerationVersion: props.preTokenGenerationVersion,
      removalPolicy,
      logLevel: props.logLevel ?? 'info',
      eventBus: props.events === false ? undefined : 'create',
      monitoring: props.monitoring === false ? false : undefined,
      tracing: props.tracing,
      deployment: props.deployment ? { '*': props.deployment } : undefined,
    });
    if (this.triggers.eventBus) this.eventQueue = exampleListener(this, this.triggers.eventBus, removalPolicy);
  }
}

/**
 * An example consumer: a rule on the bus for every event the triggers publish (source
 * `cognito-triggers`), delivered to an encrypted SQS queue with a dead-letter queue. A team's own
 * listener is a rule like this one with its own pattern and target.
 */
function exampleListener(scope: Construct, bus: events.IEventBus, removalPolicy: RemovalPolicy): sqs.Queue {
  const deadLetters = new sqs.Queue(scope, 'UserEventsDeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
  const queue = new sqs.Queue(scope, 'UserEvents', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    removalPolicy,
  });
  new events.Rule(scope, 'UserEventsRule', {
    eventBus: bus,
    description: 'Example listener: every domain event of the Cognito triggers to the UserEvents queue',
    eventPattern: { source: ['cognito-triggers'] },
    targets: [new targets.SqsQueue(queue, { deadLetterQueue: deadLetters })],
  });
  new CfnOutput(scope, 'UserEventsQueueUrl', { value: queue.queueUrl, description: 'Example listener of the domain events (docs/events.md)' });
  return queue;
}
