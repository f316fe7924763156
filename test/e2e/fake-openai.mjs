// A fake OpenAI-compatible chat model for the AI Agent e2e, on 127.0.0.1: POST /v1/chat/completions.
// It plays the part of a model that uses the Inpaint tool: asked by the user (image and mask URLs
// in the message), it calls the first offered tool whose name contains "inpaint" with a prompt
// (MODEL_PROMPT and the requested model name, so that runs sharing the fake tell apart) and those URLs; handed the tool's result, it answers with the imageUrl it finds there.
// Every request body is recorded, so the e2e can check what n8n offered and what reached the model.
// Answers in JSON, or as server-sent events when the request asks for a stream.
import { createServer } from 'node:http';

export const MODEL_PROMPT = 'A majestic lion with a golden mane, photorealistic';

const textOf = (message) =>
	typeof message?.content === 'string'
		? message.content
		: (message?.content ?? []).map((part) => part.text ?? '').join('');

/** The answer to one chat completions request: a tool call, or a text that quotes the tool's image URL. */
function reply(body) {
	const messages = body.messages ?? [];
	const toolMessages = messages.filter((m) => m.role === 'tool');
	if (toolMessages.length) {
		const result = textOf(toolMessages.at(-1));
		const url = /"imageUrl\\?"\s*:\s*\\?"(http[^"\\]+)/.exec(result)?.[1];
		return {
			content: url
				? `Done: here is the lion, ${url}`
				: `The tool returned no image: ${result.slice(0, 300)}`,
		};
	}
	const tool = (body.tools ?? []).find((t) => /inpaint/i.test(t.function?.name ?? ''));
	if (!tool) return { content: 'No inpainting tool was offered to me.' };
	const asked = textOf(messages.filter((m) => m.role === 'user').at(-1));
	const [imageUrl, maskUrl] = asked.match(/https?:\/\/\S+?\.png/g) ?? [];
	const args = {
		prompt: `${MODEL_PROMPT} [${body.model}]`,
		imageUrl: imageUrl ?? '',
		maskUrl: maskUrl ?? '',
	};
	const wanted = Object.keys(tool.function.parameters?.properties ?? {});
	const call = {
		id: 'call_e2e_inpaint_1',
		type: 'function',
		function: {
			name: tool.function.name,
			arguments: JSON.stringify(
				Object.fromEntries(Object.entries(args).filter(([k]) => wanted.includes(k))),
			),
		},
	};
	return { content: null, tool_calls: [call] };
}

/**
 * Starts the fake model on a free port of 127.0.0.1.
 * @returns {Promise<{ url: string, baseUrl: string, requests: () => any[], close: () => Promise<void> }>}
 */
export async function startFakeOpenAi() {
	const requests = [];
	const server = createServer((req, res) => {
		let raw = '';
		req.setEncoding('utf8');
		req.on('data', (chunk) => (raw += chunk));
		req.on('end', () => {
			const path = (req.url ?? '').split('?')[0];
			if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
				res
					.writeHead(404, { 'content-type': 'application/json' })
					.end(JSON.stringify({ error: { message: `no ${req.method} ${path} here` } }));
				return;
			}
			let body;
			try {
				body = JSON.parse(raw);
			} catch {
				res.writeHead(400).end('{"error":{"message":"invalid JSON"}}');
				return;
			}
			requests.push(body);
			const message = { role: 'assistant', ...reply(body) };
			const finish = message.tool_calls ? 'tool_calls' : 'stop';
			const base = {
				id: `chatcmpl-e2e-${requests.length}`,
				created: Math.floor(Date.now() / 1000),
				model: body.model ?? 'fake',
			};
			const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
			if (body.stream) {
				const delta = message.tool_calls
					? {
							role: 'assistant',
							tool_calls: message.tool_calls.map((c, index) => ({ index, ...c })),
						}
					: { role: 'assistant', content: message.content };
				const chunk = (choice, extra = {}) =>
					`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [choice], ...extra })}\n\n`;
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				res.write(chunk({ index: 0, delta, finish_reason: null }));
				res.write(chunk({ index: 0, delta: {}, finish_reason: finish }, { usage }));
				res.end('data: [DONE]\n\n');
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					...base,
					object: 'chat.completion',
					choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
					usage,
				}),
			);
		});
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const url = `http://127.0.0.1:${server.address().port}`;
	return {
		url,
		baseUrl: `${url}/v1`,
		requests: () => requests.map((r) => structuredClone(r)),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections?.();
				server.close(() => resolve());
			}),
	};
}
