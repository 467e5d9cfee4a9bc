/**
 * The custom senders' delivery providers (issue 24): `emailProvider` (SES, an SMTP server,
 * SendGrid) and `smsProvider` (SNS, Twilio) turned into the settings the senders read
 * (EMAIL_PROVIDER, SMTP_*, SENDGRID_*, SMS_PROVIDER, TWILIO_*), and the provider secrets the
 * roles may read. What a provider needs is refused at synth when it is missing or contradictory,
 * with the prop to change — the same checks the binaries make at cold start.
 */
import { Duration, Token, aws_ec2 as ec2, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { CognitoTriggersProps, VpcPlacement } from './props';

/** The setting of each secret the providers read (Secrets Manager name or ARN). */
export const PROVIDER_SECRET_SETTINGS = ['SMTP_CREDENTIALS_SECRET', 'SENDGRID_API_KEY_SECRET', 'TWILIO_CREDENTIALS_SECRET'] as const;

/** Every setting this file writes: set through `emailProvider` / `smsProvider`, never as an extra setting. */
export const PROVIDER_SETTINGS = [
  'EMAIL_PROVIDER',
  'SMTP_HOST',
  'SMTP_PORT',
  'SMTP_SECURITY',
  'SENDGRID_API_URL',
  'SMS_PROVIDER',
  'TWILIO_FROM',
  'TWILIO_MESSAGING_SERVICE_SID',
  'TWILIO_API_URL',
  'SMTP_CONNECT_TIMEOUT_MS',
  'SMTP_TIMEOUT_MS',
  'PROVIDER_CONNECT_TIMEOUT_MS',
  'PROVIDER_REQUEST_TIMEOUT_MS',
  ...PROVIDER_SECRET_SETTINGS,
] as const;

/** Time limits of an HTTP provider (SendGrid, Twilio): PROVIDER_CONNECT_TIMEOUT_MS, PROVIDER_REQUEST_TIMEOUT_MS. */
export interface HttpProviderTimeouts {
  /** 50 ms to 4 s. Binary default 1 s. */
  readonly connectTimeout?: Duration;
  /** The whole request, 100 ms to 4.5 s, at least connectTimeout. Binary default 2 s. */
  readonly requestTimeout?: Duration;
}

/** How the e-mail sender reaches its provider. Default `{ kind: 'ses' }`. */
export type EmailProvider =
  /** Amazon SES v2 from `emailSender.identity` (today's behaviour). */
  | { readonly kind: 'ses' }
  | {
      readonly kind: 'smtp';
      /** The server's DNS name or IP address. */
      readonly host: string;
      /** Default: 587 for `starttls`, 465 for `tls`, 25 for `none`. */
      readonly port?: number;
      /** `starttls` (upgrade on the submission port), `tls` (implicit TLS) or `none` (a loopback host only). */
      readonly security: 'starttls' | 'tls' | 'none';
      /** JSON `{"username": …, "password": …}`; leave out for a server without AUTH. */
      readonly credentials?: secretsmanager.ISecret;
      /**
       * Where the e-mail sender runs to reach a private SMTP server (a VPC with a route to the
       * server, and to Secrets Manager, DynamoDB and KMS: NAT or VPC endpoints). Same as
       * `functionOptions['custom-email-sender'].vpc`; give one of the two.
       */
      readonly vpc?: VpcPlacement;
      /** SMTP_CONNECT_TIMEOUT_MS: 50 ms to 4 s. Binary default 1 s. */
      readonly connectTimeout?: Duration;
      /** SMTP_TIMEOUT_MS, the whole exchange: 100 ms to 4.8 s, at least connectTimeout. Binary default 3 s. */
      readonly timeout?: Duration;
    }
  | ({
      readonly kind: 'sendgrid';
      /** The secret holding the API key (the whole secret string). */
      readonly apiKey: secretsmanager.ISecret;
      /** The API's base URL, default `https://api.sendgrid.com` (EU: `https://api.eu.sendgrid.com`); the sender appends `/v3/mail/send`. https only. */
      readonly apiUrl?: string;
    } & HttpProviderTimeouts);

/** How the SMS sender reaches its provider. Default `{ kind: 'sns' }`. */
export type SmsProvider =
  /** Amazon SNS Publish to the phone number (today's behaviour). */
  | { readonly kind: 'sns' }
  | ({
      readonly kind: 'twilio';
      /** JSON `{"accountSid": …, "authToken": …}`. */
      readonly credentials: secretsmanager.ISecret;
      /** The E.164 number messages come from; or give `messagingServiceSid` (exactly one of the two). */
      readonly from?: string;
      /** A Messaging Service (`MG` + 32 hex digits) that picks the sender. */
      readonly messagingServiceSid?: string;
      /** Default the public API (`https://api.twilio.com`); https only. */
      readonly apiUrl?: string;
    } & HttpProviderTimeouts);

/** The settings and secrets of the providers, per sender. */
export interface ProviderWiring {
  readonly env: Record<string, string>;
  /** The secret the sender reads (at most one per sender). */
  readonly secret?: secretsmanager.ISecret;
  /** The e-mail sender's VPC placement from `emailProvider.vpc`. */
  readonly vpc?: VpcPlacement;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

function fail(message: string): never {
  throw new Error(`CognitoTriggers: ${message}`);
}

/** The name or ARN a sender is given for a secret: its full ARN when known, else its name. */
export function secretReference(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}

/**
 * The ARN IAM matches GetSecretValue against: the full ARN, or for a secret known by name only
 * its ARN with Secrets Manager's six-character suffix as a wildcard (`name-??????`).
 */
export function secretPolicyArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

function checkHttpsUrl(what: string, url: string | undefined) {
  if (url === undefined || Token.isUnresolved(url)) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(`${what} ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'https:') fail(`${what} must be an https URL (the key or token travels in it), got ${JSON.stringify(url)}`);
}

/** custom-email-sender's provider settings (empty for SES, the binary's default). */
export function emailProviderWiring(props: CognitoTriggersProps): ProviderWiring {
  const p = props.emailProvider ?? { kind: 'ses' };
  switch (p.kind) {
    case 'ses':
      return { env: {} };
    case 'smtp': {
      const host = p.host;
      if (typeof host !== 'string' || (!Token.isUnresolved(host) && !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(host))) {
        fail(`emailProvider.host ${JSON.stringify(host)} is not a host name or address`);
      }
      if (!['starttls', 'tls', 'none'].includes(p.security)) fail(`emailProvider.security must be starttls, tls or none, got ${JSON.stringify(p.security)}`);
      if (p.security === 'none' && !Token.isUnresolved(host) && !LOOPBACK.test(host)) {
        fail(
          `emailProvider.security none sends the password and every code in clear text, accepted only for a loopback host (localhost, 127.0.0.1, ::1); ` +
            `${host} is not one: use starttls or tls`,
        );
      }
      const port = p.port ?? { starttls: 587, tls: 465, none: 25 }[p.security];
      if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`emailProvider.port must be an integer from 1 to 65535, got ${p.port}`);
      refuseSesSettings(props, 'smtp');
      const env: Record<string, string> = { EMAIL_PROVIDER: 'smtp', SMTP_HOST: host, SMTP_PORT: String(port), SMTP_SECURITY: p.security };
      if (p.credentials) env.SMTP_CREDENTIALS_SECRET = secretReference(p.credentials);
      Object.assign(env, timeouts('emailProvider', p.connectTimeout, p.timeout, { connect: ['SMTP_CONNECT_TIMEOUT_MS', 1000], whole: ['SMTP_TIMEOUT_MS', 3000, 4800, 'timeout'] }));
      return { env, secret: p.credentials, vpc: p.vpc };
    }
    case 'sendgrid': {
      if (!p.apiKey) fail('emailProvider sendgrid needs apiKey (the secret holding the SendGrid API key)');
      checkHttpsUrl('emailProvider.apiUrl', p.apiUrl);
      refuseSesSettings(props, 'sendgrid');
      const env: Record<string, string> = { EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY_SECRET: secretReference(p.apiKey) };
      if (p.apiUrl !== undefined) env.SENDGRID_API_URL = p.apiUrl;
      Object.assign(env, httpTimeouts('emailProvider', p));
      return { env, secret: p.apiKey };
    }
    default:
      return fail(`emailProvider.kind must be ses, smtp or sendgrid, got ${JSON.stringify((p as { kind: unknown }).kind)}`);
  }
}

function refuseSesSettings(props: CognitoTriggersProps, kind: string) {
  if (props.settings?.['custom-email-sender']?.EMAIL_CONFIGURATION_SET !== undefined) {
    fail(`EMAIL_CONFIGURATION_SET is an SES setting, but emailProvider is ${kind}: leave it out`);
  }
}

/** custom-sms-sender's provider settings (empty for SNS, the binary's default). */
export function smsProviderWiring(props: CognitoTriggersProps): ProviderWiring {
  const p = props.smsProvider ?? { kind: 'sns' };
  switch (p.kind) {
    case 'sns':
      return { env: {} };
    case 'twilio': {
      if (!p.credentials) fail('smsProvider twilio needs credentials (the secret holding {"accountSid", "authToken"})');
      if ((p.from === undefined) === (p.messagingServiceSid === undefined)) {
        fail('smsProvider twilio needs exactly one of from (an E.164 number) and messagingServiceSid (Twilio takes one sender per message)');
      }
      if (p.from !== undefined && !Token.isUnresolved(p.from) && !/^\+[1-9]\d{7,14}$/.test(p.from)) {
        fail(`smsProvider.from ${JSON.stringify(p.from)} is not an E.164 number such as +14155550100`);
      }
      const sid = p.messagingServiceSid;
      if (sid !== undefined && !Token.isUnresolved(sid) && !/^MG[0-9a-fA-F]{32}$/.test(sid)) {
        fail(`smsProvider.messagingServiceSid ${JSON.stringify(sid)} is not a Messaging Service SID (MG and 32 hex digits)`);
      }
      checkHttpsUrl('smsProvider.apiUrl', p.apiUrl);
      const settings = props.settings?.['custom-sms-sender'] ?? {};
      const snsOnly = (['SMS_SENDER_ID', 'SMS_ORIGINATION_NUMBER'] as const).filter((n) => settings[n] !== undefined);
      if (snsOnly.length > 0) fail(`${snsOnly.join(', ')} are SNS settings, but smsProvider is twilio: use smsProvider.from or messagingServiceSid`);
      const env: Record<string, string> = { SMS_PROVIDER: 'twilio', TWILIO_CREDENTIALS_SECRET: secretReference(p.credentials) };
      if (p.from !== undefined) env.TWILIO_FROM = p.from;
      if (sid !== undefined) env.TWILIO_MESSAGING_SERVICE_SID = sid;
      if (p.apiUrl !== undefined) env.TWILIO_API_URL = p.apiUrl;
      Object.assign(env, httpTimeouts('smsProvider', p));
      return { env, secret: p.credentials };
    }
    default:
      return fail(`smsProvider.kind must be sns or twilio, got ${JSON.stringify((p as { kind: unknown }).kind)}`);
  }
}

function httpTimeouts(prop: string, p: HttpProviderTimeouts): Record<string, string> {
  return timeouts(prop, p.connectTimeout, p.requestTimeout, {
    connect: ['PROVIDER_CONNECT_TIMEOUT_MS', 1000],
    whole: ['PROVIDER_REQUEST_TIMEOUT_MS', 2000, 4500, 'requestTimeout'],
  });
}

/**
 * A provider's two time limits as the sender checks them at cold start: connect 50-4000 ms, the
 * whole call 100 ms to `whole[2]`, and the whole at least the connect (the binary's defaults count
 * for a side left unset). Only what is given is written.
 */
function timeouts(
  prop: string,
  connect: Duration | undefined,
  whole: Duration | undefined,
  names: { connect: [string, number]; whole: [string, number, number, string] },
): Record<string, string> {
  const env: Record<string, string> = {};
  const c = connect?.toMilliseconds();
  const w = whole?.toMilliseconds();
  if (c !== undefined && (c < 50 || c > 4000)) fail(`${prop}.connectTimeout must be from 50 ms to 4 s (${names.connect[0]}), got ${c} ms`);
  if (w !== undefined && (w < 100 || w > names.whole[2])) fail(`${prop}.${names.whole[3]} must be from 100 ms to ${names.whole[2]} ms (${names.whole[0]}), got ${w} ms`);
  if ((w ?? names.whole[1]) < (c ?? names.connect[1])) {
    fail(`${prop}.${names.whole[3]} (${w ?? names.whole[1]} ms) must be at least connectTimeout (${c ?? names.connect[1]} ms); the sender would refuse to start`);
  }
  if (c !== undefined) env[names.connect[0]] = String(c);
  if (w !== undefined) env[names.whole[0]] = String(w);
  return env;
}

/** The subnets a VPC placement selects (private with egress unless told). */
export function subnetsOf(placement: VpcPlacement): ec2.SubnetSelection {
  return placement.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
}
