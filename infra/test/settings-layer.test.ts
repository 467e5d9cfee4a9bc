/**
 * `settingsInLayer` (issue 25 item 4): a function's settings as a JSON file in a layer of its own,
 * named by SETTINGS_FILE, so settings over Lambda's 4 KB environment synthesize.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Aws, Stack, aws_cognito as cognito } from 'aws-cdk-lib';
import { CognitoTriggers, CognitoTriggersProps } from '../lib/cognito-triggers';
import { splitSettings } from '../lib/settings-layer';
import { ASSETS, logicalIdAt, synth, tempDir, testApp } from './helpers';

const DOMAINS = Array.from({ length: 400 }, (_v, i) => `blocked-domain-${i}.example`);

function build(extra: Partial<CognitoTriggersProps>, enabled: CognitoTriggersProps['enabled'] = ['pre-signup', 'post-confirmation']) {
  const app = testApp();
  const stack = new Stack(app, 'Layered');
  const userPool = new cognito.UserPool(stack, 'Pool', { featurePlan: cognito.FeaturePlan.PLUS, signInCaseSensitive: false });
  new CognitoTriggers(stack, 'Triggers', { pool: { userPool }, enabled, assetDirectory: ASSETS, ...extra });
  const out = synth(app, stack);
  const fnOf = (id: string) => out.json.Resources[logicalIdAt(out.json, 'AWS::Lambda::Function', `/Triggers/${id}Function/`)].Properties;
  const layers = () => Object.entries<any>(out.json.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::LayerVersion');
  /** The file the layer `<id>Settings` ships, read from the staged asset in the cloud assembly. */
  const shipped = (id: string, binary: string) => {
    const layer = out.json.Resources[logicalIdAt(out.json, 'AWS::Lambda::LayerVersion', `/Triggers/${id}Settings/`)];
    const key = String(layer.Properties.Content.S3Key).replace(/\.zip$/, '');
    return JSON.parse(fs.readFileSync(path.join(app.outdir, `asset.${key}`, '.cognito-triggers', `${binary}.json`), 'utf8'));
  };
  return { ...out, fnOf, layers, shipped };
}

describe('settingsInLayer', () => {
  it('moves the settings into a JSON file in a layer of the function, named by SETTINGS_FILE, and lifts the 4 KB refusal', () => {
    const settings = { 'pre-signup': { DENIED_EMAIL_DOMAINS: DOMAINS } };
    assert.throws(() => build({ settings }, ['pre-signup']), /pre-signup's settings take \d+ bytes, over Lambda's 4096-byte limit .*settingsInLayer: true/);

    const { fnOf, json, shipped, violations } = build({ settings, functionOptions: { 'pre-signup': { settingsInLayer: true } } }, ['pre-signup']);
    const fn = fnOf('PreSignup');
    const env = fn.Environment.Variables;
    assert.equal(env.SETTINGS_FILE, '/opt/.cognito-triggers/pre-signup.json');
    assert.equal(env.DENIED_EMAIL_DOMAINS, undefined, 'moved, not copied');
    assert.deepEqual(fn.Layers, [{ Ref: logicalIdAt(json, 'AWS::Lambda::LayerVersion', '/Triggers/PreSignupSettings/') }]);
    const file = shipped('PreSignup', 'pre-signup');
    assert.deepEqual(file.DENIED_EMAIL_DOMAINS.split(','), DOMAINS);
    for (const name of Object.keys(file)) assert.equal(env[name], undefined, `${name} is in the file and the environment`);
    assert.ok(Object.values(file).every((v) => typeof v === 'string'));
    // What CloudFormation fills in cannot be written at synth: it stays in the environment.
    assert.ok(Object.values(env).some((v) => typeof v === 'object'), JSON.stringify(env));
    assert.deepEqual(violations.filter((v) => v.includes('/Triggers/')), []);
  });

  it('comes from functionDefaults unless functionOptions says otherwise, one layer per function; the templates layer stays shared', () => {
    const templates = tempDir();
    const { fnOf, json, shipped, layers } = build({
      settings: { 'pre-signup': { DENIED_EMAIL_DOMAINS: ['blocked.example'] } },
      messageTemplatesDirectory: templates,
      functionDefaults: { settingsInLayer: true },
      functionOptions: { 'post-confirmation': { settingsInLayer: false } },
    });
    const signup = fnOf('PreSignup');
    assert.equal(signup.Environment.Variables.SETTINGS_FILE, '/opt/.cognito-triggers/pre-signup.json');
    assert.equal(shipped('PreSignup', 'pre-signup').DENIED_EMAIL_DOMAINS, 'blocked.example');
    const confirm = fnOf('PostConfirmation');
    assert.equal(confirm.Environment.Variables.SETTINGS_FILE, undefined);
    assert.equal(confirm.Environment.Variables.MESSAGE_TEMPLATES_DIR, '/opt');
    assert.deepEqual(confirm.Layers, [{ Ref: logicalIdAt(json, 'AWS::Lambda::LayerVersion', '/Triggers/MessageTemplates/') }]);
    assert.deepEqual(
      layers().map(([id]) => id).sort(),
      [logicalIdAt(json, 'AWS::Lambda::LayerVersion', '/Triggers/MessageTemplates/'), logicalIdAt(json, 'AWS::Lambda::LayerVersion', '/Triggers/PreSignupSettings/')].sort(),
    );
  });

  it('moves only what is known at synth, keeps RUST_LOG, and never puts a name in both places', () => {
    const env = { TABLE_NAME: Aws.ACCOUNT_ID, RUST_LOG: 'debug', DENIED_EMAIL_DOMAINS: 'a.example', UNIQUE_EMAIL: 'true' };
    const { environment, file } = splitSettings(env);
    assert.deepEqual(file, { DENIED_EMAIL_DOMAINS: 'a.example', UNIQUE_EMAIL: 'true' });
    assert.deepEqual(Object.keys(environment).sort(), ['RUST_LOG', 'TABLE_NAME']);
    for (const name of Object.keys(file)) assert.ok(!(name in environment), name);
    assert.throws(() => splitSettings({ 'lower-case': 'x' }), /setting "lower-case" cannot go into SETTINGS_FILE/);
  });
});
