// The OpenAPI document: valid by a validator, listing every path of the design with its methods,
// bearer security on bans and unbans, and the problem responses.
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../ts/api/server.js';
import { CONTRACT } from './contract.js';
import { apiConfig, silentLog, startFixture, type ApiFixture } from './fixture.js';

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}

let fixture: ApiFixture;
let api: FastifyInstance;
let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

beforeAll(async () => {
  fixture = await startFixture();
  api = await buildApi(apiConfig(), fixture.context, silentLog);
  const answer = await api.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  document = answer.json();
});

afterAll(async () => {
  await api?.close();
  await fixture?.close();
});

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every path of the design with its methods, and no other', () => {
    expect(Object.keys(document.paths).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [path, methods] of Object.entries(CONTRACT)) expect(Object.keys(document.paths[path]!).sort(), path).toEqual(methods.sort());
  });

  it('describes every answer: success with its schema, errors as problem details', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const success = operation.responses['200'] ?? operation.responses['201'];
        expect(success, `${method} ${path}`).toBeDefined();
        expect(success!.description, `${method} ${path}`).not.toBe('Default Response');
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) >= 400) expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
    expect(Object.keys(document.paths['/api/v1/attacks/{id}/pcap']!.get!.responses['200']!.content!)).toEqual(['application/vnd.tcpdump.pcap']);
  });

  it('puts bans and unbans behind the bearer token, and documents their errors', () => {
    expect(document.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    const post = document.paths['/api/v1/bans']!.post!;
    const del = document.paths['/api/v1/bans/{ip}']!.delete!;
    for (const operation of [post, del]) expect(operation.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '401', '403', '409', '422', '429', '503']);
    expect(Object.keys(del.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '503']);
    expect(post.requestBody!.content['application/json']!.schema.required).toEqual(['ip']);
    expect(document.paths['/api/v1/bans']!.get!.security).toBeUndefined();
  });

  it('documents the query of the top talkers', () => {
    const names = document.paths['/api/v1/hosts']!.get!.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(names.sort()).toEqual(['query:direction', 'query:limit', 'query:sort']);
  });

  it('is the document Swagger UI reads', async () => {
    expect((await api.inject({ method: 'GET', url: '/docs/json' })).json()).toEqual(document);
  });
});
