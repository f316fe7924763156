import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RequestPolicy } from '../transport/policy';

export type TimeoutBehaviour = 'error' | 'returnJob';

/** Everything under "Options", in the units the code uses (milliseconds). */
export interface RunOptions extends RequestPolicy {
	pollIntervalMs: number;
	timeoutMs: number;
	downloadImages: boolean;
	binaryPropertyName: string;
	concurrency: number;
	onTimeout: TimeoutBehaviour;
}

export const OPTION_DEFAULTS = {
	pollInterval: 2,
	timeout: 300,
	downloadImages: false,
	binaryPropertyName: 'data',
	concurrency: 10,
	onTimeout: 'error' as TimeoutBehaviour,
	maxRetries: 4,
	retryDelay: 1,
	maxRetryAfter: 60,
	requestTimeout: 60,
};

/**
 * The range of every number option, shared by the editor (minValue/maxValue) and the checks
 * below, so the two cannot disagree. Every duration stays far below what a timer can hold
 * (2^31 ms, about 24.8 days).
 */
export const OPTION_LIMITS = {
	pollInterval: { label: 'Poll Interval', min: 0.1, max: 3600 },
	timeout: { label: 'Job Timeout', min: 0.1, max: 86_400 },
	retryDelay: { label: 'Retry Delay', min: 0.1, max: 3600 },
	maxRetryAfter: { label: 'Max Pause on 429', min: 0, max: 3600 },
	requestTimeout: { label: 'Request Timeout', min: 0.1, max: 3600 },
	concurrency: { label: 'Concurrency', min: 1, max: 100 },
	maxRetries: { label: 'Max Retries', min: 0, max: 20 },
} as const;

type Limited = keyof typeof OPTION_LIMITS;

function outOfRange(
	fx: IExecuteFunctions,
	key: Limited,
	value: unknown,
	what: string,
	itemIndex: number,
): NodeOperationError {
	const { label, min, max } = OPTION_LIMITS[key];
	return new NodeOperationError(
		fx.getNode(),
		`Option "${label}" must be ${what} from ${min} to ${max}`,
		{
			itemIndex,
			description: `It is set to "${String(value)}". Change it under Options > ${label}, or remove the option to use the default (${OPTION_DEFAULTS[key]}).`,
		},
	);
}

function seconds(fx: IExecuteFunctions, key: Limited, value: unknown, itemIndex: number): number {
	if (value === undefined || value === null || value === '') return OPTION_DEFAULTS[key] * 1000;
	const n = Number(value);
	const { min, max } = OPTION_LIMITS[key];
	if (typeof value === 'boolean' || !Number.isFinite(n) || n < min || n > max) {
		throw outOfRange(fx, key, value, 'a number of seconds', itemIndex);
	}
	return Math.round(n * 1000);
}

function wholeNumber(
	fx: IExecuteFunctions,
	key: Limited,
	value: unknown,
	itemIndex: number,
): number {
	if (value === undefined || value === null || value === '') return OPTION_DEFAULTS[key];
	const n = Number(value);
	const { min, max } = OPTION_LIMITS[key];
	if (typeof value === 'boolean' || !Number.isInteger(n) || n < min || n > max) {
		throw outOfRange(fx, key, value, 'a whole number', itemIndex);
	}
	return n;
}

export function readRunOptions(fx: IExecuteFunctions, itemIndex: number): RunOptions {
	const o = fx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const binaryPropertyName = String(
		o.binaryPropertyName ?? OPTION_DEFAULTS.binaryPropertyName,
	).trim();
	if (o.downloadImages === true && binaryPropertyName === '') {
		throw new NodeOperationError(fx.getNode(), 'Option "Put Images In Field" is empty', {
			itemIndex,
			description: 'Enter the binary field name for the first image, e.g. "data".',
		});
	}
	return {
		pollIntervalMs: seconds(fx, 'pollInterval', o.pollInterval, itemIndex),
		timeoutMs: seconds(fx, 'timeout', o.timeout, itemIndex),
		downloadImages: o.downloadImages === true,
		binaryPropertyName,
		concurrency: wholeNumber(fx, 'concurrency', o.concurrency, itemIndex),
		onTimeout: o.onTimeout === 'returnJob' ? 'returnJob' : 'error',
		maxRetries: wholeNumber(fx, 'maxRetries', o.maxRetries, itemIndex),
		retryDelayMs: seconds(fx, 'retryDelay', o.retryDelay, itemIndex),
		maxRetryAfterMs: seconds(fx, 'maxRetryAfter', o.maxRetryAfter, itemIndex),
		requestTimeoutMs: seconds(fx, 'requestTimeout', o.requestTimeout, itemIndex),
	};
}
