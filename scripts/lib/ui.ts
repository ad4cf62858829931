// Progress output. On a terminal: listr2's live task list with per-step durations. In CI (CI set) or
// without a TTY: plain timestamped lines, one per event, that read well in a job log.
import { Listr, ListrLogger, PRESET_TIMER, PRESET_TIMESTAMP, ProcessOutput } from 'listr2';
import type { ListrTask } from 'listr2';

export interface StepContext {
  /** Replace the step's live line (what it waits for, last state). */
  say(line: string): void;
  /** Change the step's title, e.g. to record what it found ("reused existing cluster"). */
  retitle(title: string): void;
  /** Mark the step skipped with a reason (nothing to do). */
  skip(reason: string): void;
}

export interface Step {
  title: string;
  run(ctx: StepContext): Promise<void>;
}

export interface UiOptions {
  plain: boolean;
  verbose: boolean;
  /** Progress on stderr, keeping stdout for a command's document (plan --context's YAML). */
  toStderr?: boolean;
}

export function plainOutput(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  return Boolean(env.CI) || !stream.isTTY || env.TERM === 'dumb';
}

/**
 * Runs steps as a listr2 task list. Sequential steps stop at the first failure; concurrent ones (the
 * stack engine's components) all run to their end, each failure marked on its own line.
 */
export async function runSteps(steps: Step[], opts: UiOptions & { concurrent?: boolean }): Promise<void> {
  const concurrent = opts.concurrent ?? false;
  const tasks: ListrTask[] = steps.map((step) => ({
    title: step.title,
    task: async (_ctx, task) => {
      let skipped: string | undefined;
      await step.run({
        say: (line) => {
          task.output = line;
        },
        retitle: (title) => {
          task.title = title;
        },
        skip: (reason) => {
          skipped = reason;
        },
      });
      if (skipped !== undefined) task.skip(skipped);
    },
  }));
  const logger = opts.toStderr ? { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) } : {};
  const listr = new Listr(tasks, {
    concurrent,
    exitOnError: !concurrent,
    // hpa-lab handles Ctrl-C itself: it stops child processes and prints how to converge or clean up.
    registerSignalListeners: false,
    renderer: 'default',
    rendererOptions: { timer: PRESET_TIMER, collapseErrors: false, showErrorMessage: false, collapseSubtasks: false, ...logger },
    fallbackRenderer: 'simple',
    fallbackRendererOptions: { timer: PRESET_TIMER, timestamp: PRESET_TIMESTAMP, ...logger },
    fallbackRendererCondition: opts.plain,
  });
  await listr.run();
}
