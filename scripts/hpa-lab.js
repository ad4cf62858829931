#!/usr/bin/env node
// Entry point. Plain JavaScript on purpose: it must run on any Node to say which Node hpa-lab needs,
// before loading the TypeScript (which Node runs natively from v22.18, type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `✖ Node v${process.versions.node} is too old for hpa-lab: it needs Node ≥ 22.19 (24 recommended).\n` +
      '  why: hpa-lab runs its TypeScript directly on Node, and its libraries need Node 22+\n' +
      '  fix: nvm install 24 && nvm use 24   (the repository’s .nvmrc says 24)\n',
  );
  process.exit(1);
}
// Cache compiled modules between runs (Node's own cache in the OS temp dir): start-up is most of a
// short command's time.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('./cli.ts');
const code = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
});
process.exitCode = code;
