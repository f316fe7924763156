import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** The body of POST /getImage, with the API's own (mixed-case) field names. */
export interface SubmitBody extends IDataObject {
	prompt: string;
	imageUrl?: string;
	maskUrl?: string;
	negative_prompt?: string;
	width?: number;
	height?: number;
	num_steps?: number;
	guidance?: number;
	seed?: number;
}

/** The Submit parameters of one item, as n8n hands them over. */
interface SubmitFields {
	prompt: unknown;
	imageUrl: unknown;
	maskUrl: unknown;
	additionalFields: IDataObject;
}

/** Where the README explains how to get a public link for a file held in n8n. */
export const FILE_IN_N8N_HELP =
	'https://www.npmjs.com/package/n8n-nodes-pixazo-inpaint#your-image-is-a-file-in-n8n';

function fail(node: INode, itemIndex: number, message: string, description: string): never {
	throw new NodeOperationError(node, message, { itemIndex, description });
}

function shown(value: unknown): string {
	const s = typeof value === 'string' ? value : JSON.stringify(value);
	return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** What a value that is not a link most likely is, in the user's words. */
function notALink(label: string, text: string): { message: string; advice: string } {
	const upload = `The API downloads the image from a public http(s) link and cannot take a file: upload it first (S3, R2, Google Drive…) and give its link. See ${FILE_IN_N8N_HELP}`;
	if (/^data:/i.test(text))
		return { message: `${label} is a data: URL, not a link`, advice: upload };
	if (/^(file:|\/|[a-z]:[\\/]|\.{1,2}[\\/]|~)/i.test(text))
		return { message: `${label} is a file path, not a link`, advice: upload };
	if (/^[\w-]+$/.test(text))
		return {
			message: `${label} "${shown(text)}" is not a link (a binary field's name?)`,
			advice: upload,
		};
	return {
		message: `${label} is not a valid URL`,
		advice: `"${shown(text)}" is not a URL. Use a full public link such as https://example.com/dog.png. For a file held in n8n, see ${FILE_IN_N8N_HELP}`,
	};
}

/** A trimmed http(s) URL, or undefined when left empty. */
function readUrl(
	node: INode,
	itemIndex: number,
	label: string,
	value: unknown,
): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') {
		fail(
			node,
			itemIndex,
			`${label} must be a URL`,
			`It is ${shown(value)}. Use a public http(s) link to a PNG or JPEG.`,
		);
	}
	const trimmed = value.trim();
	if (trimmed === '') return undefined;
	const url = parseUrl(trimmed);
	if (!url || url.protocol === 'data:' || url.protocol === 'file:') {
		const { message, advice } = notALink(label, trimmed);
		fail(node, itemIndex, message, advice);
	}
	const { protocol } = url;
	if (!isHttp(url)) {
		fail(
			node,
			itemIndex,
			`${label} must start with http:// or https://`,
			`"${shown(trimmed)}" uses ${protocol.replace(':', '')}. The API fetches the image itself, so it needs a public http(s) link. For a file held in n8n, see ${FILE_IN_N8N_HELP}`,
		);
	}
	return trimmed;
}

interface NumberRule {
	label: string;
	integer: boolean;
	min: number;
	/** Whether `min` itself is allowed. */
	inclusive: boolean;
}

const NUMBER_FIELDS: Record<string, { apiName: keyof SubmitBody } & NumberRule> = {
	width: { apiName: 'width', label: 'Width', integer: true, min: 0, inclusive: false },
	height: { apiName: 'height', label: 'Height', integer: true, min: 0, inclusive: false },
	numSteps: { apiName: 'num_steps', label: 'Steps', integer: true, min: 0, inclusive: false },
	guidance: { apiName: 'guidance', label: 'Guidance', integer: false, min: 0, inclusive: true },
	seed: { apiName: 'seed', label: 'Seed', integer: true, min: 0, inclusive: true },
};

function readNumber(
	node: INode,
	itemIndex: number,
	rule: NumberRule,
	value: unknown,
): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	const what = rule.integer ? 'a whole number' : 'a number';
	const bound = rule.inclusive ? `at least ${rule.min}` : `above ${rule.min}`;
	if (typeof n !== 'number' || !Number.isFinite(n)) {
		fail(
			node,
			itemIndex,
			`${rule.label} must be ${what}`,
			`It is ${shown(value)}. Enter ${what} ${bound}, or remove the field.`,
		);
	}
	if (rule.integer && !Number.isInteger(n)) {
		fail(
			node,
			itemIndex,
			`${rule.label} must be a whole number`,
			`It is ${n}. The API takes whole numbers here: use ${Math.round(n)}, for example.`,
		);
	}
	if (rule.inclusive ? n < rule.min : n <= rule.min) {
		fail(
			node,
			itemIndex,
			`${rule.label} must be ${bound}`,
			`It is ${n}. Enter ${what} ${bound}, or remove the field.`,
		);
	}
	return n;
}

/** Checks one item's Submit fields and builds the request body; throws before anything is sent when one is wrong. */
export function readSubmitBody(node: INode, itemIndex: number, fields: SubmitFields): SubmitBody {
	const { prompt } = fields;
	if (typeof prompt !== 'string' || prompt.trim() === '') {
		fail(
			node,
			itemIndex,
			'The prompt is empty',
			'Describe what to paint into the masked area, e.g. "Change to a lion". If the prompt comes from an expression, check that the field it reads exists on this item.',
		);
	}
	const body: SubmitBody = { prompt: prompt.trim() };
	const imageUrl = readUrl(node, itemIndex, 'Image URL', fields.imageUrl);
	const maskUrl = readUrl(node, itemIndex, 'Mask URL', fields.maskUrl);
	if (maskUrl && !imageUrl) {
		fail(
			node,
			itemIndex,
			'A mask needs an image',
			'Set Image URL to the picture the mask belongs to, or clear Mask URL.',
		);
	}
	if (imageUrl) body.imageUrl = imageUrl;
	if (maskUrl) body.maskUrl = maskUrl;

	const extra = fields.additionalFields;
	if (extra.negativePrompt !== undefined && extra.negativePrompt !== null) {
		if (typeof extra.negativePrompt !== 'string') {
			fail(
				node,
				itemIndex,
				'Negative Prompt must be text',
				`It is ${shown(extra.negativePrompt)}.`,
			);
		}
		if (extra.negativePrompt.trim() !== '') body.negative_prompt = extra.negativePrompt.trim();
	}
	for (const [field, rule] of Object.entries(NUMBER_FIELDS)) {
		const n = readNumber(node, itemIndex, rule, extra[field]);
		if (n !== undefined) body[rule.apiName] = n;
	}
	return body;
}

export function readJobSetId(node: INode, itemIndex: number, value: unknown): string {
	const id = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (id === '') {
		fail(
			node,
			itemIndex,
			'The Job Set ID is empty',
			'Connect this node after an Inpaint Submit node (the default expression {{ $json.jobSetId }} reads its output), or paste an ID such as jobset_abc123.',
		);
	}
	return id;
}

/** `text` as a URL, or undefined when it is not one. */
export function parseUrl(text: string): URL | undefined {
	try {
		return new URL(text);
	} catch {
		return undefined;
	}
}

/** Whether `url` is an http(s) link. */
export function isHttp(url: URL | undefined): url is URL {
	return url?.protocol === 'http:' || url?.protocol === 'https:';
}
