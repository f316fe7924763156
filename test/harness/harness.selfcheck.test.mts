// Self-check of the n8n engine harness against a throw-away fixture package
// (test/fixtures/harness/pkg) and a local HTTP server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { NodeApiError } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { disposeHarness, loadPackage, runWorkflow, testCredential } from './engine.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtureDir = path.resolve(here, '../fixtures/harness/pkg');
const PKG = 'n8n-nodes-harness-fixture';
const FIXTURE = `${PKG}.harnessFixture`;
const SECRET = 'sekret-key-0123456789';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

type Seen = { url: string; key: string | undefined; token: string | undefined };
const seen: Seen[] = [];
let server: http.Server;
let base = '';
let closedBase = '';

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const url = req.url ?? '';
		const key = req.headers['ocp-apim-subscription-key'] as string | undefined;
		const token = req.headers['x-token'] as string | undefined;
		seen.push({ url, key, token });
		const json = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		if (url.startsWith('/fail')) return json(500, { error: 'boom' });
		if (url.startsWith('/image')) {
			res.writeHead(200, { 'content-type': 'image/png' });
			return res.end(PNG);
		}
		if (url.startsWith('/ping')) {
			if (key === 'unauthorized') return json(401, { error: 'no' });
			if (key === 'denied-key') return json(200, { status: 'denied' });
			return json(200, { status: 'ok' });
		}
		if (url.startsWith('/token-check')) return json(200, { ok: token === 'good-token' });
		return json(200, { url, key: key ?? null });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	const closed = http.createServer();
	await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
	closedBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
	await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
	await disposeHarness();
});

const creds = (key = SECRET) => ({
	harnessFixtureApi: { subscriptionKey: key, submitBaseUrl: base, pollBaseUrl: base },
});

function workflow(
	fixtureParameters: Record<string, unknown> = {},
	extra: 'noOp' | 'set' | 'none' = 'noOp',
) {
	const nodes: any[] = [
		{
			id: '1',
			name: 'When clicking ‘Execute workflow’',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: '2',
			name: 'Fixture',
			type: FIXTURE,
			typeVersion: 1,
			position: [200, 0],
			parameters: fixtureParameters,
			credentials: { harnessFixtureApi: { id: 'x1', name: 'Fixture account' } },
		},
	];
	const connections: Record<string, any> = {
		'When clicking ‘Execute workflow’': { main: [[{ node: 'Fixture', type: 'main', index: 0 }]] },
	};
	if (extra !== 'none') {
		const type = extra === 'noOp' ? 'n8n-nodes-base.noOp' : 'n8n-nodes-base.set';
		nodes.push({
			id: '3',
			name: 'After',
			type,
			typeVersion: extra === 'set' ? 3.4 : 1,
			position: [400, 0],
			parameters: { mode: 'manual' },
		});
		connections.Fixture = { main: [[{ node: 'After', type: 'main', index: 0 }]] };
	}
	return { name: 'Fixture check', nodes, connections, settings: { executionOrder: 'v1' } };
}

/** Trigger → Fixture (by default echoing its request) → NoOp, with the fixture's credential. */
async function runFixture(
	fixtureParameters: Record<string, unknown> = { path: '/echo' },
	options: Partial<Parameters<typeof runWorkflow>[0]> = {},
) {
	const pkg = await loadPackage(fixtureDir);
	return runWorkflow({
		pkg,
		workflow: workflow(fixtureParameters),
		credentials: creds(),
		...options,
	});
}

describe('loadPackage', () => {
	it('loads the package through n8n-core and names types as n8n does', async () => {
		const pkg = await loadPackage(fixtureDir);
		expect(pkg.packageName).toBe(PKG);
		expect(pkg.nodeNames.sort()).toEqual([`${PKG}.harnessDeclarative`, FIXTURE]);
		expect(pkg.credentialNames.sort()).toEqual(['harnessFixtureApi', 'harnessFixtureNoTestApi']);
		expect(pkg.loadMs).toBeGreaterThan(0);
		expect(pkg.nodeTypes.getByNameAndVersion(FIXTURE, 1).description.displayName).toBe(
			'Harness Fixture',
		);
		expect(Object.keys(pkg.nodeTypes.getKnownTypes())).toEqual(
			expect.arrayContaining([FIXTURE, 'n8n-nodes-base.manualTrigger', 'n8n-nodes-base.noOp']),
		);
		expect(pkg.credentialTypes.recognizes('harnessFixtureApi')).toBe(true);
		expect(pkg.credentialTypes.recognizes('nope')).toBe(false);
		expect(pkg.credentialTypes.getSupportedNodes('harnessFixtureApi').sort()).toEqual([
			`${PKG}.harnessDeclarative`,
			FIXTURE,
		]);
		expect(pkg.credentialTypes.getParentTypes('harnessFixtureApi')).toEqual([]);
		expect(() => pkg.nodeTypes.getByName('n8n-nodes-base.httpRequest')).toThrow();
		// loaded once, reused
		expect(await loadPackage(fixtureDir)).toBe(pkg);
	});
});

