#!/usr/bin/env node
// Entry point. Plain JavaScript with no static import, no top-level await and no newer syntax, on purpose:
// it must parse on any Node, so that scripts/require-node.js can say which Node hpa-lab needs (one line,
// exit 1) before the TypeScript is loaded (Node runs it natively from v22.18, type stripping).
import('./require-node.js')
  .catch(function (err) {
    // Node 10 and older load this file as CommonJS and have no import(): the same check, the CommonJS way.
    // eslint-disable-next-line no-undef, @typescript-eslint/no-require-imports
    if (typeof require === 'function') require('./require-node.js');
    throw err;
  })
  .then(function () {
    // Cache compiled modules between runs (Node's own cache in the OS temp dir): start-up is most of a
    // short command's time.
    return import('node:module');
  })
  .then(function (m) {
    if (m.enableCompileCache) m.enableCompileCache();
    return import('./cli.ts');
  })
  .then(function (cli) {
    return cli.main(process.argv.slice(2), {
      out: function (s) {
        process.stdout.write(s + '\n');
      },
      err: function (s) {
        process.stderr.write(s + '\n');
      },
    });
  })
  .then(function (code) {
    process.exitCode = code;
  });
