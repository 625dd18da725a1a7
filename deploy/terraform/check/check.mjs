// Offline checks of the Terraform module where no terraform binary is available: every file parses with HashiCorp's
// HCL parser (compiled to WebAssembly in @cdktf/hcl2json), every var./local./data./resource reference is declared,
// nothing declared is unused, and every variable and output says what it is.
//
//   node check.mjs MODULE_DIR
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

const dir = process.argv[2] ?? '..';
const problems = [];
const declared = { var: new Set(), local: new Set(), data: new Set(), resource: new Set() };
let text = '';
const files = readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();
for (const file of files) {
  const source = readFileSync(join(dir, file), 'utf8');
  // comments may mention names freely; strings and expressions may not
  text += source.replace(/^\s*#.*$/gm, '') + '\n';
  let tf;
  try {
    tf = await parse(file, source);
  } catch (e) {
    problems.push(`${file}: ${String(e.message ?? e).split('\n')[0]}`);
    continue;
  }
  for (const [name, [body]] of Object.entries(tf.variable ?? {})) {
    declared.var.add(name);
    if (!body.description) problems.push(`${file}: variable ${name}: no description`);
    if (!body.type) problems.push(`${file}: variable ${name}: no type`);
  }
  for (const [name, [body]] of Object.entries(tf.output ?? {})) {
    if (!body.description) problems.push(`${file}: output ${name}: no description`);
  }
  for (const block of tf.locals ?? []) for (const name of Object.keys(block)) declared.local.add(name);
  for (const [type, byName] of Object.entries(tf.data ?? {})) for (const name of Object.keys(byName)) declared.data.add(`${type}.${name}`);
  for (const [type, byName] of Object.entries(tf.resource ?? {})) for (const name of Object.keys(byName)) declared.resource.add(`${type}.${name}`);
}

const used = { var: new Set(), local: new Set(), data: new Set(), resource: new Set() };
for (const [, kind, name] of text.matchAll(/\b(var|local)\.([a-z_][a-z0-9_]*)/g)) used[kind].add(name);
for (const [, ref] of text.matchAll(/\bdata\.([a-z0-9_]+\.[a-z_][a-z0-9_]*)/g)) used.data.add(ref);
for (const [, ref] of text.matchAll(/(?<![.\w"])(aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*)/g)) used.resource.add(ref);

for (const kind of Object.keys(used)) {
  for (const name of used[kind]) if (!declared[kind].has(name)) problems.push(`${kind} ${name}: referenced, not declared`);
}
for (const kind of ['var', 'local', 'data']) {
  for (const name of declared[kind]) if (!used[kind].has(name)) problems.push(`${kind} ${name}: declared, never used`);
}

for (const p of problems) console.error(`terraform: ${p}`);
console.log(`terraform: ${files.length} files parsed, ${declared.var.size} variables, ${declared.resource.size} resources, ${problems.length} problem(s)`);
process.exit(problems.length ? 1 : 0);
