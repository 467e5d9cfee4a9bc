/**
 * Test helpers. Nothing here builds Rust or touches the network: code assets are a temp directory
 * holding a dummy `bootstrap` per binary; REMINDER_ASL is a temp stand-in (the existing-pool stack
 * and reminder-definition.test.ts load the real triggers/signup-reminder/state-machine.asl.json).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { newApp } from '../lib/app';
import { REMINDER_FUNCTION_PLACEHOLDER } from '../lib/cognito-triggers';
import { TRIGGER_NAMES } from '../lib/triggers';

// The in-repo settings the CLI uses (cdk.json), so tests synthesize what `make synth` does.
const CDK_JSON = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-triggers-infra-'));
process.on('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A directory with `<binary>/bootstrap` for every binary (a shell script, not a real build). */
export const ASSETS = (() => {
  const dir = path.join(tmpRoot, 'lambda');
  for (const bin of TRIGGER_NAMES) {
    fs.mkdirSync(path.join(dir, bin), { recursive: true });
    fs.writeFileSync(path.join(dir, bin, 'bootstrap'), `#!/bin/sh\n# stand-in for ${bin}\n`, { mode: 0o755 });
  }
  return dir;
})();

/** A minimal reminder definition using the placeholder the construct substitutes. */
export const REMINDER_ASL = (() => {
  const file = path.join(tmpRoot, 'state-machine.asl.json');
  const invoke = (action: string, next?: string) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: '${' + REMINDER_FUNCTION_PLACEHOLDER + '}', Payload: { 'input.$': '$', action } },
    ResultPath: null,
    ...(next ? { Next: next } : { End: true }),
  });
  fs.writeFileSync(
    file,
    JSON.stringify({
      Comment: 'test stand-in',
      StartAt: 'WaitRemind',
      States: {
        WaitRemind: { Type: 'Wait', Seconds: 86400, Next: 'Remind' },
        Remind: invoke('remind', 'WaitExpire'),
        WaitExpire: { Type: 'Wait', Seconds: 518400, Next: 'Expire' },
        Expire: invoke('expire'),
      },
    }),
  );
  return file;
})();

export function tempFile(name: string, content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(tmpRoot, 'f-')), name);
  fs.writeFileSync(file, content);
  return file;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(tmpRoot, 'd-'));
}

export interface SynthOptions {
  /** Run CDK's built-in CloudFormation validation (schema, semantics, cycles) in strict mode. Slower. */
  readonly validate?: boolean;
  readonly context?: Record<string, unknown>;
}

/** An App configured like the CLI's (cdk.json context, cdk-nag), writing to a temp directory. */
export function testApp(options: SynthOptions = {}): App {
  return newApp({
    outdir: fs.mkdtempSync(path.join(tmpRoot, 'out-')),
    context: {
      ...CDK_JSON.context,
      // The CLI sets this; the tests find resources by construct path.
      'aws:cdk:enable-path-metadata': true,
      // Let synth finish and report; the tests read the report and fail with its findings.
      '@aws-cdk/core:failSynthOnValidationErrors': options.validate === true,
      ...(options.context ?? {}),
    },
  });
}

export interface Synthesized {
  readonly template: Template;
  readonly json: any;
  /** cdk-nag and (when validating) CloudFormation Validate violations, as "rule at path". */
  readonly violations: string[];
  /** Acknowledged cdk-nag rules: logical id -> [{ id, reason }]. */
  readonly acknowledged: Record<string, { id: string; reason: string }[]>;
}

export function synth(app: App, stack: Stack, options: SynthOptions = {}): Synthesized {
  const before = process.env.CDK_VALIDATION;
  // CDK_VALIDATION=false skips the built-in CloudFormation validator (about 9 s -> 2 s a synth);
  // the strict-validation test turns it on.
  process.env.CDK_VALIDATION = options.validate ? 'true' : 'false';
  let assembly;
  try {
    assembly = app.synth();
  } finally {
    if (before === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = before;
  }
  const json = assembly.getStackByName(stack.stackName).template;
  // fromJSON checks the template for cyclic dependencies and throws on one.
  const template = Template.fromJSON(json);

  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
  const violations: string[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      for (const c of v.violatingConstructs ?? []) violations.push(`${plugin.pluginName}: ${v.ruleName} at ${c.constructPath}: ${v.description}`);
    }
  }
  const acknowledged: Synthesized['acknowledged'] = {};
  for (const [logicalId, resource] of Object.entries<any>(json.Resources ?? {})) {
    const rules = resource.Metadata?.cdk_nag?.rules_to_suppress;
    if (rules) acknowledged[logicalId] = rules;
  }
  return { template, json, violations, acknowledged };
}

