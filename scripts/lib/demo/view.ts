// The demo's terminal view: a block redrawn in place (cursor up over the block last drawn, clear to the end,
// draw again), or in plain mode (--plain, CI, not a terminal) one timestamped line per sample. Lines printed
// between two redraws (the in-cluster load's pod waiting, "Job … is running") go through say(): the block above
// them is then left as it is and the next draw starts below them, instead of moving the cursor up over lines
// that are not the block's and overwriting them.
import { formatNumber } from '../kube/quantity.ts';
import { renderChart, sampleLine } from './model.ts';
import type { Sample } from './model.ts';

export interface ViewOutput {
  plain: boolean;
  /** one line (or several) printed as a message: lab.print */
  print(text: string): void;
  /** raw terminal output: process.stdout.write */
  write(text: string): void;
  /** the wall-clock time of a plain line (new Date().toISOString()) */
  now?: () => string;
}

export interface DemoView {
  /** Draws the latest sample (and the chart of all). */
  draw(samples: Sample[], header: string): void;
  /** Prints a line outside the block: the block stays above it, the next draw starts below it. */
  say(text: string): void;
}

export function makeView(out: ViewOutput, metric: string): DemoView {
  let drawn = 0;
  const now = out.now ?? (() => new Date().toISOString());
  return {
    draw(samples, header) {
      const s = samples[samples.length - 1];
      if (!s) return;
      if (out.plain) {
        out.print(`[${now().slice(11, 19)}] ${sampleLine(s, metric, formatNumber)}`);
        return;
      }
      const lines = [
        header,
        `  load      ${formatNumber(s.sentRate)} req/s answered${s.failedRate ? `, ${formatNumber(s.failedRate)} req/s failed` : ''}`,
        `  metric    ${metric}: HPA average ${formatNumber(s.average)} / target ${formatNumber(s.target)}`,
        ...s.perPod.map((p) => `            ${p.pod.padEnd(34)} ${formatNumber(p.value)}`),
        `  replicas  HPA wants ${s.desired ?? '–'}, Deployment ${s.replicas}, Ready ${s.ready}${s.note ? `   (${s.note})` : ''}`,
        '',
        ...renderChart(samples),
      ];
      out.write((drawn ? `\x1b[${drawn}A\x1b[0J` : '') + lines.join('\n') + '\n');
      drawn = lines.length;
    },
    say(text) {
      // the cursor is below the block: what is printed now goes under it, and the block is no longer the last thing
      drawn = 0;
      out.print(text);
    },
  };
}
