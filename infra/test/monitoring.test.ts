/**
 * Monitoring, on by default (issue 25 item 1): every alarm of the every-trigger stack by name,
 * metric and threshold; the alarm topic (encrypted, CloudWatch may use it); the dashboard; and
 * what `monitoring: false`, a caller's topic, an existing pool and no event bus change.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Stack, aws_cognito as cognito, aws_sns as sns } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps, COGNITO_THROTTLE_METRICS, PROJECT_ALARMS } from '../lib/cognito-triggers';
import { TRIGGER_NAMES } from '../lib/triggers';
import { everyTriggerStack, existingPoolStack } from './fixtures';
import { ASSETS, REMINDER_ASL, logicalIdAt, resourcesOfType, symbolic, synth, testApp } from './helpers';

const app = testApp();
const { stack } = everyTriggerStack(app, { assets: ASSETS, asl: REMINDER_ASL });
const out = synth(app, stack);
const { json } = out;
const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm');
const pascal = (b: string) => b.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
/** The alarm at Triggers/Monitoring/<name>, its properties with references as markers. */
const alarm = (name: string) => symbolic(json, json.Resources[logicalIdAt(json, 'AWS::CloudWatch::Alarm', `/Triggers/Monitoring/${name}/`)].Properties);
const TOPIC = 'Ref(Triggers/Monitoring/AlarmTopic)';

describe('monitoring (every trigger on, pool in this stack)', () => {
  it('alarms on each function: errors that are not denials, throttles, p99 duration at 60% of its timeout', () => {
    for (const b of TRIGGER_NAMES) {
      const errors = alarm(`${pascal(b)}Errors`);
      assert.equal(errors.Threshold, 1, b);
      assert.deepEqual([errors.EvaluationPeriods, errors.DatapointsToAlarm, errors.ComparisonOperator], [5, 2, 'GreaterThanOrEqualToThreshold']);
      const expression = errors.Metrics.find((m: any) => m.Expression);
      assert.equal(expression.Expression, 'errors - FILL(denied, 0)');
      const byId = Object.fromEntries(errors.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat.Metric]));
      assert.deepEqual(byId.errors, { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: `Ref(Triggers/${pascal(b)}Function)` }] });
      assert.deepEqual(byId.denied, { Namespace: 'CognitoTriggers', MetricName: 'Denied', Dimensions: [{ Name: 'trigger', Value: b }] });

      const throttles = alarm(`${pascal(b)}Throttles`);
      assert.deepEqual([throttles.Namespace, throttles.MetricName, throttles.Threshold, throttles.Period], ['AWS/Lambda', 'Throttles', 1, 60]);

      const duration = alarm(`${pascal(b)}DurationP99`);
      assert.deepEqual([duration.MetricName, duration.ExtendedStatistic, duration.Threshold, duration.Period], ['Duration', 'p99', 3000, 300], b);
    }
  });

  it("alarms on the binaries' counters that mean a person is affected, for each enabled binary that counts them", () => {
    let count = 0;
    for (const [id, spec] of Object.entries(PROJECT_ALARMS)) {
      for (const b of spec.binaries) {
        const a = alarm(`${pascal(b)}${id}`);
        count += 1;
        assert.equal(a.Threshold, spec.threshold, `${b} ${id}`);
        const stats = a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat);
        assert.deepEqual(
          stats.map((s: any) => [s.Metric.Namespace, s.Metric.MetricName, s.Metric.Dimensions[0].Value, s.Period, s.Stat]),
          spec.metrics.map((m) => ['CognitoTriggers', m, b, spec.minutes * 60, 'Sum']),
        );
        assert.match(a.AlarmDescription, new RegExp(`docs/operations.md#${spec.runbook}$`));
      }
    }
    // Named ones the issue asks for: store unavailable, fail-open, sends refused, decryption refused, events lost.
    for (const name of ['PreAuthenticationLockoutStoreUnavailable', 'PreSignupSignUpChecksSkipped', 'CustomEmailSenderCodesNotSent', 'CustomSmsSenderDecryptionRefused', 'PostConfirmationEventsLost']) {
      assert.ok(alarm(name));
    }
    assert.ok(count >= 15, String(count));
  });

  it("alarms on the failure queue's depth (any message) and age (a day)", () => {
    const depth = alarm('FailureQueueDepth');
    assert.deepEqual([depth.MetricName, depth.Threshold, depth.Dimensions[0].Value], ['ApproximateNumberOfMessagesVisible', 1, 'Triggers/FailureQueue.QueueName']);
    const age = alarm('FailureQueueAge');
    assert.deepEqual([age.MetricName, age.Threshold], ['ApproximateAgeOfOldestMessage', 86_400]);
  });

  it("alarms on Cognito's throttling of the pool, every app client summed", () => {
    for (const m of COGNITO_THROTTLE_METRICS) {
      const a = alarm(`Cognito${m}`);
      assert.equal(a.Metrics.length, 1);
      assert.equal(
        a.Metrics[0].Expression,
        `SELECT SUM(${m}) FROM SCHEMA("AWS/Cognito", UserPool, UserPoolClient) WHERE UserPool = 'Ref(Pool)'`,
      );
      assert.equal(a.Metrics[0].Period, 300);
    }
  });

  it('sends every alarm and its return to OK to one encrypted topic CloudWatch may publish to', () => {
    for (const [id, a] of Object.entries<any>(alarms)) {
      assert.deepEqual(symbolic(json, a.Properties.AlarmActions), [TOPIC], id);
      assert.deepEqual(symbolic(json, a.Properties.OKActions), [TOPIC], id);
    }
    const topic = symbolic(json, json.Resources[logicalIdAt(json, 'AWS::SNS::Topic', '/Triggers/Monitoring/AlarmTopic/')].Properties);
    assert.equal(topic.KmsMasterKeyId, 'Triggers/Monitoring/AlarmTopicKey.Arn');
    const key = symbolic(json, json.Resources[logicalIdAt(json, 'AWS::KMS::Key', '/Triggers/Monitoring/AlarmTopicKey/')].Properties);
    assert.equal(key.EnableKeyRotation, true);
    assert.deepEqual(
      key.KeyPolicy.Statement.find((s: any) => s.Sid === 'CloudWatchAlarmsPublish'),
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': 'Ref(AWS::AccountId)' } },
      },
    );
    const policy = Object.values<any>(resourcesOfType(json, 'AWS::SNS::TopicPolicy')).map((p) => symbolic(json, p.Properties.PolicyDocument.Statement))[0];
    assert.ok(policy.some((s: any) => s.Sid === 'CloudWatchAlarmsPublish' && s.Action === 'sns:Publish' && s.Principal.Service === 'cloudwatch.amazonaws.com'));
    assert.ok(policy.some((s: any) => s.Effect === 'Deny' && s.Condition.Bool['aws:SecureTransport'] === 'false'), 'TLS only');
    assert.ok(Object.values<any>(json.Outputs).some((o) => /Subscribe the on-call/.test(o.Description)));
  });

  it('draws one dashboard: the alarms, the counters, a row per function', () => {
    const dashboards = Object.values<any>(resourcesOfType(json, 'AWS::CloudWatch::Dashboard'));
    assert.equal(dashboards.length, 1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    assert.ok(body.includes('Cognito triggers: alarms'));
    for (const b of TRIGGER_NAMES) assert.ok(body.includes(`${b}: duration p50 / p99`), b);
    assert.ok(body.includes('failure queue'));
  });

  it('passes cdk-nag', () => {
    assert.deepEqual(out.violations, []);
  });
});

