/**
 * Safe deploys (issue 25 item 2): a CodeDeploy deployment group per function that asks for one
 * (`deployment`), shifting the `live` alias to a new version all at once, by a canary or linearly,
 * and rolling back when one of that function's alarms (./monitoring.ts) fires meanwhile — so a
 * broken pre-signup reaches a tenth of sign-ups for a few minutes, never all of them.
 */
import { Validations, aws_cloudwatch as cloudwatch, aws_codedeploy as codedeploy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CognitoTriggersProps, DeployedTrigger, DeploymentStyle } from './props';
import { TriggerName } from './triggers';

export const DEPLOYMENT_CONFIGS: Readonly<Record<DeploymentStyle, codedeploy.ILambdaDeploymentConfig>> = {
  'all-at-once': codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
  'canary-10-percent-5-minutes': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'canary-10-percent-10-minutes': codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  'linear-10-percent-every-1-minute': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'linear-10-percent-every-2-minutes': codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
};

/** The deployment style of a trigger: its own entry, else `'*'`, else none. */
export function deploymentStyleOf(props: CognitoTriggersProps, binary: TriggerName): DeploymentStyle | undefined {
  const style = props.deployment?.[binary] ?? props.deployment?.['*'];
  if (style !== undefined && !(style in DEPLOYMENT_CONFIGS)) {
    throw new Error(`CognitoTriggers: deployment for ${binary} must be one of ${Object.keys(DEPLOYMENT_CONFIGS).join(', ')}, got ${JSON.stringify(style)}`);
  }
  return style;
}

/** Refuses a deployment with nothing to roll back on. */
export function checkDeployment(props: CognitoTriggersProps) {
  const keys = Object.keys(props.deployment ?? {});
  for (const k of keys) {
    if (k !== '*' && !props.enabled.includes(k as TriggerName)) {
      throw new Error(`CognitoTriggers: deployment names ${k}, which is not enabled`);
    }
  }
  if (keys.length > 0 && props.monitoring === false) {
    throw new Error('CognitoTriggers: deployment rolls a new version back on the function\'s alarms, and monitoring: false creates none; turn monitoring on or leave deployment out');
  }
}

/** One deployment group per trigger that has a deployment style, in one CodeDeploy application. */
export function createDeploymentGroups(
  scope: Construct,
  props: CognitoTriggersProps,
  triggers: readonly DeployedTrigger[],
  alarmsByTrigger: ReadonlyMap<TriggerName, cloudwatch.IAlarm[]>,
): Map<TriggerName, codedeploy.LambdaDeploymentGroup> {
  const groups = new Map<TriggerName, codedeploy.LambdaDeploymentGroup>();
  let application: codedeploy.LambdaApplication | undefined;
  for (const t of triggers) {
    const style = deploymentStyleOf(props, t.binary);
    if (!style) continue;
    application ??= new codedeploy.LambdaApplication(scope, 'Deployments');
    const alarms = alarmsByTrigger.get(t.binary) ?? [];
    const group = new codedeploy.LambdaDeploymentGroup(scope, `${pascal(t.binary)}Deployment`, {
      application,
      alias: t.alias,
      deploymentConfig: DEPLOYMENT_CONFIGS[style],
      alarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    Validations.of(group).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        'The CodeDeploy service role for Lambda: the AWS-managed policy is scoped to what CodeDeploy does for a Lambda deployment ' +
        '(UpdateAlias and GetAlias, GetFunction, CloudWatch DescribeAlarms, SNS publish to topics named CodeDeployTopic*), kept current by AWS',
    });
    groups.set(t.binary, group);
  }
  return groups;
}

function pascal(binary: string): string {
  return binary.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
