import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

type TimeoutBehaviour = 'error' | 'returnJob';

interface NumberOption {
	/** The field's name in the editor, without its unit: error messages name it so. */
	label: string;
	default: number;
	min: number;
	max: number;
	/** `seconds` and `megabytes` take fractions; `whole` does not. */
	unit: 'seconds' | 'whole' | 'megabytes';
}

/**
 * Every number option: the editor's default, minValue and maxValue come from here, and so do
 * the checks in readRunOptions, so the two cannot disagree. Durations stay far below what a
 * timer can hold (2^31 ms).
 */
export const NUMBER_OPTIONS = {
	pollInterval: { label: 'Poll Interval', default: 2, min: 0.1, max: 3600, unit: 'seconds' },
	timeout: { label: 'Job Timeout', default: 300, min: 0.1, max: 86_400, unit: 'seconds' },
	concurrency: { label: 'Concurrency', default: 10, min: 1, max: 100, unit: 'whole' },
	maxRetries: { label: 'Max Retries', default: 4, min: 0, max: 20, unit: 'whole' },
	retryDelay: { label: 'Retry Delay', default: 1, min: 0.1, max: 3600, unit: 'seconds' },
	maxRetryAfter: { label: 'Max Pause on 429', default: 60, min: 0, max: 3600, unit: 'seconds' },
	requestTimeout: { label: 'Request Timeout', default: 60, min: 0.1, max: 3600, unit: 'seconds' },
	maxImageSizeMb: { label: 'Max Image Size', default: 50, min: 0.1, max: 1024, unit: 'megabytes' },
} as const satisfies Record<string, NumberOption>;

export type NumberOptionName = keyof typeof NUMBER_OPTIONS;

/** The defaults of the options that are neither numbers nor off by default. */
export const OTHER_OPTION_DEFAULTS = {
	binaryPropertyName: 'data',
	onTimeout: 'error' as TimeoutBehaviour,
};

const BYTES_PER_MB = 1024 * 1024;

/** Everything under "Options", in the units the code uses (milliseconds, bytes). */
export interface RunOptions {
	pollIntervalMs: number;
	/** Longest wait for one job. */
	timeoutMs: number;
	downloadImages: boolean;
	binaryPropertyName: string;
	/** Most requests of one node run in flight at once. */
	concurrency: number;
	onTimeout: TimeoutBehaviour;
	/** Retries of a request that is not waited out until a deadline. */
	maxRetries: number;
	/** First backoff before a retry; it doubles with each further one. */
	retryDelayMs: number;
	/** Longest pause a 429's Retry-After may impose. */
	maxRetryAfterMs: number;
	/** Longest wait for one HTTP answer, or for the next piece of a downloaded image. */
	requestTimeoutMs: number;
	/** Largest result image the node downloads. */
	maxImageBytes: number;
}

function readNumber(
	node: INode,
	name: NumberOptionName,
	value: unknown,
	itemIndex: number,
): number {
	const option: NumberOption = NUMBER_OPTIONS[name];
	if (value === undefined || value === null || value === '') return option.default;
	const n = Number(value);
	const whole = option.unit === 'whole';
	if (
		typeof value === 'boolean' ||
		!Number.isFinite(n) ||
		(whole && !Number.isInteger(n)) ||
		n < option.min ||
		n > option.max
	) {
		const what = whole ? 'a whole number' : `a number of ${option.unit}`;
		throw new NodeOperationError(
			node,
			`Option "${option.label}" must be ${what} from ${option.min} to ${option.max}`,
			{
				itemIndex,
				description: `It is set to "${String(value)}". Change it under Options > ${option.label}, or remove the option to use the default (${option.default}).`,
			},
		);
	}
	return n;
}

/** Reads one item's Options (as n8n hands them over) into the units the code uses; throws on a bad value. */
export function readRunOptions(node: INode, raw: IDataObject, itemIndex: number): RunOptions {
	const binaryPropertyName = String(
		raw.binaryPropertyName ?? OTHER_OPTION_DEFAULTS.binaryPropertyName,
	).trim();
	if (raw.downloadImages === true && binaryPropertyName === '') {
		throw new NodeOperationError(node, 'Option "Put Images In Field" is empty', {
			itemIndex,
			description: 'Enter the binary field name for the first image, e.g. "data".',
		});
	}
	const number = (name: NumberOptionName) => readNumber(node, name, raw[name], itemIndex);
	const ms = (name: NumberOptionName) => Math.round(number(name) * 1000);
	return {
		pollIntervalMs: ms('pollInterval'),
		timeoutMs: ms('timeout'),
		downloadImages: raw.downloadImages === true,
		binaryPropertyName,
		concurrency: number('concurrency'),
		onTimeout: raw.onTimeout === 'returnJob' ? 'returnJob' : 'error',
		maxRetries: number('maxRetries'),
		retryDelayMs: ms('retryDelay'),
		maxRetryAfterMs: ms('maxRetryAfter'),
		requestTimeoutMs: ms('requestTimeout'),
		maxImageBytes: Math.round(number('maxImageSizeMb') * BYTES_PER_MB),
	};
}
