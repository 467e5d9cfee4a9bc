/**
 * Alarms and one dashboard for the trigger set (issue 25 item 1), on by default: per function
 * errors that are not denials, throttles and duration p99 against the 5 s budget; the senders'
 * failure queue (depth and age); the project's own counters that mean a person is affected
 * (`PROJECT_ALARMS`, namespace CognitoTriggers, dimension `trigger`); Cognito's throttling of a
 * pool in this stack. Every alarm (and its return to OK) goes to one SNS topic, the caller's or an
 * encrypted one made here. docs/operations.md has the runbook of each alarm, under its `runbook` anchor.
 */
import {
  CfnOutput,
  Duration,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_cognito as cognito,
  aws_iam as iam,
  aws_kms as kms,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DeployedTrigger, MonitoringOptions } from './props';
import { TRIGGERS, TriggerName } from './triggers';

/** The binaries' metric namespace (crates/trigger-core/src/metrics.rs). */
export const PROJECT_NAMESPACE = 'CognitoTriggers';

/** A counter of the binaries that means a person is affected, and when it pages. */
export interface ProjectAlarm {
  /** The counters summed (same trigger dimension). */
  readonly metrics: readonly string[];
  /** The binaries that count them. */
  readonly binaries: readonly TriggerName[];
  /** At least this many in `minutes`. */
  readonly threshold: number;
  readonly minutes: number;
  /** Only with domain events on (`eventBus`). */
  readonly needsEventBus?: true;
  /** What it means for users, and why this threshold. */
  readonly why: string;
  /** The heading anchor of its runbook entry in docs/operations.md. */
  readonly runbook: string;
}

/** The alarms on the binaries' own counters. Keep in step with docs/operations.md, "Alarms". */
export const PROJECT_ALARMS: Readonly<Record<string, ProjectAlarm>> = {
  LockoutStoreUnavailable: {
    metrics: ['LockoutStoreFailure'],
    binaries: ['pre-authentication'],
    threshold: 1,
    minutes: 5,
    why: 'the lockout record could not be read or written: with LOCKOUT_ON_STORE_FAILURE=allow (the default) sign-ins pass unchecked (fail-open), with deny users cannot sign in; one is enough to look',
    runbook: 'lockoutstoreunavailable',
  },
  SignUpChecksSkipped: {
    metrics: ['CheckSkippedOnFailure'],
    binaries: ['pre-signup'],
    threshold: 1,
    minutes: 5,
    why: 'ON_DEPENDENCY_FAILURE=allow let a sign-up through without its uniqueness or squatting check (fail-open): a duplicate account may exist now',
    runbook: 'signupchecksskipped',
  },
  CodesNotSent: {
    metrics: ['NotSent', 'SendRefused'],
    binaries: ['custom-email-sender', 'custom-sms-sender'],
    threshold: 1,
    minutes: 5,
    why: 'a code or notice was not delivered and will not be retried (no usable recipient, or the provider refused it for good): that user is waiting for a message that never comes',
    runbook: 'codesnotsent',
  },
  SendsFailing: {
    metrics: ['SendFailed', 'SendUnauthorized', 'DirectoryFailed', 'DecryptUnavailable'],
    binaries: ['custom-email-sender', 'custom-sms-sender'],
    threshold: 5,
    minutes: 5,
    why: 'sends fail for a reason Lambda retries (provider or KMS down, throttled, credentials refused): codes arrive late, and after an hour of retries land in the failure queue. Single failures are retried and normal; five in five minutes are not',
    runbook: 'sendsfailing',
  },
  DecryptionRefused: {
    metrics: ['DecryptRefused', 'DecryptMalformed'],
    binaries: ['custom-email-sender', 'custom-sms-sender'],
    threshold: 1,
    minutes: 5,
    why: 'a code Cognito encrypted could not be decrypted (wrong key, key policy, or a pool context that does not match): every code of that kind fails; never expected, so one pages',
    runbook: 'decryptionrefused',
  },
  SignInCodesNotSent: {
    metrics: ['NotSent'],
    binaries: ['create-auth-challenge'],
    threshold: 10,
    minutes: 5,
    why: 'a passwordless sign-in went through its steps without an e-mail (no verified address, or a name that does not exist): a few are probing or typos; many mean users cannot get a code',
    runbook: 'signincodesnotsent',
  },
  RemindersFailing: {
    metrics: ['RemindFailed', 'ExpireFailed'],
    binaries: ['signup-reminder'],
    threshold: 1,
    minutes: 15,
    why: 'a reminder or expiry notice failed (the state machine retries, then the execution fails): a user who never confirmed is not reminded, or not removed',
    runbook: 'remindersfailing',
  },
  WelcomeNotRendered: {
    metrics: ['WelcomeEmailNotRendered'],
    binaries: ['post-confirmation'],
    threshold: 1,
    minutes: 15,
    why: 'the welcome e-mail could not be rendered from the catalogue (a template override that fails for some user or locale): that user gets no welcome',
    runbook: 'messagesnotrendered',
  },
  RemindersNotRendered: {
    metrics: ['ReminderNotRendered', 'ExpiryNoticeNotRendered'],
    binaries: ['signup-reminder'],
    threshold: 1,
    minutes: 15,
    why: 'a reminder or expiry notice could not be rendered from the catalogue and was skipped: that user is not reminded, or not told the sign-up was removed',
    runbook: 'messagesnotrendered',
  },
  EventsLost: {
    metrics: ['EventPublishFailed'],
    binaries: ['pre-signup', 'pre-authentication', 'post-authentication', 'post-confirmation', 'signup-reminder'],
    threshold: 1,
    minutes: 5,
    needsEventBus: true,
    why: 'a domain event could not be put on the bus and is not retried: whatever consumes the bus (CRM, audit, analytics) missed a user\'s sign-up or sign-in',
    runbook: 'eventslost',
  },
};