export function resourcesOfType(json: any, type: string): Record<string, any> {
  return Object.fromEntries(Object.entries<any>(json.Resources).filter(([, r]) => r.Type === type));
}

/** The logical id of the single resource of `type` whose construct path contains `pathPart`. */
export function logicalIdAt(json: any, type: string, pathPart: string): string {
  const hits = Object.entries<any>(json.Resources).filter(
    ([, r]) => r.Type === type && String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (hits.length !== 1) throw new Error(`expected one ${type} at ${pathPart}, found ${hits.map(([id]) => id).join(', ') || 'none'}`);
  return hits[0][0];
}

/**
 * Every statement a role holds, wherever it lives (inline policies on the role, AWS::IAM::Policy
 * resources attached to it), with intrinsic references replaced by `<LogicalId>` markers so the
 * tests can list them literally.
 */
export function roleStatements(json: any, roleLogicalId: string): any[] {
  const role = json.Resources[roleLogicalId];
  const statements: any[] = [];
  for (const p of role.Properties.Policies ?? []) statements.push(...p.PolicyDocument.Statement);
  for (const r of Object.values<any>(json.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    if ((r.Properties.Roles ?? []).some((x: any) => x.Ref === roleLogicalId)) statements.push(...r.Properties.PolicyDocument.Statement);
  }
  return statements.map((s) => symbolic(json, s));
}

/** Replaces Ref/GetAtt/Sub with readable markers: {Ref: X} -> "Ref(<path>)", GetAtt -> "<path>.Arn". */
export function symbolic(json: any, value: any): any {
  const name = (id: string) => shortPath(json, id);
  if (Array.isArray(value)) return value.map((v) => symbolic(json, v));
  if (value && typeof value === 'object') {
    if ('Ref' in value && Object.keys(value).length === 1) return `Ref(${name(value.Ref)})`;
    if ('Fn::GetAtt' in value) return `${name(value['Fn::GetAtt'][0])}.${value['Fn::GetAtt'][1]}`;
    if ('Fn::Join' in value) return value['Fn::Join'][1].map((v: any) => symbolic(json, v)).join(value['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, symbolic(json, v)]));
  }
  return value;
}

function shortPath(json: any, logicalId: string): string {
  if (logicalId.startsWith('AWS::')) return logicalId;
  const p: string | undefined = json.Resources[logicalId]?.Metadata?.['aws:cdk:path'];
  if (!p) return logicalId;
  // "Stack/Triggers/PreSignupRole/Resource" -> "Triggers/PreSignupRole"
  return p.split('/').slice(1).filter((s) => s !== 'Resource').join('/');
}

/** Dependency edges of a template (Ref, GetAtt, Sub, DependsOn), for an explicit cycle search. */
export function findCycle(json: any): string[] | undefined {
  const ids = new Set(Object.keys(json.Resources));
  const edges = new Map<string, Set<string>>();
  const collect = (from: string, v: any) => {
    if (Array.isArray(v)) return v.forEach((x) => collect(from, x));
    if (!v || typeof v !== 'object') {
      return;
    }
    if (typeof v.Ref === 'string' && ids.has(v.Ref)) edges.get(from)!.add(v.Ref);
    if (Array.isArray(v['Fn::GetAtt']) && ids.has(v['Fn::GetAtt'][0])) edges.get(from)!.add(v['Fn::GetAtt'][0]);
    if ('Fn::Sub' in v) {
      const text = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'][0] : v['Fn::Sub'];
      for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}/g)) if (ids.has(m[1])) edges.get(from)!.add(m[1]);
    }
    Object.values(v).forEach((x) => collect(from, x));
  };
  for (const [id, r] of Object.entries<any>(json.Resources)) {
    edges.set(id, new Set());
    collect(id, r.Properties ?? {});
    for (const d of [].concat(r.DependsOn ?? [])) edges.get(id)!.add(d);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const c = visit(next);
      if (c) return c;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const c = visit(id);
    if (c) return c;
  }
  return undefined;
}
