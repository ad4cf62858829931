// Each tool call's deadline is for a hang, not for a slow link: those that move whole images get long ones.
import { describe, expect, it } from 'vitest';
import { callDeadlineMs } from '../scripts/lib/exec.ts';

describe('call deadlines', () => {
  it('a docker pull or push of a whole image is not cut at the minute a daemon question gets', () => {
    // The kind node image (~440 MB) takes ~70 s at 50 Mbit/s: `images save` stopped with "no result within 1m".
    expect(callDeadlineMs('docker', ['pull', 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5'], 1)).toBe(1_200_000);
    expect(callDeadlineMs('docker', ['image', 'pull', 'registry:3'], 1)).toBe(1_200_000);
    expect(callDeadlineMs('docker', ['push', 'localhost:5001/hpa-lab/sample-app:abc'], 1)).toBe(1_200_000);
    expect(callDeadlineMs('docker', ['image', 'inspect', 'registry:3'], 1)).toBe(60_000);
    expect(callDeadlineMs('docker', ['image', 'save', '-o', 'x.tar', 'registry:3'], 1)).toBe(600_000);
  });

  it('scales with --timeout-factor and never goes under 30 s', () => {
    expect(callDeadlineMs('docker', ['pull', 'registry:3'], 2)).toBe(2_400_000);
    expect(callDeadlineMs('docker', ['info'], 0.1)).toBe(30_000);
  });
});
