#!/usr/bin/env node
// cdk-nag over the stack's synthesized CloudFormation template (the C# app cannot load cdk-nag, a TypeScript
// library; the template can be). The template is included with CfnInclude, the rule packs applied as aspects,
// and every finding printed as one JSON line:
//   {"pack","ruleId","level","status","logicalId","cdkPath","findingId","reason"}
// status: NonCompliant | Suppressed | Error | SuppressedError. Suppressions are the template's own resource
// Metadata (cdk_nag.rules_to_suppress), written by the C# app next to the resource with its reason.
// Usage: node infra/nag/check.js TEMPLATE.json [--nist]; exit 1 when anything is NonCompliant or an Error.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const cdk = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const nag = require('cdk-nag');

const args = process.argv.slice(2);
const templateFile = args.find((a) => !a.startsWith('--'));
if (!templateFile) {
  console.error('usage: node infra/nag/check.js TEMPLATE.json [--nist]');
  process.exit(2);
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'netlab-nag-'));
let bad = 0;
const emit = (status, d, extra = {}) => {
  if (status === 'NonCompliant' || status === 'Error') bad++;
  process.stdout.write(JSON.stringify({
    pack: d.nagPackName,
    ruleId: d.ruleId,
    level: d.ruleLevel,
    status,
    logicalId: d.resource.node.id, // CfnInclude keeps the template's logical ids as construct ids
    cdkPath: (d.resource.cfnOptions.metadata || {})['aws:cdk:path'],
    findingId: d.findingId,
    ...extra,
  }) + '\n');
};
const logger = {
  onCompliance: () => {},
  onNotApplicable: () => {},
  onNonCompliance: (d) => emit('NonCompliant', d),
  onSuppressed: (d) => emit('Suppressed', d, { reason: d.suppressionReason }),
  onError: (d) => emit('Error', d, { error: d.errorMessage }),
  onSuppressedError: (d) => emit('SuppressedError', d, { error: d.errorMessage, reason: d.errorSuppressionReason }),
};

const app = new cdk.App({ outdir });
// The included template has its own BootstrapVersion parameter and rule.
const stack = new cdk.Stack(app, 'Nag', { synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
new CfnInclude(stack, 'Template', { templateFile });
const props = { reports: false, additionalLoggers: [logger] };
cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks(props));
if (args.includes('--nist')) cdk.Aspects.of(app).add(new nag.NIST80053R5Checks(props));
try {
  app.synth();
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
process.exit(bad > 0 ? 1 : 0);
