// The AI Agent run of one line: examples/ai-agent-inpaint-tool.workflow.json with its Chat Trigger
// replaced by a Manual Trigger and an Edit Fields node that writes the chat message (`n8n execute`
// starts from a manual trigger), its OpenAI Chat Model pointed at the fake model
// (fake-openai.mjs), whose model name tells the two lines apart. Checks that n8n offered the model
// the Inpaint tool with its schema and description, that the job ran with the model's prompt and
// URLs, and that the result image URL reached the model and the agent's answer.
import { MODEL_PROMPT } from './fake-openai.mjs';
import { NODE_TYPE, check } from './lib.mjs';
import { nodeItems } from './n8n.mjs';
import { example, manualStart } from './workflows.mjs';

export const OPENAI_CREDENTIAL = { id: 'openAiAccount', name: 'OpenAI account' };
const TOOL_TYPE = `${NODE_TYPE}Tool`;
const AGENT = 'AI Agent';
const TRIGGER = 'When chat message received';
const MESSAGE_NODE = 'Chat message';

/**
 * What a model should read: the URLs and the job, not `raw` (the API's last answer, which repeats
 * them). The node leaves `raw` out when it runs as a tool, and the run checks it.
 */
export const EXPECT_NO_RAW_FOR_MODEL = true;

/** The OpenAI credential of the e2e: the fake model's base URL and a made-up key. */
export const openAiCredential = (fakeModel) => ({
	...OPENAI_CREDENTIAL,
	type: 'openAiApi',
	data: { apiKey: 'sk-e2e-fake-model-key', url: fakeModel.baseUrl },
});

export const modelName = (n8n) => `e2e-fake-${n8n.version}`;

/** The example, runnable by `n8n execute`, asking for the simulator's sample dog and mask. */
export function agentWorkflow(sim, model) {
	const workflow = example('ai-agent-inpaint-tool');
	Object.assign(workflow, {
		id: 'pxE2eAgent01',
		name: 'e2e: AI Agent with the Inpaint tool (fake model)',
	});
	const trigger = workflow.nodes.find((n) => n.name === TRIGGER);
	manualStart(workflow, TRIGGER);
	const manual = workflow.nodes.find((n) => n.id === trigger.id);
	const chatInput = `Please turn the dog into a lion. Image: ${sim.sampleImageUrl} Mask: ${sim.sampleMaskUrl}`;
	workflow.nodes.push({
		parameters: {
			assignments: {
				assignments: [
					{
						id: 'a1e2e000-0000-4000-8000-000000000001',
						name: 'chatInput',
						value: chatInput,
						type: 'string',
					},
					{
						id: 'a1e2e000-0000-4000-8000-000000000002',
						name: 'sessionId',
						value: 'e2e',
						type: 'string',
					},
				],
			},
			options: {},
		},
		id: 'a1e2e000-0000-4000-8000-0000000000aa',
		name: MESSAGE_NODE,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: [120, -160],
	});
	workflow.connections[manual.name] = { main: [[{ node: MESSAGE_NODE, type: 'main', index: 0 }]] };
	workflow.connections[MESSAGE_NODE] = { main: [[{ node: AGENT, type: 'main', index: 0 }]] };
	const chatModel = workflow.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.lmChatOpenAi');
	chatModel.parameters.model = { __rl: true, value: model, mode: 'id' };
	const tool = workflow.nodes.find((n) => n.type === TOOL_TYPE);
	tool.parameters.options.pollInterval = 0.2;
	return workflow;
}

/**
 * Checks one agent run: `execution` from `n8n execute`, `requests` the fake model's requests of
 * this line, `sim` the API simulator. Returns a one-line summary for the report.
 */
export function assertAgentRun(execution, requests, sim, toolDescription) {
	const { code, result, output } = execution;
	check(code === 0, `agent: n8n execute exited with ${code}`, output.slice(-3000));
	check(result, 'agent: no run JSON in the output', output.slice(-3000));
	const error = result.data?.resultData?.error;
	check(!error && result.status !== 'error', 'agent: the execution failed', error ?? result.status);

	// 1. The model was offered the tool, with the description written for it and a schema of the $fromAI keys.
	check(
		requests.length >= 2,
		`agent: the model was asked ${requests.length} time(s), expected a tool call and an answer`,
		requests,
	);
	const offered = requests[0].tools ?? [];
	const tool = offered.find((t) => /inpaint/i.test(t.function?.name ?? ''));
	check(
		tool,
		'agent: no Inpaint tool among the tools offered to the model',
		offered.map((t) => t.function?.name),
	);
	const { name, description, parameters } = tool.function;
	check(
		description === toolDescription,
		'agent: the tool description is not the one written in the workflow',
		description,
	);
	for (const key of ['prompt', 'imageUrl', 'maskUrl']) {
		check(
			parameters?.properties?.[key]?.type === 'string',
			`agent: the tool schema lacks string "${key}"`,
			parameters,
		);
		check(
			parameters?.required?.includes(key),
			`agent: "${key}" is not required in the tool schema`,
			parameters,
		);
	}

	// 2. The job ran with the model's prompt and the URLs the model took from the chat message.
	const prompt = `${MODEL_PROMPT} [${requests[0].model}]`;
	const submits = sim
		.requests()
		.filter((r) => r.endpoint === 'submit' && r.body?.prompt === prompt);
	check(
		submits.length === 1,
		`agent: ${submits.length} submit(s) with the model's prompt "${prompt}", expected 1`,
	);
	check(
		submits[0].body.imageUrl === sim.sampleImageUrl &&
			submits[0].body.maskUrl === sim.sampleMaskUrl,
		'agent: the job did not get the URLs from the chat message',
		submits[0].body,
	);
	const job = sim.stats().jobs.find((j) => j.prompt === prompt);
	check(job, 'agent: the simulator has no job with the model prompt');

	// 3. The tool's result (the image URL) reached the model, and the model's answer reached the agent's output.
	const toolMessage = requests
		.at(-1)
		.messages?.filter((m) => m.role === 'tool')
		.at(-1);
	const toolText =
		typeof toolMessage?.content === 'string'
			? toolMessage.content
			: JSON.stringify(toolMessage?.content ?? '');
	const imageUrl = toolText.match(new RegExp(`${sim.url}/results/[^"\\s,]+`))?.[0];
	check(
		imageUrl,
		'agent: no simulator image URL in the tool result the model received',
		toolText.slice(0, 2000),
	);
	check(
		toolText.includes(job.jobSetId),
		`agent: the tool result lacks the job ${job.jobSetId}`,
		toolText.slice(0, 2000),
	);
	const [answer] = nodeItems(result, AGENT);
	check(
		String(answer?.json?.output ?? '').includes(imageUrl),
		"agent: the agent's answer lacks the image URL",
		answer?.json,
	);

	// 4. What the model reads: no binary (n8n drops it) and, once the node leaves it out, no `raw`.
	const rawReached = /"raw"\s*:/.test(toolText);
	if (EXPECT_NO_RAW_FOR_MODEL)
		check(
			!rawReached,
			'agent: the tool result handed to the model contains `raw`',
			toolText.slice(0, 2000),
		);
	check(
		!/"binary"\s*:/.test(toolText),
		'agent: binary data reached the model',
		toolText.slice(0, 500),
	);

	return `tool "${name}" offered with its description and schema (${Object.keys(parameters.properties).join(', ')}); job ${job.jobSetId} ran with the model's prompt; ${imageUrl} reached the model (${toolText.length} characters of tool result, raw ${rawReached ? 'included' : 'left out'}) and the answer`;
}
