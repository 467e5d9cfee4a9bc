#!/usr/bin/env node
// CDK entry point (cdk.json: `node --import tsx bin/app.ts`). See lib/app.ts for the context keys.
import { buildApp } from '../lib/app';

buildApp().app.synth();
