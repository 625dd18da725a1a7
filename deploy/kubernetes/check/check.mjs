// Validates rendered Kubernetes objects: each against its Kubernetes (or prometheus-operator) JSON schema, and each
// for fields the schema does not know (the schemas allow any extra field, so a misspelt `readOnlyRootFilesystem`
// would pass them and be dropped by the API server). Unknown fields are found by type-checking every object as an
// object literal of its TypeScript interface: excess properties are errors there, at any depth.
//
//   node check.mjs [--rules RULES.yml] [--dashboard DASHBOARD.json] RENDERED.yaml...
//
// --rules / --dashboard also check that the PrometheusRule and the dashboard ConfigMap carry those files unchanged.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import ts from 'typescript';
import { parse, parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const rulesFile = option('--rules');
const dashboardFile = option('--dashboard');
const problems = [];
const objects = [];

for (const file of args) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length) problems.push(`${file}: ${doc.errors[0].message}`);
    const object = doc.toJS();
    if (object) objects.push({ file, object });
  }
}

function modelModule(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}
const label = ({ object }) => `${object.kind}/${object.metadata?.name}`;

// 1. the JSON schemas (types, formats, required fields, enums)
const typed = [];
for (const entry of objects) {
  const { apiVersion, kind } = entry.object;
  if (!apiVersion || !kind) { problems.push(`${entry.file}: an object without apiVersion or kind`); continue; }
  let model;
  try {
    model = (await import(modelModule(apiVersion)))[kind];
  } catch {
    model = undefined;
  }
  if (!model) { problems.push(`${label(entry)}: no schema for ${apiVersion} ${kind}`); continue; }
  try {
    new model(entry.object).validate();
  } catch (e) {
    const detail = (e.errors ?? []).slice(0, 3).map((x) => `${x.instancePath || '/'} ${x.message}`).join('; ');
    problems.push(`${label(entry)}: ${detail || e.message}`);
  }
  typed.push({ ...entry, module: modelModule(apiVersion), type: `I${kind}` });
}

// 2. unknown fields, through TypeScript's excess property check on object literals
const work = mkdtempSync(join(here, '.objects-'));
try {
  const source = join(work, 'objects.ts');
  const lines = [];
  const spans = [];
  typed.forEach((entry, i) => lines.push(`import type { ${entry.type} as T${i} } from "${entry.module}";`));
  typed.forEach((entry, i) => {
    const start = lines.length;
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(entry.object, null, 2)};`);
    spans.push({ entry, start, end: lines.join('\n').split('\n').length });
  });
  writeFileSync(source, lines.join('\n') + '\n');
  const program = ts.createProgram([source], {
    noEmit: true, strict: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ');
    if (!d.file || d.file.fileName !== source) { problems.push(`type check: ${message.slice(0, 300)}`); continue; }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const owner = spans.find((s) => line >= s.start && line < s.end);
    const text = d.file.text.split('\n')[line].trim();
    problems.push(`${owner ? label(owner.entry) : 'objects'}: ${text.slice(0, 80)}: ${message.slice(0, 300)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// 3. the rule and dashboard files arrive unchanged
const find = (kind, pred = () => true) => objects.map((e) => e.object).find((o) => o.kind === kind && pred(o));
if (rulesFile) {
  const rule = find('PrometheusRule');
  if (!rule) problems.push('no PrometheusRule rendered');
  else if (!isDeepStrictEqual(rule.spec, parse(readFileSync(rulesFile, 'utf8')))) {
    problems.push(`PrometheusRule/${rule.metadata.name}: spec differs from ${rulesFile}`);
  }
}
if (dashboardFile) {
  const expected = JSON.parse(readFileSync(dashboardFile, 'utf8'));
  const map = find('ConfigMap', (o) => o.metadata?.labels?.grafana_dashboard);
  const data = map && Object.values(map.data ?? {})[0];
  if (!data) problems.push('no dashboard ConfigMap rendered');
  else if (!isDeepStrictEqual(JSON.parse(data), expected)) problems.push(`ConfigMap/${map.metadata.name}: dashboard differs from ${dashboardFile}`);
}

for (const p of problems) console.error(`manifests: ${p}`);
console.log(`manifests: ${objects.length} objects in ${args.length} file(s), ${problems.length} problem(s)`);
process.exit(problems.length ? 1 : 0);
