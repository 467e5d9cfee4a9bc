/**
 * Synth-time checks for trigger settings. Each kind turns a typed value (string[], boolean,
 * number, record) into the exact environment-variable text the binary parses, or throws an error
 * that names the setting and the bad value — the same promise trigger-core makes at cold start,
 * moved earlier so that a typo fails `cdk synth` instead of the first sign-up.
 */
import { Token } from 'aws-cdk-lib';

/** A JSON value, as a claim value in a V2/V3 token may be. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type SettingValue =
  | string
  | number
  | boolean
  | readonly string[]
  | Readonly<Record<string, string>>
  | Readonly<Record<string, string | readonly string[]>>
  | Readonly<Record<string, Readonly<Record<string, string>>>>
  | Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;

export interface SettingKind {
  /** What the value must look like, for error messages and docs. */
  readonly expects: string;
  /** Returns the environment-variable text, or throws `SettingError`. */
  render(name: string, value: SettingValue): string;
}

export class SettingError extends Error {
  constructor(name: string, value: unknown, expects: string) {
    super(`invalid setting ${name}=${JSON.stringify(value)}: expected ${expects}`);
    this.name = 'SettingError';
  }
}

function asList(name: string, value: SettingValue, expects: string): string[] {
  let items: readonly string[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value as readonly string[];
  else throw new SettingError(name, value, expects);
  const out = items.map((s) => String(s).trim()).filter((s) => s.length > 0);
  if (out.length === 0) throw new SettingError(name, value, expects);
  return out;
}

function checkedText(name: string, value: SettingValue, expects: string): string {
  if (typeof value !== 'string') throw new SettingError(name, value, expects);
  if (Token.isUnresolved(value)) return value;
  if (value.trim().length === 0 || /[\r\n\0]/.test(value)) throw new SettingError(name, value, expects);
  return value;
}

// A DNS name (letters, digits, hyphens; at least two labels; internationalised letters allowed,
// as the binaries accept them), optionally prefixed by `*.`.
const DOMAIN = /^(\*\.)?(?!-)[\p{L}\p{N}-]{1,63}(?<!-)(\.(?!-)[\p{L}\p{N}-]{1,63}(?<!-))+$/u;

export const domainList: SettingKind = {
  expects: 'a list of e-mail domains (example.com, or *.example.com for subdomains too)',
  render(name, value) {
    const items = asList(name, value, this.expects);
    for (const d of items) if (!DOMAIN.test(d)) throw new SettingError(name, d, this.expects);
    // The binaries compare case-insensitively; lower-case here so the template shows what applies.
    return items.map((d) => d.toLowerCase()).join(',');
  },
};

export const boolean: SettingKind = {
  expects: 'true or false',
  render(name, value) {
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (value === 'true' || value === 'false') return value;
    throw new SettingError(name, value, this.expects);
  },
};

export function integer(min: number, max: number): SettingKind {
  const expects = `an integer from ${min} to ${max}`;
  return {
    expects,
    render(name, value) {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) throw new SettingError(name, value, expects);
      return String(n);
    },
  };
}

export const text: SettingKind = {
  expects: 'non-empty text on one line',
  render(name, value) {
    return checkedText(name, value, this.expects);
  },
};

/** One line of at most `max` characters (an e-mail subject: a line break would be a header injection). */
export function textUpTo(max: number): SettingKind {
  const expects = `non-empty text on one line, at most ${max} characters`;
  return {
    expects,
    render(name, value) {
      const v = checkedText(name, value, expects);
      if (!Token.isUnresolved(v) && ([...v].length > max || /\p{Cc}/u.test(v))) throw new SettingError(name, value, expects);
      return v;
    },
  };
}

/** Exactly one of `choices` (lower-case, as the binaries document them). */
export function oneOf(...choices: readonly string[]): SettingKind {
  const expects = `one of ${choices.join(', ')}`;
  return {
    expects,
    render(name, value) {
      if (typeof value !== 'string' || !choices.includes(value)) throw new SettingError(name, value, expects);
      return value;
    },
  };
}

