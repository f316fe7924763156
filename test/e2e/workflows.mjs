// The credentials and workflows the e2e imports into n8n. The dog → lion example is imported as
// it is; the Telegram and wait-loop examples get e2e copies whose online-only nodes are swapped
// for nodes that work offline (the binary reaches a No Operation node), so the image really flows
// through real n8n. The storage examples keep n8n's real S3 nodes, pointed at the local
// S3-compatible server (s3-server.mjs) by their credential and bucket.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NODE_TYPE, ROOT } from './lib.mjs';
import { S3_ACCESS_KEY, S3_SECRET_KEY } from './s3-server.mjs';
import { simulatorCredential } from '../harness/inpaint-workflow.mjs';

export const CREDENTIAL = { id: 'pixazoSimulator', name: 'Pixazo API' };
export const WRONG_KEY = 'e2e-wrong-key-7f3a9c1d5b';

/** The three credentials: the right key, a wrong key, and an API nobody listens on. */
export function credentials(sim, closedPort) {
	const unreachable = `http://127.0.0.1:${closedPort}`;
	const entry = (id, name, data) => ({ id, name, type: 'pixazoApi', data });
	return [
		entry(CREDENTIAL.id, CREDENTIAL.name, simulatorCredential(sim)),
		entry('pixazoWrongKey', 'Pixazo API (wrong key)', {
			...simulatorCredential(sim),
			subscriptionKey: WRONG_KEY,
		}),
		entry('pixazoNoApi', 'Pixazo API (unreachable)', {
			subscriptionKey: sim.key,
			submitBaseUrl: `${unreachable}/submit`,
			pollBaseUrl: `${unreachable}/poll`,
		}),
	];
}

/** The examples' AWS credential reference, and the e2e's S3 credential (n8n's S3 node). */
export const AWS_CREDENTIAL = { id: 'awsAccount', name: 'AWS account' };
export const S3_CREDENTIAL = { id: 's3Compatible', name: 'S3-compatible storage' };
/**
 * The buckets on the local S3 server. n8n's AWS S3 node sends a request to the credential's
 * custom S3 endpoint only for a bucket name with a dot (path-style); any other name goes to
 * <bucket>.s3.<region>.amazonaws.com. n8n's S3 node takes any name.
 */
export const BUCKETS = { awsS3Node: 'inpaint.e2e', s3Node: 'inpaint-e2e' };

/**
 * The storage credentials, both pointing at the local S3 server: `aws` with *Custom Endpoints* →
 * *S3 Endpoint* (for the AWS S3 node), `s3` with *Force Path Style* (for the S3 node).
 */
export function storageCredentials(s3) {
	const keys = { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY };
	return [
		{
			...AWS_CREDENTIAL,
			type: 'aws',
			data: { region: 'us-east-1', ...keys, customEndpoints: true, s3Endpoint: s3.url },
		},
		{
			...S3_CREDENTIAL,
			type: 's3',
			data: { endpoint: s3.url, region: 'us-east-1', ...keys, forcePathStyle: true },
		},
	];
}

/** n8n's S3 node with the parameters of an AWS S3 node (the two share them), as the README says for R2 and n8n 1.x. */
const asS3Node = (node) => ({
	...node,
	type: 'n8n-nodes-base.s3',
	typeVersion: 1,
	credentials: { s3: S3_CREDENTIAL },
});

export const example = (name) =>
	JSON.parse(readFileSync(join(ROOT, 'examples', `${name}.workflow.json`), 'utf8'));

const manualTrigger = (id) => ({
	parameters: {},
	id,
	name: "When clicking 'Execute workflow'",
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
});

/** Replaces node `name` (keeping its name, id, position and connections) by `replacement`. */
function swapNode(workflow, name, replacement) {
	const at = workflow.nodes.findIndex((n) => n.name === name);
	if (at < 0) throw new Error(`${workflow.name}: no node "${name}"`);
	const { id, position } = workflow.nodes[at];
	workflow.nodes[at] = { id, name, position, ...replacement };
	return workflow;
}

/** Replaces a trigger node by a manual trigger (n8n execute starts workflows from one). */
export function manualStart(workflow, triggerName) {
	const at = workflow.nodes.findIndex((n) => n.name === triggerName);
	const trigger = manualTrigger(workflow.nodes[at].id);
	workflow.nodes[at] = { ...trigger, position: workflow.nodes[at].position };
	workflow.connections[trigger.name] = workflow.connections[triggerName];
	delete workflow.connections[triggerName];
	return workflow;
}

const noOp = { parameters: {}, type: 'n8n-nodes-base.noOp', typeVersion: 1 };

/**
 * The workflows the CLI runs, keyed by what they show. The S3 example uploads to the local S3
 * server: with its AWS S3 node on n8n 2.x; on n8n 1.x with n8n's S3 node in its place (1.x's AWS
 * credential signs requests to a custom endpoint for no service, which S3 servers refuse).
 */
