/**
 * The demo stack: a user pool (or an existing one) with the triggers that exist today.
 * Today that is `pre-signup` only; turning on another trigger is adding its name to `triggers`
 * (or `-c triggers=a,b` on the command line).
 */
import { CfnOutput, RemovalPolicy, Stack, StackProps, Validations, aws_cognito as cognito } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CognitoTriggers, CognitoTriggersProps, TriggerSettings } from './cognito-triggers';
import { TriggerName } from './triggers';

/** What the demo deploys unless told otherwise: the triggers whose binaries exist. */
export const DEMO_TRIGGERS: readonly TriggerName[] = ['pre-signup'];

export const DEMO_SETTINGS: TriggerSettings = {
  'pre-signup': {
    UNIQUE_EMAIL: true,
    MIN_USERNAME_LENGTH: 3,
  },
};

export interface DemoStackProps extends StackProps {
  /** Default DEMO_TRIGGERS. */
  readonly triggers?: readonly TriggerName[];
  /** Attach to this existing pool instead of creating one. */
  readonly existingUserPoolId?: string;
  readonly existingFeaturePlan?: cognito.FeaturePlan;
  readonly assetDirectory?: string;
  readonly reminderDefinitionFile?: string;
  readonly removalPolicy?: RemovalPolicy;
  readonly settings?: TriggerSettings;
  readonly emailSenderIdentity?: string;
  readonly preTokenGenerationVersion?: CognitoTriggersProps['preTokenGenerationVersion'];
}

export class DemoStack extends Stack {
  public readonly triggers: CognitoTriggers;
  public readonly userPool?: cognito.UserPool;

  constructor(scope: Construct, id: string, props: DemoStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    let pool: CognitoTriggersProps['pool'];
    if (props.existingUserPoolId) {
      pool = { existingUserPoolId: props.existingUserPoolId, featurePlan: props.existingFeaturePlan };
    } else {
      this.userPool = new cognito.UserPool(this, 'UserPool', {
        selfSignUpEnabled: true,
        signInAliases: { email: true, username: true },
        autoVerify: { email: true },
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
        authFlows: { userSrp: true, userPassword: true },
        generateSecret: false,
        disableOAuth: true,
        preventUserExistenceErrors: true,
      });
      new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
      pool = { userPool: this.userPool };
    }

    this.triggers = new CognitoTriggers(this, 'Triggers', {
      pool,
      enabled: props.triggers ?? DEMO_TRIGGERS,
      settings: props.settings ?? DEMO_SETTINGS,
      assetDirectory: props.assetDirectory,
      reminderDefinitionFile: props.reminderDefinitionFile,
      emailSender: props.emailSenderIdentity ? { identity: props.emailSenderIdentity } : undefined,
      preTokenGenerationVersion: props.preTokenGenerationVersion,
      removalPolicy,
      logLevel: 'info',
    });
  }
}
