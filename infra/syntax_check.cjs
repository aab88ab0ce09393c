// The functions pre-flight's syntax check for many files in one node process: each file is compiled as
// CommonJS with the module wrapper's parameters, as `node --check` does for a CommonJS file. Prints one JSON
// line: {"builtins": [...Node built-in module names], "compiled": [true|false per file argument]}.
// Only "true" is trusted; infra/syntax_check.py hands every other file to `node --check` itself.
'use strict';
const fs = require('node:fs');
const vm = require('node:vm');
const { builtinModules } = require('node:module');

const WRAPPER_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

const compiled = process.argv.slice(2).map((file) => {
  try {
    vm.compileFunction(fs.readFileSync(file, 'utf8'), WRAPPER_PARAMETERS, { filename: file });
    return true;
  } catch {
    return false;
  }
});
process.stdout.write(`${JSON.stringify({ builtins: builtinModules, compiled })}\n`);