export function cliWorkflows(line) {
	const s3 = example('inpaint-to-s3');
	const upload = s3.nodes.find((n) => n.name === 'Upload to S3');
	const aws = line === '2';
	upload.parameters.bucketName = aws ? BUCKETS.awsS3Node : BUCKETS.s3Node;
	Object.assign(s3, {
		id: aws ? 'pxE2eS3Aws01' : 'pxE2eS3Node01',
		name: `e2e: Inpaint → ${aws ? 'AWS S3' : 'S3'} node → local S3`,
	});
	if (!aws) swapNode(s3, upload.name, asS3Node(upload));

	const telegram = example('inpaint-to-telegram');
	Object.assign(telegram, {
		id: 'pxE2eTgmNoOp01',
		name: 'e2e: Inpaint → No Operation (Telegram stand-in)',
	});
	manualStart(telegram, 'Every morning');
	swapNode(telegram, 'Send to Telegram', noOp);
	telegram.nodes.find((n) => n.type === NODE_TYPE).parameters.options.pollInterval = 0.5;

	const loop = example('long-jobs-wait-loop');
	Object.assign(loop, {
		id: 'pxE2eLoop01',
		name: 'e2e: Submit → Wait 1 s → Get Results → If, looping',
	});
	loop.nodes.find((n) => n.name === 'Wait 30 s').parameters.amount = 1;
	// The simulator's job takes 2.5 s, so Get Results finds it running at least once and loops.
	loop.nodes.find((n) => n.name === 'Submit job').parameters.prompt += ' [sim:ms=2500]';

	const failing = (id, name, credential, options = {}) => {
		const workflow = example('inpaint-dog-to-lion');
		Object.assign(workflow, { id, name });
		const inpaint = workflow.nodes.find((n) => n.type === NODE_TYPE);
		inpaint.credentials = { pixazoApi: credential };
		Object.assign(inpaint.parameters.options, options);
		return workflow;
	};
	return {
		dogToLion: example('inpaint-dog-to-lion'),
		s3,
		telegram,
		loop,
		wrongKey: failing('pxE2eWrongKey01', 'e2e: wrong key', {
			id: 'pixazoWrongKey',
			name: 'Pixazo API (wrong key)',
		}),
		// One quick retry instead of the default four with doubling pauses (1 + 2 + 4 + 8 s).
		unreachable: failing(
			'pxE2eNoApi01',
			'e2e: API unreachable',
			{ id: 'pixazoNoApi', name: 'Pixazo API (unreachable)' },
			{ maxRetries: 1, retryDelay: 0.5 },
		),
	};
}

/** Webhook → Inpaint (URLs only) → answer with the node's output; for `n8n start`. */
export function webhookWorkflow(path, sim) {
	return {
		id: 'pxE2eWebhook01',
		name: 'e2e: Webhook → Inpaint',
		active: false,
		nodes: [
			{
				parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
				id: 'e2e00000-0000-4000-8000-000000000001',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'e2e00000-0000-4000-8000-0000000000aa',
			},
			{
				parameters: {
					operation: 'submit',
					prompt: '={{ $json.body.prompt }}',
					imageUrl: sim.sampleImageUrl,
					maskUrl: sim.sampleMaskUrl,
					waitForCompletion: true,
					additionalFields: { seed: 7 },
					options: { pollInterval: 0.2 },
				},
				id: 'e2e00000-0000-4000-8000-000000000002',
				name: 'Inpaint',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				credentials: { pixazoApi: CREDENTIAL },
			},
		],
		connections: { Webhook: { main: [[{ node: 'Inpaint', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/**
 * examples/binary-in-via-s3 for `n8n start`, on webhook `path`: as shipped but for *Settings*
 * (the local bucket and its public address), and with `node: 's3'` its two AWS S3 nodes replaced
 * by n8n's S3 node (the README's way for R2 and n8n 1.x).
 */
export function binaryInWorkflow(s3, path, { node = 'awsS3' } = {}) {
	const workflow = example('binary-in-via-s3');
	const bucket = node === 'awsS3' ? BUCKETS.awsS3Node : BUCKETS.s3Node;
	workflow.name = `e2e: files in → ${node === 'awsS3' ? 'AWS S3' : 'S3'} node → Inpaint → reply`;
	const settings = workflow.nodes.find((n) => n.name === 'Settings').parameters.assignments;
	const set = (name, value) => (settings.assignments.find((a) => a.name === name).value = value);
	set('bucket', bucket);
	set('publicBaseUrl', `${s3.url}/${bucket}`);
	const webhook = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
	webhook.parameters.path = path;
	webhook.webhookId = `e2e00000-0000-4000-8000-${node === 'awsS3' ? '0000000000b1' : '0000000000b2'}`;
	if (node === 's3')
		for (const n of workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.awsS3'))
			swapNode(workflow, n.name, asS3Node(n));
	return { workflow, bucket };
}

/**
 * For the screenshots: the dog → lion example's Submit node (every additional field set), a Get
 * Results node as a first-time user adds it, and a node with every option at its default.
 */
export function screenshotWorkflow(credential) {
	const workflow = example('inpaint-dog-to-lion');
	const submit = workflow.nodes.find((n) => n.type === NODE_TYPE);
	submit.credentials = { pixazoApi: credential };
	submit.parameters.options = { downloadImages: true };
	const node = (name, x, parameters) => ({
		parameters,
		id: `5c2e0000-0000-4000-8000-00000000000${x / 240}`,
		name,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [x, 0],
		credentials: { pixazoApi: credential },
	});
	const everyOption = {
		concurrency: 10,
		downloadImages: true,
		maxRetryAfter: 60,
		maxRetries: 4,
		onTimeout: 'error',
		pollInterval: 2,
		binaryPropertyName: 'data',
		requestTimeout: 60,
		retryDelay: 1,
		timeout: 300,
	};
	workflow.nodes.push(
		node('Get results', 480, { operation: 'getResults', options: {} }),
		node('Inpaint with every option', 720, { prompt: 'Change to a lion', options: everyOption }),
	);
	const { name } = submit;
	workflow.connections[name] = { main: [[{ node: 'Get results', type: 'main', index: 0 }]] };
	workflow.connections['Get results'] = {
		main: [[{ node: 'Inpaint with every option', type: 'main', index: 0 }]],
	};
	return { ...workflow, id: undefined, name: 'Inpaint node (screenshots)' };
}
