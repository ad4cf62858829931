// How the person runs an hpa-lab command, for the fixes and hints hpa-lab prints: `npm run up -- --offline`.
// Under the simulation (`npm run sim -- up`, test/sim/shell.ts, which sets HPA_LAB_SIM_CLI=1 for the CLI it
// starts) the same command is `npm run sim -- up --offline`: the one that works where the person is. The
// package's `hpa-lab` bin is on no PATH unless linked, so no message names it.

/** True when the CLI was started by `npm run sim -- …` (test/sim/shell.ts). */
export function underSimulation(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.HPA_LAB_SIM_CLI === '1';
}

/** `npm run <command> -- <args>`, or `npm run sim -- <command> <args>` under the simulation. */
export function labCommand(command: string, args = '', env: NodeJS.ProcessEnv = process.env): string {
  const rest = args.trim();
  if (underSimulation(env)) return `npm run sim -- ${command}${rest ? ` ${rest}` : ''}`;
  return `npm run ${command}${rest ? ` -- ${rest}` : ''}`;
}

const CLI_COMMANDS = 'up|down|status|doctor|plan|demo|check-values|images';
const NPM_RUN = new RegExp(`\\bnpm run (${CLI_COMMANDS})\\b(?: --(?= |$))?`, 'gm');

/**
 * A message as the person can type it: under the simulation every `npm run <command> [-- args]` it names reads
 * `npm run sim -- <command> [args]`; elsewhere the text is unchanged. Applied to everything the CLI prints, so a
 * fix written once (`npm run up -- --offline`) is right in both places.
 */
export function asTyped(text: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!underSimulation(env)) return text;
  return text.replace(NPM_RUN, (_m, command: string) => `npm run sim -- ${command}`);
}