describe('runWorkflow', () => {
	it('injects the generic-auth header and lets items flow through real and stand-in nodes', async () => {
		const pkg = await loadPackage(fixtureDir);
		const wf = workflow({ path: '/echo' });
		const before = JSON.stringify(wf);
		const run = await runWorkflow({
			pkg,
			workflow: wf,
			credentials: creds(),
			input: [{ json: { n: 1 } }, { n: 2 }],
		});
		expect(run.error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(run.finished).toBe(true);
		expect(run.executionOrder).toEqual(['When clicking ‘Execute workflow’', 'Fixture', 'After']);

		const out = run.output('Fixture');
		expect(out).toHaveLength(2);
		// header from `authenticate: { type: 'generic' }`, resolved from `={{$credentials.subscriptionKey}}`;
		// `region` comes from the credential type's default
		expect(out[0].json.echo).toEqual({ url: '/echo?region=eu-default', key: SECRET });
		expect(out.map((i) => (i.json.input as any).n)).toEqual([1, 2]);
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(run.output('After').map((i) => i.json)).toEqual(out.map((i) => i.json));
		expect(run.runData.Fixture).toHaveLength(1);
		expect(JSON.stringify(wf)).toBe(before); // the caller's workflow is left alone
	});

	it('runs a declarative node through RoutingNode, as n8n’s app does', async () => {
		const pkg = await loadPackage(fixtureDir);
		const wf = workflow({}, 'none');
		wf.nodes[1] = {
			...wf.nodes[1],
			type: `${PKG}.harnessDeclarative`,
			parameters: { name: 'harness' },
		};
		const run = await runWorkflow({ pkg, workflow: wf, credentials: creds() });
		expect(run.error).toBeUndefined();
		expect(run.output('Fixture').map((i) => i.json)).toEqual([
			{ url: '/declarative/harness?region=eu-default', key: SECRET },
		]);
	});

	it('fails loudly on a node type it does not know, pointing at stubTypes', async () => {
		const pkg = await loadPackage(fixtureDir);
		const wf = workflow({}, 'set');
		await expect(runWorkflow({ pkg, workflow: wf, credentials: creds() })).rejects.toThrow(
			/stubTypes/,
		);
	});

	it('records what a stand-in node of stubTypes received', async () => {
		const pkg = await loadPackage(fixtureDir, { stubTypes: ['n8n-nodes-base.set'] });
		const run = await runWorkflow({ pkg, workflow: workflow({}, 'set'), credentials: creds() });
		expect(run.status).toBe('success');
		const calls = run.received('After');
		expect(calls).toHaveLength(1);
		expect(calls[0].nodeType).toBe('n8n-nodes-base.set');
		expect((calls[0].items[0] as any).json.echo.key).toBe(SECRET);
		expect(run.output('After')[0].json).toEqual(run.output('Fixture')[0].json);
	});

	it('attaches the given credentials to a node that has none, as the editor would', async () => {
		const pkg = await loadPackage(fixtureDir);
		const wf = workflow({}, 'none');
		delete (wf.nodes[1] as any).credentials;
		const run = await runWorkflow({ pkg, workflow: wf, credentials: creds() });
		expect(run.status).toBe('success');
		const off = await runWorkflow({
			pkg,
			workflow: wf,
			credentials: creds(),
			autoAttachCredentials: false,
		});
		expect(off.status).toBe('error');
		expect(String(off.nodeError('Fixture')?.message)).toMatch(/credentials/i);
	});

	it('reports a node error as n8n does, keeping the real NodeApiError', async () => {
		const pkg = await loadPackage(fixtureDir);
		const run = await runWorkflow({
			pkg,
			workflow: workflow({ fail: true }),
			credentials: creds(),
		});
		expect(run.status).toBe('error');
		expect(run.finished).toBe(false);
		const err = run.nodeError('Fixture');
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.httpCode).toBe('500');
		expect(run.error).toBe(err);
		expect(run.runData.Fixture[0].error).toBeDefined();
		expect(run.output('After')).toEqual([]);
	});

	// The fixture node calls /before-sleep, then /sleeping (a request n8n does not abort), then
	// sleeps 60 s checking the abort signal, then calls /after-sleep. Cancelling once /sleeping has
	// arrived means the cancel is seen by the sleep loop, whatever the machine's speed. The harness waits at most SETTLE_MS for a cancelled engine to wind down: far less
	// than the sleep, so a settled engine proves the node returned on the signal.
	const SETTLE_MS = 10_000;
	const sleeping = { path: '/before-sleep', sleepMs: 60_000 };
	const sawSleeping = (from: number) => () =>
		seen.slice(from).some((s) => s.url.startsWith('/sleeping'));

	it('cancels like n8n’s stop button when cancelWhen turns true: the node sees the abort signal and the run reports canceled', async () => {
		const pkg = await loadPackage(fixtureDir);
		const from = seen.length;
		const run = await runWorkflow({
			pkg,
			workflow: workflow(sleeping),
			credentials: creds(),
			cancelWhen: sawSleeping(from),
			settleTimeoutMs: SETTLE_MS,
		});
		expect(run.status).toBe('canceled');
		expect(run.finished).toBe(false);
		expect(run.cancelledAt).toEqual(expect.any(Number));
		// the engine wound down: the node returned after seeing the signal, not after its 60 s sleep
		expect(run.engineSettled).toBe(true);
		expect(run.logs.some((l) => l.includes('HarnessFixture saw the cancel signal'))).toBe(true);
		expect(run.output('After')).toEqual([]);
		// the cancel came after the request the test waited for, and nothing followed it
		expect(seen.slice(from).map((s) => s.url.split('?')[0])).toEqual([
			'/before-sleep',
			'/sleeping',
		]);
	});

	it('cancels through an AbortSignal too', async () => {
		const pkg = await loadPackage(fixtureDir);
		const from = seen.length;
		const controller = new AbortController();
		const check = setInterval(() => sawSleeping(from)() && controller.abort(), 5);
		try {
			const run = await runWorkflow({
				pkg,
				workflow: workflow(sleeping),
				credentials: creds(),
				signal: controller.signal,
				settleTimeoutMs: SETTLE_MS,
			});
			expect(run.status).toBe('canceled');
			expect(run.cancelledAt).toEqual(expect.any(Number));
			expect(run.engineSettled).toBe(true);
		} finally {
			clearInterval(check);
		}
	});

	it('does not cancel a run whose cancelWhen never turns true', async () => {
		const run = await runFixture({ path: '/echo' }, { cancelWhen: () => false });
		expect(run.status).toBe('success');
		expect(run.cancelledAt).toBeUndefined();
	});

	it('stands in for n8n’s If with one that evaluates its conditions: true to output 0, false to output 1', async () => {
		const pkg = await loadPackage(fixtureDir, { stubTypes: ['n8n-nodes-base.if'] });
		const wf = workflow({ path: '/echo' }, 'none');
		wf.nodes.push({
			id: '4',
			name: 'If',
			type: 'n8n-nodes-base.if',
			typeVersion: 2.2,
			position: [400, 0],
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
					conditions: [
						{
							id: 'c1',
							leftValue: '={{ $json.input.n }}',
							rightValue: 1,
							operator: { type: 'number', operation: 'equals' },
						},
					],
					combinator: 'and',
				},
				options: {},
			},
		});
		(wf.connections as any).Fixture = { main: [[{ node: 'If', type: 'main', index: 0 }]] };
		const run = await runWorkflow({
			pkg,
			workflow: wf,
			credentials: creds(),
			input: [{ n: 1 }, { n: 2 }, { n: 1 }],
		});
		expect(run.status).toBe('success');
		expect(run.output('If', 0).map((i) => (i.json.input as any).n)).toEqual([1, 1]);
		expect(run.output('If', 1).map((i) => (i.json.input as any).n)).toEqual([2]);
	});

	for (const binaryMode of ['default', 'filesystem'] as const) {
		it(`stores and reads binary data in ${binaryMode} mode (buffer, arraybuffer and stream)`, async () => {
			const pkg = await loadPackage(fixtureDir);
			for (const kind of ['buffer', 'arraybuffer', 'stream']) {
				const run = await runWorkflow({
					pkg,
					workflow: workflow({ binary: kind }),
					credentials: creds(),
					binaryMode,
					input: [{ a: 1 }, { a: 2 }],
				});
				expect(run.error).toBeUndefined();
				const items = run.output('Fixture');
				expect(items).toHaveLength(2);
				const meta = items[1].binary!.data;
				if (binaryMode === 'filesystem') {
					expect(meta.id).toMatch(/^filesystem(-v2)?:/);
				} else {
					expect(meta.id).toBeUndefined();
					expect(typeof meta.data).toBe('string');
				}
				const bytes = await run.readBinary(items[1], 'data');
				if (kind === 'buffer') {
					expect(bytes.toString()).toBe('fixture-binary-1');
					expect(meta.mimeType).toBe('text/plain');
				} else {
					expect(bytes.equals(PNG)).toBe(true);
					expect(meta.mimeType).toBe('image/png');
				}
				// binary data travels to the next node unchanged
				expect((await run.readBinary(run.output('After')[1], 'data')).equals(bytes)).toBe(true);
			}
		});
	}

	it('captures every n8n log line (LoggerProxy and the DI Logger) instead of printing it', async () => {
		const run = await runFixture();
		expect(run.logs.some((l) => l.startsWith('debug Workflow execution started'))).toBe(true);
		expect(
			run.logs.some(
				(l) => l.includes('HarnessFixture processing item') && l.includes('"path":"/echo"'),
			),
		).toBe(true);
		expect(run.logEntries.every((e) => typeof e.line === 'string')).toBe(true);
		// what a secret-leak test does: search every line
		expect(run.logs.filter((l) => l.includes(SECRET))).toEqual([]);

		// node errors are logged too (n8n-core's ErrorReporter), with their messages
		const failed = await runFixture({ fail: true });
		expect(failed.logs.some((l) => l.startsWith('error '))).toBe(true);
	});

	it('keeps concurrent runs apart (credentials, binary mode, logs)', async () => {
		const pkg = await loadPackage(fixtureDir);
		const runs = await Promise.all(
			[0, 1, 2, 3].map((i) =>
				runWorkflow({
					pkg,
					workflow: workflow({ path: `/echo/run-${i}`, binary: 'buffer', sleepMs: 60 }),
					credentials: creds(`key-${i}`),
					binaryMode: i % 2 ? 'filesystem' : 'default',
				}),
			),
		);
		for (const [i, run] of runs.entries()) {
			expect(run.status).toBe('success');
			const [item] = run.output('Fixture');
			expect(item.json.echo).toEqual({ url: `/echo/run-${i}?region=eu-default`, key: `key-${i}` });
			expect(Boolean(item.binary!.data.id)).toBe(i % 2 === 1);
			expect((await run.readBinary(item, 'data')).toString()).toBe('fixture-binary-0');
			const mine = run.logs.filter((l) => l.includes('HarnessFixture processing item'));
			expect(mine).toHaveLength(1);
			expect(mine[0]).toContain(`/echo/run-${i}`);
		}
		expect(new Set(runs.map((r) => r.executionId)).size).toBe(4);
	});
});

