/**
 * A pool where every deployed trigger takes effect. Some pool and app-client settings make
 * Cognito skip a trigger, or part of what it does, without any error: custom-message's e-mail body
 * without DEVELOPER e-mail sending, the passwordless triggers without ALLOW_CUSTOM_AUTH, user
 * migration without a password flow, pre-authentication's counting of unknown names without
 * PreventUserExistenceErrors, client-credentials token settings without a client-credentials client.
 *
 * What the construct may set on a pool in this app, it sets (DEVELOPER e-mail sending from the SES
 * identity it is given, when the pool states no e-mail configuration of its own); what it does
 * not own (the app clients, an existing pool) it reads at synth and warns about.
 */
import { Annotations, Aspects, IAspect, Stack, Token, aws_cognito as cognito } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { CognitoTriggersProps } from './props';
import { senderAddressOf } from './settings';
import { CLIENT_CREDENTIALS_SETTINGS, TriggerName } from './triggers';

/** The custom-authentication (passwordless) triggers: Cognito runs them only through CUSTOM_AUTH. */
export const PASSWORDLESS_TRIGGERS: readonly TriggerName[] = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge-response'];

/** The flows that let user-migration run (besides forgot-password of an unknown user). */
const PASSWORD_FLOWS = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'];

/** The pool's `From` for DEVELOPER e-mail: `emailSender.from`, else the identity's address or `no-reply@<domain>`. */
export function poolEmailFrom(sender: NonNullable<CognitoTriggersProps['emailSender']>): string {
  if (sender.from !== undefined) return sender.from;
  return sender.identity.includes('@') ? sender.identity : `no-reply@${sender.identity}`;
}

/** `emailSender.from` must be an address of the identity (SES refuses to send from any other). */
export function checkPoolEmailFrom(props: CognitoTriggersProps) {
  const sender = props.emailSender;
  if (sender?.from === undefined) return;
  const from = senderAddressOf(sender.from);
  if (Token.isUnresolved(from) || Token.isUnresolved(sender.identity)) return;
  const id = sender.identity.toLowerCase();
  const address = from.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const covered = id.includes('@') ? address === id : domain === id || domain.endsWith('.' + id);
  if (!address.includes('@') || !covered) {
    throw new Error(`CognitoTriggers: emailSender.from ${JSON.stringify(sender.from)} is not an address of the SES identity ${sender.identity}`);
  }
}

/**
 * DEVELOPER e-mail sending for a pool in this app that states no e-mail configuration, when an SES
 * identity is given: without it Cognito sends from its own account and ignores custom-message's
 * e-mail body. A pool that states its own configuration is left as it is.
 */
export function applyEmailSending(props: CognitoTriggersProps) {
  const sender = props.emailSender;
  if (!sender || !('userPool' in props.pool)) return;
  const pool = props.pool.userPool;
  const cfn = pool.node.defaultChild as cognito.CfnUserPool;
  if (cfn.emailConfiguration !== undefined) return;
  cfn.emailConfiguration = {
    emailSendingAccount: 'DEVELOPER',
    sourceArn: Stack.of(pool).formatArn({ service: 'ses', resource: 'identity', resourceName: sender.identity }),
    from: poolEmailFrom(sender),
  };
}

/** The pool's e-mail sending account as the synthesized template will have it (undefined: not known). */
function emailSendingAccountOf(props: CognitoTriggersProps): string | undefined {
  if (!('userPool' in props.pool)) return props.pool.emailSendingAccount ?? 'COGNITO_DEFAULT';
  const config = (props.pool.userPool.node.defaultChild as cognito.CfnUserPool).emailConfiguration;
  if (config === undefined) return 'COGNITO_DEFAULT';
  if (Token.isUnresolved(config)) return undefined;
  const account = (config as cognito.CfnUserPool.EmailConfigurationProperty).emailSendingAccount;
  if (account !== undefined && Token.isUnresolved(account)) return undefined;
  return account ?? 'COGNITO_DEFAULT';
}

