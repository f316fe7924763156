// Every example workflow is a real n8n workflow file (it imports into n8n as it is); here every
// Inpaint node in it runs through n8n's engine against the simulator. The other nodes (S3,
// Telegram, Wait, If, Schedule, Webhook, Set, Merge, Respond to Webhook, sticky notes) stay in the
// files; the test stands in pass-through nodes for them, except the If, whose stand-in evaluates
// its conditions (so the wait loops really loop), the Set, whose stand-in evaluates its fields,
// and the Merge, which waits for both inputs. An example whose trigger receives files is started
// with an item holding them. The AI Agent example's Inpaint runs as a tool, called by n8n's
// LangChain nodes: npm run e2e runs it in the n8n application against a fake model; here its
// parameters are checked.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSampleImages } from '../../simulator/png.mjs';
import { startSimulator } from '../../simulator/server.mjs';
import { disposeHarness, loadPackage, runWorkflow } from '../harness/engine.mjs';
import { simulatorCredential } from '../harness/inpaint-workflow.mjs';

const root = join(__dirname, '..', '..');
const packageDir = process.env.PIXAZO_PACKAGE_DIR ?? root;
const examplesDir = join(root, 'examples');
const files = readdirSync(examplesDir).filter((f) => f.endsWith('.workflow.json'));
const INPAINT = 'n8n-nodes-pixazo-inpaint.inpaint';
const INPAINT_TOOL = `${INPAINT}Tool`;
/** Parameters n8n adds to a node's tool variant (its description for the model). */
const TOOL_PARAMETERS = ['descriptionType', 'toolDescription'];
const usesAgent = (file: string) =>
	load(file).nodes.some((n) => n.type.startsWith('@n8n/n8n-nodes-langchain.'));
const STUBS = [
	'n8n-nodes-base.wait',
	'n8n-nodes-base.if',
	'n8n-nodes-base.awsS3',
	'n8n-nodes-base.telegram',
	'n8n-nodes-base.scheduleTrigger',
	'n8n-nodes-base.webhook',
	'n8n-nodes-base.stickyNote',
	'n8n-nodes-base.set',
	'n8n-nodes-base.merge',
	'n8n-nodes-base.respondToWebhook',
];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A file as n8n's Webhook hands it on (binary data kept inline). */
const pngFile = (fileName: string, png: Buffer) => ({
	data: png.toString('base64'),
	mimeType: 'image/png',
	fileName,
	fileExtension: 'png',
});
/** What the trigger of an example that receives files is started with: the sample image and mask. */
const START_ITEMS: Record<string, () => Record<string, unknown>[]> = {
	'binary-in-via-s3.workflow.json': () => {
		const { imagePng, maskPng } = createSampleImages();
		return [
			{
				json: { body: { prompt: 'Change to a lion' } },
				binary: { image: pngFile('dog.png', imagePng), mask: pngFile('dog-mask.png', maskPng) },
			},
		];
	},
};

type WorkflowNode = {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: number[];
	parameters: Record<string, any>;
	credentials?: Record<string, { id: string; name: string }>;
};
type WorkflowFile = {
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, any>;
	settings?: object;
};

const load = (file: string) =>
	JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as WorkflowFile;

