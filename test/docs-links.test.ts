// The README and docs/ stay connected: every relative link in README.md, docs/*.md and test/sim/README.md leads to
// a file that exists and, with a #fragment, to a heading there (GitHub's anchor rules); every docs page says first
// who it is for; and every section the README had before it moved to docs/ is still reachable from it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => path.join(DOCS, f));
const FILES = [path.join(ROOT, 'README.md'), ...pages, path.join(ROOT, 'test', 'sim', 'README.md')];

/** The text outside fenced code blocks and inline code spans (links there are text, not links). */
function prose(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const m = /^\s*(```+|~~~+)/.exec(line);
    if (m) {
      const marker = m[1] as string;
      if (fence === undefined) fence = marker;
      else if (marker.startsWith(fence)) fence = undefined;
      lines.push('');
      continue;
    }
    lines.push(fence === undefined ? line : '');
  }
  return lines;
}

/** GitHub's heading anchor: the heading's text, lower-cased, punctuation dropped, spaces as '-'; repeats get -1, -2, … */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/`([^`]*)`/g, '$1') // code spans: their content
    .replace(/<[^>]+>/g, ''); // inline HTML tags
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline links and images `[text](target)` in the prose, without code spans. */
function links(file: string): Link[] {
  const out: Link[] = [];
  prose(readFileSync(file, 'utf8')).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ file, line: i + 1, target: m[1] as string });
  });
  return out;
}

const external = (t: string) => /^[a-z][a-z0-9+.-]*:/i.test(t);

describe('the Markdown links resolve', () => {
  it('GitHub anchors, as the slug rules make them', () => {
    expect(slug('Set-up (two commands)')).toBe('set-up-two-commands');
    expect(slug("The walkthrough's commands, against the lab")).toBe('the-walkthroughs-commands-against-the-lab');
    expect(slug('Running on an existing cluster (`--context`)')).toBe('running-on-an-existing-cluster---context');
    expect(slug('Tests, and what is simulated')).toBe('tests-and-what-is-simulated');
    expect(slug('Registries, the image cache and the network (issue 10)')).toBe('registries-the-image-cache-and-the-network-issue-10');
  });

  for (const file of FILES) {
    const name = path.relative(ROOT, file);
    it(`${name}: every relative link leads to a file, and every #fragment to a heading there`, () => {
      const broken: string[] = [];
      for (const l of links(file)) {
        if (external(l.target)) continue;
        const [p = '', fragment] = l.target.split('#', 2);
        const dest = p === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(p));
        if (!existsSync(dest)) {
          broken.push(`${name}:${l.line}: ${l.target}: no such file`);
          continue;
        }
        if (fragment === undefined) continue;
        if (!statSync(dest).isFile() || !dest.endsWith('.md')) {
          broken.push(`${name}:${l.line}: ${l.target}: a #fragment on something that is not a Markdown file`);
          continue;
        }
        if (!anchors(dest).has(decodeURIComponent(fragment))) broken.push(`${name}:${l.line}: ${l.target}: no heading #${fragment} in ${path.relative(ROOT, dest)}`);
      }
      expect(broken).toEqual([]);
    });
  }

  it('finds a broken file link and a broken anchor (the check is not vacuous)', () => {
    const readme = path.join(ROOT, 'README.md');
    expect(anchors(readme).has('set-up-two-commands')).toBe(true);
    expect(anchors(readme).has('no-such-heading')).toBe(false);
    expect(links(readme).length).toBeGreaterThan(20);
  });
});

describe('docs/', () => {
  it('has pages', () => expect(pages.length).toBeGreaterThan(10));

  for (const page of [...pages, path.join(ROOT, 'test', 'sim', 'README.md')]) {
    it(`${path.relative(ROOT, page)} starts with who it is for`, () => {
      const lines = readFileSync(page, 'utf8').split('\n').filter((l) => l.trim() !== '');
      expect(lines[0], 'a title').toMatch(/^# /);
      expect(lines[1], 'the line after the title').toMatch(/^For: \S.*\.$/);
    });
  }

  it('every page is linked from the README', () => {
    const linked = new Set(links(path.join(ROOT, 'README.md')).map((l) => path.resolve(ROOT, (l.target.split('#')[0] ?? ''))));
    expect(pages.filter((p) => !linked.has(p)).map((p) => path.relative(ROOT, p))).toEqual([]);
  });

  // The README's sections before they moved to docs/ (issue 19): each is still there, as a heading of a page the
  // README links, so nothing a reader found in the README is lost.
  const MOVED: Array<[string, string]> = [
    ['docs/commands.md', 'commands'],
    ['docs/stacks.md', 'the-keda-stack'],
    ['docs/walkthrough.md', ''],
    ['docs/gates.md', 'gates-what-each-waits-for-and-how-it-fails'],
    ['docs/gates.md', 'what-is-checked-when'],
    ['docs/demo.md', ''],
    ['docs/benchmarks.md', 'how-fast-does-the-metric-see-the-load'],
    ['docs/cluster.md', 'workers-and-the-hpa-sync-period'],
    ['docs/workshops.md', ''],
    ['docs/existing-clusters.md', ''],
    ['docs/ci.md', 'in-your-ci'],
    ['docs/architecture.md', ''],
    ['docs/real-tier.md', 'what-ran-for-real-and-how'],
    ['docs/testing.md', 'what-holding-the-simulation-to-the-real-tools-found'],
    ['docs/simulation.md', ''],
  ];
  it("every section the README had is reachable from it", () => {
    const missing = MOVED.filter(([page, anchor]) => !existsSync(path.join(ROOT, page)) || (anchor !== '' && !anchors(path.join(ROOT, page)).has(anchor)));
    expect(missing).toEqual([]);
  });

  // test/sim/README.md's sections before the reference half moved to docs/: each is still a heading there or in a
  // page it links, so nothing someone changing the simulation found there is lost.
  const SIM_README = 'test/sim/README.md';
  const SIM_MOVED: Array<[string, string]> = [
    [SIM_README, 'using-it'],
    [SIM_README, 'environment'],
    [SIM_README, 'faults'],
    [SIM_README, 'adding-to-it'], // was "Seams for later work", under the API server
    ['docs/simulation-reference.md', 'the-stand-ins'],
    ['docs/simulation-reference.md', 'registries-the-image-cache-and-the-network-issue-10'],
    ['docs/simulation-reference.md', 'the-api-server-apiserverts'],
    ['docs/simulation-reference.md', 'port-forwarding-libportforwardts'],
    ['docs/simulation-reference.md', 'workload-controllers-libworkloadsts-libjobsts-libkubeletts-libendpointsts'],
    ['docs/simulation-reference.md', 'simulated-charts-charts'],
    ['docs/simulation-reference.md', 'the-data-path-datapath'],
    ['docs/simulation-reference.md', 'what-is-approximated-or-left-out'],
    ['docs/testing.md', 'what-the-first-real-run-showed-the-real-tier-npm-run-reale2e'],
  ];
  it('every section test/sim/README.md had is still there or in a page it links', () => {
    const simReadme = path.join(ROOT, SIM_README);
    const linked = new Set([simReadme, ...links(simReadme).filter((l) => !external(l.target)).map((l) => path.resolve(path.dirname(simReadme), decodeURIComponent(l.target.split('#')[0] ?? '')))]);
    const missing = SIM_MOVED.filter(([page, anchor]) => {
      const file = path.join(ROOT, page);
      return !existsSync(file) || !linked.has(file) || !anchors(file).has(anchor);
    });
    expect(missing).toEqual([]);
  });
});
