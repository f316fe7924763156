import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
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

function fail(
	fx: IExecuteFunctions,
	itemIndex: number,
	message: string,
	description: string,
): never {
	throw new NodeOperationError(fx.getNode(), message, { itemIndex, description });
}

function shown(value: unknown): string {
	const s = typeof value === 'string' ? value : JSON.stringify(value);
	return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** A trimmed http(s) URL, or undefined when left empty. */
export function readUrl(
	fx: IExecuteFunctions,
	itemIndex: number,
	label: string,
	value: unknown,
): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') {
		fail(
			fx,
			itemIndex,
			`${label} must be a URL`,
			`It is ${shown(value)}. Use a public http(s) link to a PNG or JPEG.`,
		);
	}
	const trimmed = value.trim();
	if (trimmed === '') return undefined;
	let url: URL;
	try {
		url = new URL(trimmed);
	} catch {
		return fail(
			fx,
			itemIndex,
			`${label} is not a valid URL`,
			`"${shown(trimmed)}" is not a URL. Use a full public link such as https://example.com/dog.png.`,
		);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		fail(
			fx,
			itemIndex,
			`${label} must start with http:// or https://`,
			`"${shown(trimmed)}" uses ${url.protocol.replace(':', '')}. The API fetches the image itself, so it needs a public http(s) link (upload binary files to storage first, e.g. S3 or Google Drive).`,
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
	fx: IExecuteFunctions,
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
			fx,
			itemIndex,
			`${rule.label} must be ${what}`,
			`It is ${shown(value)}. Enter ${what} ${bound}, or remove the field.`,
		);
	}
	if (rule.integer && !Number.isInteger(n)) {
		fail(
			fx,
			itemIndex,
			`${rule.label} must be a whole number`,
			`It is ${n}. The API takes whole numbers here: use ${Math.round(n)}, for example.`,
		);
	}
	if (rule.inclusive ? n < rule.min : n <= rule.min) {
		fail(
			fx,
			itemIndex,
			`${rule.label} must be ${bound}`,
			`It is ${n}. Enter ${what} ${bound}, or remove the field.`,
		);
	}
	return n;
}

/** Reads and checks one item's Submit fields; throws before anything is sent when one is wrong. */
export function readSubmitBody(fx: IExecuteFunctions, itemIndex: number): SubmitBody {
	const prompt = fx.getNodeParameter('prompt', itemIndex, '') as unknown;
	if (typeof prompt !== 'string' || prompt.trim() === '') {
		fail(
			fx,
			itemIndex,
			'The prompt is empty',
			'Describe what to paint into the masked area, e.g. "Change to a lion". If the prompt comes from an expression, check that the field it reads exists on this item.',
		);
	}
	const body: SubmitBody = { prompt: prompt.trim() };
	const imageUrl = readUrl(
		fx,
		itemIndex,
		'Image URL',
		fx.getNodeParameter('imageUrl', itemIndex, ''),
	);
	const maskUrl = readUrl(fx, itemIndex, 'Mask URL', fx.getNodeParameter('maskUrl', itemIndex, ''));
	if (maskUrl && !imageUrl) {
		fail(
			fx,
			itemIndex,
			'A mask needs an image',
			'Set Image URL to the picture the mask belongs to, or clear Mask URL.',
		);
	}
	if (imageUrl) body.imageUrl = imageUrl;
	if (maskUrl) body.maskUrl = maskUrl;

	const extra = fx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	if (extra.negativePrompt !== undefined && extra.negativePrompt !== null) {
		if (typeof extra.negativePrompt !== 'string') {
			fail(fx, itemIndex, 'Negative Prompt must be text', `It is ${shown(extra.negativePrompt)}.`);
		}
		if (extra.negativePrompt.trim() !== '') body.negative_prompt = extra.negativePrompt.trim();
	}
	for (const [field, rule] of Object.entries(NUMBER_FIELDS)) {
		const n = readNumber(fx, itemIndex, rule, extra[field]);
		if (n !== undefined) body[rule.apiName] = n;
	}
	return body;
}

export function readJobSetId(fx: IExecuteFunctions, itemIndex: number): string {
	const value = fx.getNodeParameter('jobSetId', itemIndex, '') as unknown;
	const id = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (id === '') {
		fail(
			fx,
			itemIndex,
			'The Job Set ID is empty',
			'Connect this node after an Inpaint Submit node (the default expression {{ $json.jobSetId }} reads its output), or paste an ID such as jobset_abc123.',
		);
	}
	return id;
}
