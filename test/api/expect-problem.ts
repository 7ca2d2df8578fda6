// Asserts an RFC 9457 problem answer: status, content type, members, and what the detail says.
import { expect } from 'vitest';

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}

export function expectProblem(answer: Answer, status: number, detail: RegExp): { type: string; title: string; status: number; detail: string } {
  expect(answer.statusCode, JSON.stringify(answer.json())).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = answer.json() as { type: string; title: string; status: number; detail: string };
  expect(problem).toMatchObject({ type: expect.stringMatching(/^urn:floodwatch:problem:[a-z-]+$/), title: expect.any(String), status });
  expect(problem.detail).toMatch(detail);
  return problem;
}
