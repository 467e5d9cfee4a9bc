/**
 * `settingsInLayer`: a function's settings as a JSON file in a layer of its own instead of its
 * environment, for settings too large for Lambda's 4 KB environment (domain lists, attribute maps,
 * templates). The binary reads the file `SETTINGS_FILE` names at cold start and merges it into its
 * environment (trigger_core::config, "settings_file"); a name in both fails its init, so a setting
 * is moved, never copied.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Token, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The variable naming the file; the binary reads it before any other setting. */
export const SETTINGS_FILE_VARIABLE = 'SETTINGS_FILE';
/**
 * Where the files are in the function (layers are extracted under /opt). A dot-directory: the
 * message-template layer is read from /opt itself, and its reader skips dot-files.
 */
export const SETTINGS_LAYER_DIRECTORY = '.cognito-triggers';

/** Read by the binary's logging before its settings: in the file it refuses them (trigger_core::config). */
const READ_BEFORE_THE_FILE = ['RUST_LOG', 'AWS_LAMBDA_LOG_LEVEL', SETTINGS_FILE_VARIABLE];

/** Stays in the environment: what CloudFormation fills in at deploy (the file is written at synth), and what is read before the file. */
function staysInEnvironment(name: string, value: string): boolean {
  return Token.isUnresolved(value) || READ_BEFORE_THE_FILE.includes(name);
}

/** What the binary accepts as a name in the file (the same rule as its environment). */
const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Splits `env` into what stays in the environment and what goes into the file; no name is in both. */
export function splitSettings(env: Readonly<Record<string, string>>): { environment: Record<string, string>; file: Record<string, string> } {
  const environment: Record<string, string> = {};
  const file: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name]!;
    if (staysInEnvironment(name, value)) environment[name] = value;
    else if (!VARIABLE_NAME.test(name)) throw new Error(`CognitoTriggers: setting ${JSON.stringify(name)} cannot go into SETTINGS_FILE: expected [A-Z_][A-Z0-9_]*`);
    else file[name] = value;
  }
  return { environment, file };
}

/**
 * Moves `binary`'s literal settings out of `env` into `<id>Settings`, a layer holding
 * `/opt/.cognito-triggers/<binary>.json`, and names that file in `SETTINGS_FILE`. Returns the layer,
 * or nothing when no setting moves.
 */
export function settingsLayer(scope: Construct, id: string, binary: string, env: Record<string, string>): lambda.ILayerVersion | undefined {
  const { environment, file } = splitSettings(env);
  if (Object.keys(file).length === 0) return undefined;
  const content = JSON.stringify(file, null, 2) + '\n';
  // A directory per content: the asset hash follows the settings, and a synth rewrites nothing.
  const hash = createHash('sha256').update(binary).update('\0').update(content).digest('hex').slice(0, 32);
  const dir = path.join(os.tmpdir(), 'cognito-triggers-settings', hash);
  fs.mkdirSync(path.join(dir, SETTINGS_LAYER_DIRECTORY), { recursive: true });
  fs.writeFileSync(path.join(dir, SETTINGS_LAYER_DIRECTORY, `${binary}.json`), content);
  for (const name of Object.keys(env)) delete env[name];
  Object.assign(env, environment, { [SETTINGS_FILE_VARIABLE]: `/opt/${SETTINGS_LAYER_DIRECTORY}/${binary}.json` });
  return new lambda.LayerVersion(scope, `${id}Settings`, {
    code: lambda.Code.fromAsset(dir),
    compatibleArchitectures: [lambda.Architecture.ARM_64],
    description: `${binary}: its settings as ${SETTINGS_FILE_VARIABLE} (settingsInLayer)`,
  });
}
