// Which Node hpa-lab needs, checked before anything else happens: every npm script starts with
// `node scripts/require-node.js && …` (test/node-version.test.ts checks that), and scripts/hpa-lab.js
// imports this file before the TypeScript. On a Node older than 22.19 it prints one line, what is needed
// and how to get it, and exits 1; otherwise it does nothing.
//
// Plain old JavaScript on purpose, and neither CommonJS nor ES module syntax (no require, module, import or
// export; no let, const, arrows or template strings): new Node loads it as an ES module (package.json says
// "type": "module"), old Node as CommonJS, and it must run, and say what to do, on whatever Node a newcomer
// has. `npm install` is refused by npm itself: .npmrc sets engine-strict, and package.json's engines
// carries the same advice ("get-node").
//
//   node scripts/require-node.js                       exit 0 on Node ≥ 22.19, else the line on stderr, exit 1
//   node scripts/require-node.js --as-version 20.1.0   the same as if this Node were 20.1.0 (for the tests)
var MIN_MAJOR = 22;
var MIN_MINOR = 19;
var version = process.versions.node;
var main = String(process.argv[1] || '').replace(/\\/g, '/');
var asVersion = process.argv.indexOf('--as-version');
if (/\/require-node\.js$/.test(main) && asVersion > 1 && process.argv[asVersion + 1]) version = process.argv[asVersion + 1];
version = String(version).replace(/^v/, '');
var parts = version.split('.');
var major = Number(parts[0]);
var minor = Number(parts[1]);
if (!(major > MIN_MAJOR || (major === MIN_MAJOR && minor >= MIN_MINOR))) {
  process.stderr.write(
    '\u2716 Node v' + version + ' is too old: hpa-lab needs Node \u2265 ' + MIN_MAJOR + '.' + MIN_MINOR + ' (24 recommended).' +
      ' Get it with: nvm install 24 && nvm use 24 (the repository\u2019s .nvmrc says 24),' +
      ' or without nvm: npm install --prefix .tools/node24 node@24 && export PATH="$PWD/.tools/node24/node_modules/.bin:$PATH"\n',
  );
  process.exit(1);
}