/** Every app client of the pool defined anywhere in this app. */
function clientsOf(pool: cognito.UserPool): cognito.CfnUserPoolClient[] {
  return pool.node.root.node
    .findAll()
    .filter((c): c is cognito.CfnUserPoolClient => c instanceof cognito.CfnUserPoolClient && c.userPoolId === pool.userPoolId);
}

/** Where a client is defined, as its author wrote it (the L2 construct's path, not its `/Resource`). */
function pathOf(client: cognito.CfnUserPoolClient): string {
  return client.node.id === 'Resource' && client.node.scope ? client.node.scope.node.path : client.node.path;
}

/** A client's auth flows; Cognito's default when it lists none (SRP, custom auth, refresh). Undefined: not known at synth. */
function flowsOf(client: cognito.CfnUserPoolClient): string[] | undefined {
  const flows = client.explicitAuthFlows;
  if (flows === undefined) return ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
  if (Token.isUnresolved(flows) || flows.some((f) => Token.isUnresolved(f))) return undefined;
  return flows;
}

/** A client only for machines (client credentials): no user signs in through it. */
function isMachineClient(client: cognito.CfnUserPoolClient): boolean {
  const oauth = client.allowedOAuthFlows;
  return Array.isArray(oauth) && oauth.includes('client_credentials');
}

export interface PoolFitWarning {
  readonly id: string;
  readonly message: string;
}