describe('testCredential', () => {
	it('runs the declarative test: OK', async () => {
		const pkg = await loadPackage(fixtureDir);
		const before = seen.length;
		const result = await testCredential(pkg, 'harnessFixtureApi', {
			subscriptionKey: SECRET,
			submitBaseUrl: base,
		});
		expect(result).toMatchObject({ status: 'OK', message: 'Connection successful!' });
		const request = seen.slice(before).find((s) => s.url.startsWith('/ping'));
		expect(request?.key).toBe(SECRET);
	});

	it('maps a responseSuccessBody rule, a non-2xx status and a connection error to Error', async () => {
		const pkg = await loadPackage(fixtureDir);
		expect(
			await testCredential(pkg, 'harnessFixtureApi', {
				subscriptionKey: 'denied-key',
				submitBaseUrl: base,
			}),
		).toMatchObject({ status: 'Error', message: 'The key was denied' });
		const unauthorized = await testCredential(pkg, 'harnessFixtureApi', {
			subscriptionKey: 'unauthorized',
			submitBaseUrl: base,
		});
		expect(unauthorized.status).toBe('Error');
		expect(unauthorized.message).toMatch(/Unauthorized|401/);
		expect(
			await testCredential(pkg, 'harnessFixtureApi', {
				subscriptionKey: SECRET,
				submitBaseUrl: closedBase,
			}),
		).toMatchObject({ status: 'Error', message: 'ECONNREFUSED' });
	});

	it('falls back to the node’s testedBy function when the credential has no test', async () => {
		const pkg = await loadPackage(fixtureDir);
		expect(
			await testCredential(pkg, 'harnessFixtureNoTestApi', { token: 'good-token', baseUrl: base }),
		).toMatchObject({ status: 'OK', message: 'Token accepted' });
		expect(
			await testCredential(pkg, 'harnessFixtureNoTestApi', { token: 'bad', baseUrl: base }),
		).toMatchObject({ status: 'Error', message: 'Token rejected' });
	});
});
