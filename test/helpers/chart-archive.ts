// A chart archive as Helm packages one (a gzipped tar, <name>/Chart.yaml first), for tests of the chart cache.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarFiles } from '../sim/lib/tar.ts';

export function writeChartArchive(file: string, chart: string, version: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const files = [
    { name: `${chart}/Chart.yaml`, data: `apiVersion: v2\nname: ${chart}\nversion: ${version}\n` },
    { name: `${chart}/values.yaml`, data: 'replicas: 1\n' },
  ];
  writeFileSync(file, gzipSync(tarFiles(files)));
  return file;
}