describe('monitoring options', () => {
  const build = (extra: Partial<CognitoTriggersProps>, existing = false) => {
    const app2 = testApp();
    const stack2 = new Stack(app2, 'Mon');
    const pool: CognitoTriggersProps['pool'] = existing ? { existingUserPoolId: 'us-east-1_AbC123' } : { userPool: new cognito.UserPool(stack2, 'Pool') };
    new CognitoTriggers(stack2, 'Triggers', {
      pool,
      enabled: ['pre-signup', 'post-confirmation', 'custom-sms-sender'],
      assetDirectory: ASSETS,
      ...extra,
    });
    return { json: synth(app2, stack2).json, stack: stack2 };
  };

  it('monitoring: false creates no alarm, topic or dashboard', () => {
    const { json: off } = build({ monitoring: false });
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::SNS::Topic']) {
      assert.equal(Object.keys(resourcesOfType(off, type)).length, 0, type);
    }
  });

  it("a caller's topic receives the alarms and none is created; dashboard: false draws none", () => {
    const app2 = testApp();
    const stack2 = new Stack(app2, 'Own');
    const alarmTopic = new sns.Topic(stack2, 'OnCall', { enforceSSL: true });
    new CognitoTriggers(stack2, 'Triggers', {
      pool: { userPool: new cognito.UserPool(stack2, 'Pool') },
      enabled: ['pre-signup'],
      assetDirectory: ASSETS,
      monitoring: { alarmTopic, dashboard: false },
    });
    const own = app2.synth().getStackByName('Own').template;
    assert.equal(Object.keys(resourcesOfType(own, 'AWS::SNS::Topic')).length, 1);
    assert.equal(Object.keys(resourcesOfType(own, 'AWS::CloudWatch::Dashboard')).length, 0);
    const id = Object.keys(resourcesOfType(own, 'AWS::SNS::Topic'))[0];
    for (const a of Object.values<any>(resourcesOfType(own, 'AWS::CloudWatch::Alarm'))) assert.deepEqual(a.Properties.AlarmActions, [{ Ref: id }]);
  });

  it('no Cognito alarms for an existing pool; no events-lost alarm without a bus', () => {
    const { json: existing } = build({}, true);
    const names = Object.values<any>(resourcesOfType(existing, 'AWS::CloudWatch::Alarm')).map((a) => a.Metadata['aws:cdk:path']);
    assert.ok(!names.some((n) => n.includes('/Cognito')), names.join());
    assert.ok(!names.some((n) => n.includes('EventsLost')), names.join());
    assert.ok(names.some((n) => n.includes('CustomSmsSenderCodesNotSent')));
    const { json: withBus } = build({ eventBus: 'create' });
    const busNames = Object.values<any>(resourcesOfType(withBus, 'AWS::CloudWatch::Alarm')).map((a) => a.Metadata['aws:cdk:path']);
    assert.deepEqual(busNames.filter((n) => n.includes('EventsLost')).map((n) => n.split('/')[3]).sort(), ['PostConfirmationEventsLost', 'PreSignupEventsLost']);
  });

  it('the existing-pool stack still has every function alarm', () => {
    const app3 = testApp();
    const { stack: s } = existingPoolStack(app3, { assets: ASSETS });
    const j = synth(app3, s).json;
    for (const b of TRIGGER_NAMES) assert.ok(logicalIdAt(j, 'AWS::CloudWatch::Alarm', `/Triggers/Monitoring/${pascal(b)}Errors/`));
  });
});
