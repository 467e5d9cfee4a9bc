/**
 * Synth-time checks for trigger settings. Each kind turns a typed value (string[], boolean,
 * number, record) into the exact environment-variable text the binary parses, or throws an error
 * that names the setting and the bad value — the same promise trigger-core makes at cold start,
 * moved earlier so that a typo fails `cdk synth` instead of the first sign-up.
 */
import { Token } from 'aws-cdk-lib';

export type SettingValue = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;

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

const EMAIL = /^[^\s@<>",]+@(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i;
export const email: SettingKind = {
  expects: 'one e-mail address (local@domain)',
  render(name, value) {
    const v = checkedText(name, value, this.expects);
    if (!Token.isUnresolved(v) && !EMAIL.test(v)) throw new SettingError(name, value, this.expects);
    return v;
  },
};

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

/** Claims named by a rendered `profileClaimMap` or `nameList` value. */
export function claimsOf(kind: 'map' | 'list', rendered: string): string[] {
  return rendered.split(',').map((p) => (kind === 'map' ? p.slice(p.indexOf(':') + 1) : p));
}
