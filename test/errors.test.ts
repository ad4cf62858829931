import { describe, expect, it } from 'vitest';
import { formatError, LabError, summarizeToolOutput, ToolError } from '../scripts/lib/errors.ts';

describe('errors', () => {
  it("keeps kind's ERROR and Command Output lines from a long output", () => {
    const noise = Array.from({ length: 40 }, (_, i) => ` • step ${i} ...`);
    const out = [
      'Creating cluster "hpa-lab" ...',
      ...noise,
      'ERROR: failed to create cluster: command "docker run --name hpa-lab-control-plane" failed with error: exit status 125',
      'Command Output: docker: Error response from daemon: Bind for 127.0.0.1:30000 failed: port is already allocated.',
    ].join('\n');
    const lines = summarizeToolOutput(out);
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(lines).toContain('Command Output: docker: Error response from daemon: Bind for 127.0.0.1:30000 failed: port is already allocated.');
    expect(lines.some((l) => l.startsWith('ERROR: failed to create cluster'))).toBe(true);
  });

  it('prints user errors without a stack trace, unexpected ones with a hint', () => {
    const text = formatError(new ToolError('helm upgrade --install x', 'Error: INSTALLATION FAILED: timed out', { exitCode: 1 }), false);
    expect(text).toContain('command failed: helm upgrade --install x (exit 1)');
    expect(text).toContain('Error: INSTALLATION FAILED: timed out');
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    const unexpected = formatError(new TypeError('boom'), false);
    expect(unexpected).toContain('unexpected error: boom');
    expect(unexpected).not.toMatch(/\bat .*\.ts:\d+/);
    expect(formatError(new TypeError('boom'), true)).toMatch(/at .*errors\.test\.ts/);
    expect(formatError(new LabError('x', { why: 'because', fix: 'do y' }), false)).toBe('✖ x\n  why: because\n  fix: do y');
  });
});