/** An absolute https URL that can go into a link as it is (no spaces, quotes or angle brackets). */
export const httpsUrl: SettingKind = {
  expects: 'an absolute https URL such as https://example.com/signup',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (Token.isUnresolved(v)) return v;
    let host = '';
    try {
      const u = new URL(v);
      if (u.protocol === 'https:') host = u.hostname;
    } catch {
      // not a URL
    }
    if (!v.startsWith('https://') || host === '' || /[\s"<>\p{Cc}]/u.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

const EMAIL = /^[^\s@<>",]+@(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i;
export const email: SettingKind = {
  expects: 'one e-mail address (local@domain)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !EMAIL.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/**
 * A sender: `no-reply@example.com`, or with a display name, `Example <no-reply@example.com>`
 * (printable ASCII; no `"`, `,`, `;`, `<`, `>`, `@` or backslash in the name, so it needs no quoting
 * or encoding).
 */
export const senderAddress: SettingKind = {
  expects: 'an e-mail address (local@domain), optionally with a display name: Example <local@domain>',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (Token.isUnresolved(v)) return v;
    const m = /^([^<>",;@\\]*[^<>",;@\\\s])\s*<([^<>]+)>$/.exec(v);
    const address = m ? m[2] : v;
    if (m && !/^[\x20-\x7e]+$/.test(m[1])) throw new SettingError(name, value, this.expects);
    if (!EMAIL.test(address)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** The address part of a sender (`Name <a@b>` -> `a@b`). */
export function senderAddressOf(sender: string): string {
  const m = /<([^<>]+)>$/.exec(sender.trim());
  return m ? m[1] : sender.trim();
}

// Cognito group names: 1-128 chars of [\p{L}\p{M}\p{S}\p{N}\p{P}].
export const groupName: SettingKind = {
  expects: 'a Cognito group name (1-128 visible characters, no spaces)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

const CLAIM = /^[A-Za-z0-9_:.\-]{1,128}$/;
export const nameList: SettingKind = {
  expects: 'a list of claim names',
  render(name, value) {
    const items = asList(name, value, this.expects);
    for (const c of items) if (!CLAIM.test(c)) throw new SettingError(name, c, this.expects);
    return items.join(',');
  },
};

/** Comma-separated words (attribute names such as `custom:*`, backend names): letters, digits, `_ : . * -`. */
export const wordList: SettingKind = {
  expects: 'a list of words (letters, digits, _ : . * -)',
  render(name, value) {
    const items = asList(name, value, this.expects);
    for (const w of items) if (!/^[A-Za-z0-9_:.*-]{1,128}$/.test(w)) throw new SettingError(name, w, this.expects);
    return items.join(',');
  },
};

/** A language tag the message catalogue can hold: `en`, `pt-BR`, `zh-Hant`. */
export const locale: SettingKind = {
  expects: 'a language tag such as en, de or pt-BR',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** An SES configuration set name (SESv2: 1-64 letters, digits, `_` or `-`). */
export const sesConfigurationSet: SettingKind = {
  expects: 'an SES configuration set name (1-64 letters, digits, _ or -)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** An SNS alphanumeric sender id: 1-11 letters, digits or hyphens, at least one letter (custom-sms-sender's rule). */
export const smsSenderId: SettingKind = {
  expects: 'an SMS sender id (1-11 letters, digits or hyphens, at least one letter)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !(/^[A-Za-z0-9-]{1,11}$/.test(v) && /[A-Za-z]/.test(v))) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** Where an SMS is sent from: an E.164 number (`+` and 8-15 digits) or the ARN of a phone number or pool. */
export const originationNumber: SettingKind = {
  expects: 'an E.164 number such as +14155550100, or the ARN of a phone number or pool',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !(/^\+\d{8,15}$/.test(v) || /^arn:\S+$/.test(v))) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** A DynamoDB table name (3-255 of `A-Z a-z 0-9 _ . -`). */
export const tableName: SettingKind = {
  expects: 'a DynamoDB table name (3-255 characters: letters, digits, _ . -)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !/^[A-Za-z0-9_.-]{3,255}$/.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** A DynamoDB index name (3-255 of `A-Z a-z 0-9 _ . -`, DynamoDB's rule for index names). */
export const indexName: SettingKind = {
  expects: 'a DynamoDB index name (3-255 characters: letters, digits, _ . -)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !/^[A-Za-z0-9_.-]{3,255}$/.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

/** A user pool id: `<region>_<id>` (`eu-west-1_AbC123`). */
export const userPoolId: SettingKind = {
  expects: 'a user pool id such as eu-west-1_AbC123',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !/^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

// A Cognito identity provider name (CreateIdentityProvider ProviderName): 1-32 visible characters,
// not starting with `_`; no `,` (the list separator).
const PROVIDER = /^(?!_)(?:(?!,)[\p{L}\p{M}\p{S}\p{N}\p{P}]){1,32}$/u;
/** Identity provider names as Cognito spells them (`Google`, `CorpSAML`), comma-separated or an array. */
export const providerNames: SettingKind = {
  expects: 'a list of identity provider names as the pool spells them (Google, SignInWithApple, CorpSAML)',
  render(name, value) {
    const items = asList(name, value, this.expects);
    for (const p of items) if (!PROVIDER.test(p)) throw new SettingError(name, p, this.expects);
    return items.join(',');
  },
};

/** `profileAttribute:claim` pairs, e.g. `tenantId:custom:tenant,roles:roles` (the claim may contain `:`). */
export const profileClaimMap: SettingKind = {
  expects: 'profile-attribute:claim pairs, e.g. tenantId:custom:tenant,roles:roles',
  render(name, value) {
    let pairs: [string, string][];
    if (typeof value === 'object' && !Array.isArray(value)) {
      pairs = Object.entries(value as Record<string, string>);
    } else {
      pairs = asList(name, value, this.expects).map((p) => {
        const i = p.indexOf(':');
        return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
      });
    }
    if (pairs.length === 0) throw new SettingError(name, value, this.expects);
    for (const [attr, claim] of pairs) {
      if (!/^[A-Za-z0-9_.\-]{1,255}$/.test(attr) || !CLAIM.test(claim)) throw new SettingError(name, `${attr}:${claim}`, this.expects);
    }
    return pairs.map(([a, c]) => `${a}:${c}`).join(',');
  },
};

/**
 * `key:value` pairs, comma-separated (`corpsaml:CorpSAML,oidc:MyOIDC`), split at the first `:`;
 * neither side blank, no `,` inside. Also accepts a record.
 */
export const pairList: SettingKind = {
  expects: 'key:value pairs, comma-separated, e.g. corpsaml:CorpSAML',
  render(name, value) {
    // [key, value, the entry as given (for the error)]
    let pairs: [string, string, string][];
    if (typeof value === 'object' && !Array.isArray(value)) {
      pairs = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (typeof v !== 'string') throw new SettingError(name, value, this.expects);
        return [k.trim(), v.trim(), `${k}:${v}`];
      });
    } else {
      pairs = asList(name, value, this.expects).map((p) => {
        const i = p.indexOf(':');
        return i < 0 ? [p, '', p] : [p.slice(0, i).trim(), p.slice(i + 1).trim(), p];
      });
    }
    if (pairs.length === 0) throw new SettingError(name, value, this.expects);
    for (const [k, v, given] of pairs) {
      if (k === '' || v === '' || /[,:\s]/.test(k) || /[,\p{Cc}]/u.test(v)) throw new SettingError(name, given, this.expects);
    }
    return pairs.map(([k, v]) => `${k}:${v}`).join(',');
  },
};

// An OAuth scope token (RFC 6749 3.3): printable ASCII without space, `"` and `\\`; `;` would end the entry.
const SCOPE = /^[\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]+$/;
// A Cognito group name the binary can split out: no `:` (the separator), `;` (the entry separator) or whitespace.
const SCOPE_GROUP = /^(?:(?![:;])[\p{L}\p{M}\p{S}\p{N}\p{P}]){1,128}$/u;

/**
 * `key:item item;key:item` entries (split by `;`, the key before the first `:`, items separated
 * by spaces; items may contain `:` and `/`), or a record `{ [key]: 'item item' | ['item', ...] }`
 * whose keys may be tokens when `tokenKeys`. Each key once, each with at least one valid item.
 */
function keyedLists(spec: {
  what: 'group' | 'client';
  expects: string;
  validKey: RegExp;
  validItem: RegExp;
  tokenKeys: boolean;
}): SettingKind {
  return {
    expects: spec.expects,
    render(name, value) {
      let entries: [string, string[]][];
      if (typeof value === 'object' && !Array.isArray(value)) {
        entries = Object.entries(value as Record<string, string | readonly string[]>).map(([key, items]) => {
          if (typeof items === 'string') return [key, items.split(/\s+/).filter(Boolean)];
          if (Array.isArray(items) && items.every((x) => typeof x === 'string')) return [key, [...items]];
          throw new SettingError(name, value, this.expects);
        });
      } else {
        const v = checkedText(name, value, this.expects);
        if (Token.isUnresolved(v)) return v;
        entries = v
          .split(';')
          .map((e) => e.trim())
          .filter(Boolean)
          .map((e) => {
            const i = e.indexOf(':');
            if (i < 0) throw new SettingError(name, e, this.expects);
            return [e.slice(0, i).trim(), e.slice(i + 1).split(/\s+/).filter(Boolean)];
          });
      }
      if (entries.length === 0) throw new SettingError(name, value, this.expects);
      const seen = new Set<string>();
      for (const [key, items] of entries) {
        const shown = `${key}:${items.join(' ')}`;
        const keyOk = (spec.tokenKeys && Token.isUnresolved(key)) || spec.validKey.test(key);
        if (!keyOk || items.length === 0 || !items.every((item) => spec.validItem.test(item))) {
          throw new SettingError(name, shown, this.expects);
        }
        if (seen.has(key)) throw new SettingError(name, shown, `${this.expects}; ${spec.what} ${key} is listed twice`);
        seen.add(key);
      }
      return entries.map(([key, items]) => `${key}:${items.join(' ')}`).join(';');
    },
  };
}

/**
 * Group-to-scopes entries for V2 access tokens: `group:scope scope;group:scope`, or a record
 * `{ group: 'scope scope' | ['scope', ...] }`. A group listed twice is refused.
 */
export const groupScopes: SettingKind = keyedLists({
  what: 'group',
  expects: 'group:scope scope;group:scope entries, e.g. admins:orders/write orders/read;editors:orders/read',
  validKey: SCOPE_GROUP,
  validItem: SCOPE,
  tokenKeys: false,
});

// Cognito's app client id pattern, [\w+]+ (up to 128).
const CLIENT_ID = /^[\w+]{1,128}$/;

/**
 * Per-app-client lists for client-credentials (V3) tokens: `clientId:item item;clientId:item`, or
 * a record `{ [clientId]: 'item item' | ['item', ...] }` whose keys may be tokens
 * (`client.userPoolClientId`). A client listed twice is refused.
 */
function clientLists(item: 'scope' | 'claim'): SettingKind {
  return keyedLists({
    what: 'client',
    expects: `clientId:${item} ${item};clientId:${item} entries, or a record { [clientId]: [${item}, ...] }`,
    validKey: CLIENT_ID,
    validItem: item === 'scope' ? SCOPE : CLAIM,
    tokenKeys: true,
  });
}

export const clientScopes = clientLists('scope');
export const clientClaimNames = clientLists('claim');

/**
 * Access-token claims per app client for client-credentials (V3) tokens: a record
 * `{ [clientId]: { claim: value } }` (keys may be tokens), values any JSON but null, or the
 * binary's JSON text. Rendered as JSON.
 */
export const clientClaims: SettingKind = {
  expects: 'a record { [clientId]: { claim: value } } (values: string, number, boolean, array or object), or its JSON text',
  render(name, value) {
    let parsed: unknown = value;
    if (typeof value === 'string') {
      if (Token.isUnresolved(value)) return value;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new SettingError(name, value, this.expects);
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SettingError(name, value, this.expects);
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (entries.length === 0) throw new SettingError(name, value, this.expects);
    for (const [client, claims] of entries) {
      if (!Token.isUnresolved(client) && !CLIENT_ID.test(client)) throw new SettingError(name, client, this.expects);
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims) || Object.keys(claims).length === 0) {
        throw new SettingError(name, { [client]: claims }, this.expects);
      }
      for (const [claim, v] of Object.entries(claims as Record<string, unknown>)) {
        if (!CLAIM.test(claim) || v === null || v === undefined) throw new SettingError(name, `${client}.${claim}`, this.expects);
      }
    }
    return JSON.stringify(parsed);
  },
};

/** The claim names of a rendered `clientClaims` or `clientClaimNames` value (empty when it is a token). */
export function clientClaimsOf(kind: 'json' | 'lists', rendered: string): string[] {
  if (Token.isUnresolved(rendered) && kind === 'json' && !rendered.startsWith('{')) return [];
  if (kind === 'lists') return rendered.split(';').flatMap((e) => e.slice(e.indexOf(':') + 1).split(' ').filter(Boolean));
  try {
    return Object.values(JSON.parse(rendered) as Record<string, Record<string, unknown>>).flatMap((claims) => Object.keys(claims));
  } catch {
    return [];
  }
}

/** Claims named by a rendered `profileClaimMap` or `nameList` value. */
export function claimsOf(kind: 'map' | 'list', rendered: string): string[] {
  return rendered.split(',').map((p) => (kind === 'map' ? p.slice(p.indexOf(':') + 1) : p));
}

/** Cognito's standard user-pool attributes a provider may fill (inbound-federation's settings.rs). */
export const STANDARD_ATTRIBUTES = [
  'address', 'birthdate', 'email', 'email_verified', 'family_name', 'gender', 'given_name', 'locale', 'middle_name',
  'name', 'nickname', 'phone_number', 'phone_number_verified', 'picture', 'preferred_username', 'profile',
  'updated_at', 'website', 'zoneinfo',
] as const;
/** The attributes that pass only from a trusted provider (LINK_TRUSTED_PROVIDERS). */
export const VERIFIED_FLAGS = ['email_verified', 'phone_number_verified'] as const;
// A claim or SAML attribute name: visible characters, none of the format's separators.
const FEDERATION_CLAIM = /^[^\s,;|\p{Cc}]+$/u;
const CUSTOM_ATTRIBUTE = /^custom:[^\s,;=|\p{Cc}]{1,20}$/u;

/**
 * inbound-federation's FEDERATION_ATTRIBUTE_MAP: per provider (or `*`), user-pool attribute ->
 * claim (`a|b` alternatives, `claim[]` a groups list into a `custom:` attribute). A record
 * `{ CorpSAML: { email: 'http://…/emailaddress' } }` or the binary's text form
 * `Provider: attribute=claim, …; Provider: …`; checked by the binary's rules, written as text.
 */
export const federationMap: SettingKind = {
  expects:
    'a mapping per identity provider, { Provider: { attribute: "claim" } } or "Provider: attribute=claim, …; …" ' +
    '(standard or custom: attributes, no sub/identities/cognito:*; claim[] only into custom:; docs/triggers/inbound-federation.md)',
  render(name, value) {
    let blocks: [string, [string, string][]][];
    if (typeof value === 'object' && !Array.isArray(value)) {
      blocks = Object.entries(value as Record<string, unknown>).map(([provider, entries]) => {
        if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw new SettingError(name, provider, this.expects);
        return [provider.trim(), Object.entries(entries as Record<string, unknown>).map(([a, c]) => {
          if (typeof c !== 'string') throw new SettingError(name, `${provider}: ${a}`, this.expects);
          return [a.trim(), c.trim()] as [string, string];
        })];
      });
    } else {
      const v = checkedText(name, value, this.expects);
      if (Token.isUnresolved(v)) return v;
      blocks = v.split(';').map((b) => b.trim()).filter(Boolean).map((b) => {
        const i = b.indexOf(':');
        if (i < 0) throw new SettingError(name, b, this.expects);
        const entries = b.slice(i + 1).split(',').map((e) => e.trim()).filter(Boolean).map((e) => {
          const j = e.indexOf('=');
          if (j < 0) throw new SettingError(name, e, this.expects);
          return [e.slice(0, j).trim(), e.slice(j + 1).trim()] as [string, string];
        });
        return [b.slice(0, i).trim(), entries];
      });
    }
    if (blocks.length === 0) throw new SettingError(name, value, this.expects);
    const providers = new Set<string>();
    for (const [provider, entries] of blocks) {
      if (provider !== '*' && (!PROVIDER.test(provider) || provider.includes(':'))) throw new SettingError(name, provider, this.expects);
      if (providers.has(provider)) throw new SettingError(name, provider, `${this.expects}; ${provider} is listed twice`);
      providers.add(provider);
      if (entries.length === 0) throw new SettingError(name, provider, this.expects);
      const attributes = new Set<string>();
      for (const [attribute, claim] of entries) {
        const shown = `${provider}: ${attribute}=${claim}`;
        const groups = claim.endsWith('[]');
        const claims = (groups ? claim.slice(0, -2) : claim).split('|').map((c) => c.trim());
        const custom = CUSTOM_ATTRIBUTE.test(attribute);
        const standard = (STANDARD_ATTRIBUTES as readonly string[]).includes(attribute);
        if ((!custom && !standard) || (groups && !custom) || !claims.every((c) => FEDERATION_CLAIM.test(c))) {
          throw new SettingError(name, shown, this.expects);
        }
        if (attributes.has(attribute)) throw new SettingError(name, shown, `${this.expects}; ${attribute} is mapped twice for ${provider}`);
        attributes.add(attribute);
      }
    }
    return blocks.map(([p, entries]) => `${p}: ${entries.map(([a, c]) => `${a}=${c}`).join(', ')}`).join('; ');
  },
};

/** The providers (not `*`) whose entry in a rendered FEDERATION_ATTRIBUTE_MAP maps a verified flag. */
export function providersMappingVerifiedFlags(rendered: string): string[] {
  return rendered
    .split(';')
    .map((b) => b.trim())
    .filter(Boolean)
    .filter((b) => {
      const i = b.indexOf(':');
      const attributes = b.slice(i + 1).split(',').map((e) => e.slice(0, e.indexOf('=')).trim());
      return b.slice(0, i).trim() !== '*' && attributes.some((a) => (VERIFIED_FLAGS as readonly string[]).includes(a));
    })
    .map((b) => b.slice(0, b.indexOf(':')).trim());
}

/**
 * Leading digits of E.164 numbers (`1`, `44`, `1876`), as a list: the SMS pumping guard's allowed
 * calling codes and denied prefixes (custom-sms-sender's rule: 1-7 digits, not starting with 0).
 */
export const callingCodes: SettingKind = {
  expects: 'calling codes or number prefixes such as 1, 44 or 1876 (1-7 digits, not starting with 0)',
  render(name, value) {
    const items = asList(name, value, this.expects);
    for (const c of items) if (!Token.isUnresolved(c) && !/^[1-9]\d{0,6}$/.test(c.replace(/^\+/, ''))) throw new SettingError(name, value, this.expects);
    return items.map((c) => c.replace(/^\+/, '')).join(',');
  },
};