/** Share of a function's timeout at which its p99 duration alarms: well before Cognito gives up (5 s). */
export const DURATION_ALARM_SHARE = 0.6;
/** A failed delivery waiting this long in the failure queue alarms: nobody has looked, and retention is 14 days. */
export const FAILURE_QUEUE_AGE_ALARM = Duration.days(1);
/** Cognito's throttling metrics of a user pool (namespace AWS/Cognito, dimensions UserPool and UserPoolClient). */
export const COGNITO_THROTTLE_METRICS = ['SignUpThrottles', 'SignInThrottles', 'TokenRefreshThrottles', 'FederationThrottles'] as const;

export interface MonitoringInputs {
  readonly options: MonitoringOptions;
  readonly triggers: readonly DeployedTrigger[];
  readonly timeouts: ReadonlyMap<TriggerName, Duration>;
  readonly failureQueue?: sqs.IQueue;
  /** A pool in this stack: its Cognito throttling alarms. */
  readonly userPool?: cognito.UserPool;
  readonly eventsEnabled: boolean;
}

/** The alarms made, by trigger (for a deployment's rollback) and all of them. */
export class TriggerMonitoring extends Construct {
  public readonly topic: sns.ITopic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly alarmsByTrigger = new Map<TriggerName, cloudwatch.Alarm[]>();
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, inputs: MonitoringInputs) {
    super(scope, id);
    this.topic = inputs.options.alarmTopic ?? this.createTopic();
    const action = new actions.SnsAction(this.topic);
    const add = (binary: TriggerName | undefined, alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
      if (binary) this.alarmsByTrigger.set(binary, [...(this.alarmsByTrigger.get(binary) ?? []), alarm]);
    };
    const enabled = new Set(inputs.triggers.map((t) => t.binary));
    const rows: cloudwatch.IWidget[][] = [];

    for (const t of inputs.triggers) {
      const fn = t.function;
      const name = pascal(t.binary);
      const errors = new cloudwatch.MathExpression({
        // Cognito denials (a taken address, a locked account) are Lambda errors too: the binaries count them as Denied.
        expression: 'errors - FILL(denied, 0)',
        usingMetrics: { errors: fn.metricErrors({ period: Duration.minutes(1) }), denied: project(t.binary, 'Denied', 1) },
        label: `${t.binary} errors (not denials)`,
        period: Duration.minutes(1),
      });
      add(
        t.binary,
        errors.createAlarm(this, `${name}Errors`, {
          alarmDescription: `${t.binary}: invocations failed (errors that are not denials) in 2 of the last 5 minutes: users of this trigger get an error. Runbook: docs/operations.md#function-errors`,
          threshold: 1,
          evaluationPeriods: 5,
          datapointsToAlarm: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      add(
        t.binary,
        fn.metricThrottles({ period: Duration.minutes(1) }).createAlarm(this, `${name}Throttles`, {
          alarmDescription: `${t.binary}: Lambda throttled an invocation (concurrency): that user got an error. Runbook: docs/operations.md#function-throttles`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      const timeout = inputs.timeouts.get(t.binary)!;
      const slowMs = Math.round(timeout.toMilliseconds() * DURATION_ALARM_SHARE);
      add(
        t.binary,
        fn.metricDuration({ statistic: 'p99', period: Duration.minutes(5) }).createAlarm(this, `${name}DurationP99`, {
          alarmDescription: `${t.binary}: p99 duration at least ${slowMs} ms over 5 minutes (${DURATION_ALARM_SHARE * 100}% of its ${timeout.toSeconds()} s timeout; Cognito gives up at 5 s). Runbook: docs/operations.md#function-duration`,
          threshold: slowMs,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      rows.push([
        new cloudwatch.GraphWidget({
          title: `${t.binary}: invocations, errors (not denials), throttles`,
          left: [fn.metricInvocations({ period: Duration.minutes(1) }), errors, fn.metricThrottles({ period: Duration.minutes(1) })],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `${t.binary}: duration p50 / p99`,
          left: [fn.metricDuration({ statistic: 'p50' }), fn.metricDuration({ statistic: 'p99' })],
          leftAnnotations: [{ value: slowMs, label: 'alarm' }, { value: 5000, label: "Cognito's 5 s" }],
          width: 12,
        }),
      ]);
    }

    const projectWidgets: cloudwatch.IWidget[] = [];
    for (const [alarmId, spec] of Object.entries(PROJECT_ALARMS)) {
      if (spec.needsEventBus && !inputs.eventsEnabled) continue;
      for (const binary of spec.binaries) {
        if (!enabled.has(binary)) continue;
        if (spec.needsEventBus && !TRIGGERS[binary].access.some((a) => a.resource === 'eventBus')) continue;
        const usingMetrics = Object.fromEntries(spec.metrics.map((m, i) => [`m${i}`, project(binary, m, spec.minutes)]));
        const sum = new cloudwatch.MathExpression({
          expression: spec.metrics.map((_m, i) => `FILL(m${i}, 0)`).join(' + '),
          usingMetrics,
          label: `${binary}: ${spec.metrics.join(' + ')}`,
          period: Duration.minutes(spec.minutes),
        });
        add(
          binary,
          sum.createAlarm(this, `${pascal(binary)}${alarmId}`, {
            alarmDescription: `${binary} ${alarmId}: ${spec.metrics.join(' + ')} at least ${spec.threshold} in ${spec.minutes} minutes: ${spec.why}. Runbook: docs/operations.md#${spec.runbook}`.slice(0, 1024),
            threshold: spec.threshold,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        );
        projectWidgets.push(new cloudwatch.GraphWidget({ title: `${binary}: ${alarmId}`, left: [sum], width: 8 }));
      }
    }

    const queue = inputs.failureQueue;
    if (queue) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
      const age = queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' });
      add(
        undefined,
        depth.createAlarm(this, 'FailureQueueDepth', {
          alarmDescription:
            'The custom senders\' failure queue holds a delivery that failed every retry for an hour: each message is a code a user never received. Runbook: docs/operations.md#failurequeuedepth',
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      add(
        undefined,
        age.createAlarm(this, 'FailureQueueAge', {
          alarmDescription: `A failed delivery has waited ${FAILURE_QUEUE_AGE_ALARM.toDays()} day(s) in the failure queue without anyone looking; the queue drops it after 14 days. Runbook: docs/operations.md#failurequeueage`,
          threshold: FAILURE_QUEUE_AGE_ALARM.toSeconds(),
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      projectWidgets.push(new cloudwatch.GraphWidget({ title: 'Senders\' failure queue: depth and oldest age (s)', left: [depth], right: [age], width: 8 }));
    }

    const pool = inputs.userPool;
    if (pool) {
      for (const metric of COGNITO_THROTTLE_METRICS) {
        // Cognito publishes these per app client (UserPool, UserPoolClient; Admin for admin calls):
        // a Metrics Insights query sums every client of the pool, those added later included.
        const throttled = new cloudwatch.MathExpression({
          expression: `SELECT SUM(${metric}) FROM SCHEMA("AWS/Cognito", UserPool, UserPoolClient) WHERE UserPool = '${pool.userPoolId}'`,
          usingMetrics: {},
          label: `Cognito ${metric}`,
          period: Duration.minutes(5),
        });
        add(
          undefined,
          throttled.createAlarm(this, `Cognito${metric}`, {
            alarmDescription: `Cognito throttled requests of the pool (${metric}): those users got TooManyRequestsException. Runbook: docs/operations.md#cognito-throttles`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        );
        projectWidgets.push(new cloudwatch.GraphWidget({ title: `Cognito ${metric}`, left: [throttled], width: 6 }));
      }
    }

    if (inputs.options.dashboard !== false) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        dashboardName: inputs.options.dashboardName,
        defaultInterval: Duration.hours(3),
        widgets: [
          [new cloudwatch.AlarmStatusWidget({ title: 'Cognito triggers: alarms', alarms: this.alarms, width: 24 })],
          ...(projectWidgets.length > 0 ? [projectWidgets] : []),
          ...rows,
        ],
      });
    }
  }

  /** An SNS topic encrypted with a key of its own that CloudWatch alarms of this account may use. */
  private createTopic(): sns.Topic {
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Cognito triggers\' alarm topic',
      enableKeyRotation: true,
    });
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Cognito triggers alarms', masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn, description: 'Subscribe the on-call to this topic: every trigger alarm (docs/operations.md)' });
    return topic;
  }
}

/** A counter of the binaries (summed over `minutes`). */
function project(binary: TriggerName, metric: string, minutes: number): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: PROJECT_NAMESPACE,
    metricName: metric,
    dimensionsMap: { trigger: binary },
    statistic: 'Sum',
    period: Duration.minutes(minutes),
  });
}

function pascal(binary: string): string {
  return binary.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