/** Every setting of the pool or its clients that makes a deployed trigger (or part of it) ineffective. */
export function poolFitWarnings(props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>): PoolFitWarning[] {
  const warnings: PoolFitWarning[] = [];
  const inApp = 'userPool' in props.pool ? props.pool.userPool : undefined;

  if (enabled.has('custom-message') && !enabled.has('custom-email-sender')) {
    const account = emailSendingAccountOf(props);
    if (account !== undefined && account !== 'DEVELOPER') {
      warnings.push({
        id: 'cognito-triggers:custom-message-email-ignored',
        message:
          `custom-message is deployed but the pool sends e-mail with ${account}: Cognito then ignores the e-mail body (and subject) ` +
          'the trigger returns and sends its own; only SMS texts take effect. ' +
          (inApp
            ? 'Give CognitoTriggers emailSender: { identity } (a verified SES identity), which sets EmailSendingAccount DEVELOPER on the pool, ' +
              'or state an SES e-mail configuration on the pool (UserPoolEmail.withSES)'
            : 'Set the pool\'s EmailConfiguration to EmailSendingAccount DEVELOPER with a verified SES identity, then state it: ' +
              "{ existingUserPoolId, emailSendingAccount: 'DEVELOPER' }"),
      });
    }
  }

  const passwordless = PASSWORDLESS_TRIGGERS.filter((t) => enabled.has(t));
  if (passwordless.length > 0) {
    if (inApp) {
      const clients = clientsOf(inApp).filter((c) => !isMachineClient(c));
      const known = clients.filter((c) => flowsOf(c) !== undefined);
      const without = known.filter((c) => !flowsOf(c)!.includes('ALLOW_CUSTOM_AUTH')).map(pathOf);
      const noneAllows = known.length === clients.length && without.length === known.length;
      if (noneAllows) {
        warnings.push({
          id: 'cognito-triggers:custom-auth-not-allowed',
          message:
            `${passwordless.join(', ')} ${passwordless.length > 1 ? 'are' : 'is'} deployed but no app client of the pool in this app allows ALLOW_CUSTOM_AUTH: ` +
            'Cognito runs them only for CUSTOM_AUTH sign-ins. Add authFlows: { custom: true } to the client that signs users in with a code' +
            (without.length > 0 ? ` (${without.join(', ')})` : ''),
        });
      } else if (without.length > 0) {
        warnings.push({
          id: 'cognito-triggers:custom-auth-not-allowed',
          message:
            `these app clients do not allow ALLOW_CUSTOM_AUTH, so sign-in with a code (${passwordless.join(', ')}) does not work through them: ` +
            `${without.join(', ')}; add authFlows: { custom: true } where users should sign in with a code`,
        });
      }
    } else {
      warnings.push({
        id: 'cognito-triggers:custom-auth-not-allowed',
        message:
          `${passwordless.join(', ')}: Cognito runs the custom-authentication triggers only for CUSTOM_AUTH sign-ins; the construct cannot read ` +
          "an existing pool's app clients: enable ALLOW_CUSTOM_AUTH on each client that signs users in with a code",
      });
    }
  }

  if (inApp && enabled.has('user-migration')) {
    const clients = clientsOf(inApp);
    const flows = clients.map(flowsOf);
    if (!flows.includes(undefined) && !flows.some((f) => f!.some((x) => PASSWORD_FLOWS.includes(x)))) {
      warnings.push({
        id: 'cognito-triggers:migration-without-password-flow',
        message:
          'user-migration is deployed but no app client of the pool in this app allows ALLOW_USER_PASSWORD_AUTH or ALLOW_ADMIN_USER_PASSWORD_AUTH: ' +
          'Cognito runs the migration only for those sign-ins (SRP sends no password), so legacy users could only migrate through ' +
          'a forgotten-password reset. Add authFlows: { userPassword: true } (or adminUserPassword) to the client legacy users sign in through',
      });
    }
  }

  const lockoutCheck = props.settings?.['user-migration']?.MIGRATION_LOCKOUT === 'check' && enabled.has('user-migration');
  if (enabled.has('pre-authentication') && !lockoutCheck) {
    if (inApp) {
      const open = clientsOf(inApp)
        .filter((c) => !isMachineClient(c) && c.preventUserExistenceErrors !== 'ENABLED')
        .map(pathOf);
      if (open.length > 0) {
        warnings.push({
          id: 'cognito-triggers:unknown-names-not-counted',
          message:
            `pre-authentication counts failed sign-ins, but these app clients do not prevent user-existence errors: ${open.join(', ')}. ` +
            'Cognito runs pre-authentication for a name it does not hold only when the client has PreventUserExistenceErrors ENABLED, ' +
            'so guesses at unknown names through them are counted by nobody (and the answer tells which names exist). ' +
            'Set preventUserExistenceErrors: true on them',
        });
      }
    } else if (!('userPool' in props.pool) && props.pool.userExistenceErrorsPrevented !== true) {
      warnings.push({
        id: 'cognito-triggers:unknown-names-not-counted',
        message:
          'pre-authentication counts failed sign-ins for names the pool does not hold only through app clients with PreventUserExistenceErrors ' +
          "ENABLED; the construct cannot read an existing pool's clients: enable it on each, then state { existingUserPoolId, userExistenceErrorsPrevented: true }",
      });
    }
  }

  const machineSettings = CLIENT_CREDENTIALS_SETTINGS.filter((n) => props.settings?.['pre-token-generation']?.[n] !== undefined);
  if (inApp && enabled.has('pre-token-generation') && machineSettings.length > 0 && !clientsOf(inApp).some(isMachineClient)) {
    warnings.push({
      id: 'cognito-triggers:no-client-credentials-client',
      message:
        `${machineSettings.join(', ')} shape client-credentials tokens, but no app client of the pool in this app has the client_credentials ` +
        'OAuth flow: no such token is issued here (a client in another app may still ask for them)',
    });
  }
  return warnings;
}

/**
 * Adds the warnings when the app is prepared for synth, so that app clients defined after the
 * construct count too.
 */
export function warnWhereTriggersTakeNoEffect(scope: Construct, props: CognitoTriggersProps, enabled: ReadonlySet<TriggerName>) {
  const aspect: IAspect = {
    visit(node: IConstruct) {
      if (node !== scope) return;
      for (const w of poolFitWarnings(props, enabled)) Annotations.of(scope).addWarningV2(w.id, w.message);
    },
  };
  Aspects.of(scope).add(aspect);
}