describe('example workflows', () => {
	let sim: Awaited<ReturnType<typeof startSimulator>>;
	let pkg: Awaited<ReturnType<typeof loadPackage>>;

	beforeAll(async () => {
		sim = await startSimulator({ jobMs: 200 });
		pkg = await loadPackage(packageDir, { stubTypes: STUBS });
	});
	afterAll(async () => {
		await sim?.close();
		await disposeHarness();
	});

	it('includes dog → lion, a wait loop, a storage upload, a messaging post, the crash-safe queue-mode pattern and files in through a bucket', () => {
		expect(files).toEqual(
			expect.arrayContaining([
				'inpaint-dog-to-lion.workflow.json',
				'long-jobs-wait-loop.workflow.json',
				'inpaint-to-s3.workflow.json',
				'inpaint-to-telegram.workflow.json',
				'ai-agent-inpaint-tool.workflow.json',
				'queue-mode-crash-safe.workflow.json',
				'binary-in-via-s3.workflow.json',
			]),
		);
	});

	describe.each(files)('%s', (file) => {
		it('is a well-formed n8n workflow whose Inpaint parameters all exist on the node', () => {
			const workflow = load(file);
			const names = new Set(workflow.nodes.map((n) => n.name));
			expect(names.size).toBe(workflow.nodes.length);
			for (const node of workflow.nodes) {
				expect(node.id).toMatch(/^[0-9a-f-]{36}$/);
				expect(typeof node.typeVersion).toBe('number');
				expect(node.position).toHaveLength(2);
			}
			for (const [from, outputs] of Object.entries(workflow.connections)) {
				expect(names.has(from)).toBe(true);
				for (const output of Object.values(
					outputs as Record<string, { node: string }[][]>,
				).flat()) {
					for (const link of output) expect(names.has(link.node)).toBe(true);
				}
			}
			const description = pkg.nodeTypes.getByNameAndVersion(INPAINT, 1).description;
			const topLevel = new Set(description.properties.map((p: { name: string }) => p.name));
			const collection = (name: string) =>
				new Set(
					description.properties
						.find((p: { name: string }) => p.name === name)
						?.options?.map((o: { name: string }) => o.name),
				);
			for (const node of workflow.nodes.filter(
				(n) => n.type === INPAINT || n.type === INPAINT_TOOL,
			)) {
				expect(node.credentials?.pixazoApi).toBeDefined();
				for (const key of Object.keys(node.parameters)) {
					if (node.type === INPAINT_TOOL && TOOL_PARAMETERS.includes(key)) continue;
					expect(topLevel, `${node.name}.${key}`).toContain(key);
				}
				for (const key of Object.keys(node.parameters.options ?? {}))
					expect(collection('options')).toContain(key);
				for (const key of Object.keys(node.parameters.additionalFields ?? {})) {
					expect(collection('additionalFields')).toContain(key);
				}
			}
		});

		it.skipIf(usesAgent(file))(
			'runs every Inpaint node through the engine against the simulator',
			async () => {
				const workflow = load(file);
				const run = await runWorkflow({
					pkg,
					workflow,
					credentials: {
						pixazoApi: simulatorCredential(sim),
					},
					binaryMode: 'filesystem',
					input: START_ITEMS[file]?.(),
				});
				expect(run.error?.message).toBeUndefined();
				expect(run.status).toBe('success');
				const inpaintNodes = workflow.nodes.filter((n) => n.type === INPAINT);
				expect(inpaintNodes.length).toBeGreaterThan(0);
				for (const node of inpaintNodes) {
					const items = run.output(node.name);
					expect(items, node.name).toHaveLength(1);
					const { json, binary } = items[0];
					const waited =
						node.parameters.operation === 'submit'
							? node.parameters.waitForCompletion !== false
							: node.parameters.waitForCompletion === true;
					if (waited) {
						expect(json.status).toBe('succeeded');
						expect(json.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\//);
					} else {
						expect(json.jobSetId).toMatch(/^jobset_/);
						expect(['pending', 'running', 'succeeded']).toContain(json.status);
					}
					if (node.parameters.options?.downloadImages) {
						const bytes = await run.readBinary(items[0], 'data');
						expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
						expect(binary?.data?.mimeType).toBe('image/png');
					}
				}
				// What the storage, messaging and answering nodes would have received: an image, as
				// binary, in the field they read (the result, or the files to upload).
				for (const node of workflow.nodes.filter((n) =>
					/awsS3|telegram|respondToWebhook/.test(n.type),
				)) {
					const received = run.received(node.name);
					const field = node.parameters.binaryPropertyName ?? 'data';
					expect(received?.[0]?.items?.[0]?.binary?.[field]?.mimeType, node.name).toBe('image/png');
				}
			},
		);
	});

	it('the AI Agent example: Chat Trigger → AI Agent with a chat model and the Inpaint tool, fed by the model ($fromAI)', () => {
		const workflow = load('ai-agent-inpaint-tool.workflow.json');
		const tool = workflow.nodes.find((n) => n.type === INPAINT_TOOL)!;
		expect(tool.parameters.prompt).toMatch(/^=\{\{ \$fromAI\('prompt', /);
		expect(tool.parameters.imageUrl).toMatch(/^=\{\{ \$fromAI\('imageUrl', /);
		expect(tool.parameters.descriptionType).toBe('manual');
		expect(tool.parameters.toolDescription.length).toBeGreaterThan(100);
		const agent = workflow.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.agent')!;
		const into = (type: string) =>
			Object.values(workflow.connections)
				.flatMap((c) => (c[type] ?? []).flat())
				.map((l: any) => l.node);
		expect(into('ai_tool')).toEqual([agent.name]);
		expect(into('ai_languageModel')).toEqual([agent.name]);
		expect(
			workflow.connections[
				workflow.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.chatTrigger')!.name
			].main[0][0].node,
		).toBe(agent.name);
	});

	it('files in through a bucket: both files uploaded under unguessable keys, inpainted from their public URLs, the image sent back', async () => {
		sim.reset();
		const file = 'binary-in-via-s3.workflow.json';
		const run = await runWorkflow({
			pkg,
			workflow: load(file),
			credentials: { pixazoApi: simulatorCredential(sim) },
			binaryMode: 'filesystem',
			input: START_ITEMS[file](),
		});
		expect(run.error?.message).toBeUndefined();
		expect(run.status).toBe('success');
		// n8n's Set (3.3 and later) passes the files on only with Include Other Fields on.
		expect(load(file).nodes.find((n) => n.name === 'Settings')?.parameters).toMatchObject({
			includeOtherFields: true,
		});
		const { bucket, publicBaseUrl, imageKey, maskKey } = run.output('Settings')[0].json;
		expect(bucket).toBe('my-inpaint-uploads');
		expect(publicBaseUrl).toMatch(/^https:\/\/my-inpaint-uploads\.s3\.[a-z0-9-]+\.amazonaws\.com$/);
		const key = (kind: string) =>
			new RegExp(`^inpaint-uploads/\\d{4}-\\d{2}-\\d{2}/[^/]+-[0-9a-z]{4,10}-${kind}\\.png$`);
		expect(imageKey).toMatch(key('image'));
		expect(maskKey).toMatch(key('mask'));
		// Each upload node gets the file in the field it reads, with the bucket and its key.
		for (const [node, field, name] of [
			['Upload image', 'image', imageKey],
			['Upload mask', 'mask', maskKey],
		] as [string, string, unknown][]) {
			const [{ items }] = run.received(node) as { items: any[] }[];
			expect(items[0].binary[field].fileName).toBe(field === 'image' ? 'dog.png' : 'dog-mask.png');
			expect(items[0].json).toMatchObject({ bucket, [`${field}Key`]: name });
		}
		const submits = sim.requests().filter((r: any) => r.endpoint === 'submit');
		expect(submits).toHaveLength(1);
		expect(submits[0].body).toMatchObject({
			prompt: 'Change to a lion',
			imageUrl: `${publicBaseUrl}/${imageKey}`,
			maskUrl: `${publicBaseUrl}/${maskKey}`,
		});
		const [answered] = run.received('Return the image') as { items: any[] }[];
		expect(answered.items[0].json.status).toBe('succeeded');
		expect(answered.items[0].binary.data.mimeType).toBe('image/png');
	});

	it('loops Get Results → If → Wait until the job is done, chaining the Job Set ID by the default expression', async () => {
		sim.reset();
		// The first check answers "pending" whatever the clock: the loop must go round at least once.
		sim.enqueueFaults({
			endpoint: 'poll',
			type: 'status',
			status: 200,
			body: { status: 'pending' },
		});
		const workflow = load('long-jobs-wait-loop.workflow.json');
		const run = await runWorkflow({
			pkg,
			workflow,
			credentials: {
				pixazoApi: simulatorCredential(sim),
			},
		});
		expect(run.error?.message).toBeUndefined();
		expect(run.status).toBe('success');
		const submitted = run.output('Submit job')[0].json.jobSetId;
		expect(submitted).toMatch(/^jobset_/);
		const checks = run.runData['Get results'].map((task: any) => task.data.main[0][0].json);
		expect(checks.length).toBeGreaterThanOrEqual(2);
		expect(checks[0]).toMatchObject({ jobSetId: submitted, status: 'pending' });
		expect(checks.at(-1)).toMatchObject({ jobSetId: submitted, status: 'succeeded' });
		expect(checks.slice(0, -1).every((c: any) => c.status !== 'succeeded')).toBe(true);
		// Each unfinished check went back through Wait; the finished one went on to "Use the images".
		expect(run.runData['Wait 30 s']).toHaveLength(checks.length);
		const used = run.received('Use the images');
		expect(used).toHaveLength(1);
		expect((used[0].items[0] as any).json).toMatchObject({
			jobSetId: submitted,
			status: 'succeeded',
		});
		const polled = sim.requests().filter((r: any) => r.endpoint === 'poll');
		expect(polled).toHaveLength(checks.length);
		expect(new Set(polled.map((r: any) => r.body.job_set_id))).toEqual(new Set([submitted]));
	});
});
