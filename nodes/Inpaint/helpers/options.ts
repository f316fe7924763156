import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

export type TimeoutBehaviour = 'error' | 'returnJob';

/** Everything under "Options", in the units the code uses (milliseconds). */
export interface RunOptions {
	pollIntervalMs: number;
	timeoutMs: number;
	downloadImages: boolean;
	binaryPropertyName: string;
	concurrency: number;
	onTimeout: TimeoutBehaviour;
	maxRetries: number;
	retryDelayMs: number;
	maxRetryAfterMs: number;
	requestTimeoutMs: number;
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

/** Polling faster than this only adds load; tests use intervals down to this. */
const MIN_POLL_INTERVAL_S = 0.1;

function positiveSeconds(
	fx: IExecuteFunctions,
	label: string,
	value: unknown,
	fallback: number,
	itemIndex: number,
): number {
	if (value === undefined || value === null || value === '') return fallback * 1000;
	const seconds = Number(value);
	if (!Number.isFinite(seconds) || seconds <= 0) {
		throw new NodeOperationError(fx.getNode(), `Option "${label}" must be a number of seconds above 0`, {
			itemIndex,
			description: `It is set to "${String(value)}". Change it under Options > ${label}, or remove the option to use the default (${fallback} s).`,
		});
	}
	return Math.round(seconds * 1000);
}

function wholeNumber(
	fx: IExecuteFunctions,
	label: string,
	value: unknown,
	fallback: number,
	min: number,
	itemIndex: number,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	const n = Number(value);
	if (!Number.isInteger(n) || n < min) {
		throw new NodeOperationError(fx.getNode(), `Option "${label}" must be a whole number of at least ${min}`, {
			itemIndex,
			description: `It is set to "${String(value)}". Change it under Options > ${label}, or remove the option to use the default (${fallback}).`,
		});
	}
	return n;
}

export function readRunOptions(fx: IExecuteFunctions, itemIndex: number): RunOptions {
	const o = fx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const d = OPTION_DEFAULTS;
	const binaryPropertyName = String(o.binaryPropertyName ?? d.binaryPropertyName).trim();
	if (o.downloadImages === true && binaryPropertyName === '') {
		throw new NodeOperationError(fx.getNode(), 'Option "Put Images In Field" is empty', {
			itemIndex,
			description: 'Enter the binary field name for the first image, e.g. "data".',
		});
	}
	return {
		pollIntervalMs: Math.max(
			MIN_POLL_INTERVAL_S * 1000,
			positiveSeconds(fx, 'Poll Interval', o.pollInterval, d.pollInterval, itemIndex),
		),
		timeoutMs: positiveSeconds(fx, 'Job Timeout', o.timeout, d.timeout, itemIndex),
		downloadImages: o.downloadImages === true,
		binaryPropertyName,
		concurrency: wholeNumber(fx, 'Concurrency', o.concurrency, d.concurrency, 1, itemIndex),
		onTimeout: o.onTimeout === 'returnJob' ? 'returnJob' : 'error',
		maxRetries: wholeNumber(fx, 'Max Retries', o.maxRetries, d.maxRetries, 0, itemIndex),
		retryDelayMs: positiveSeconds(fx, 'Retry Delay', o.retryDelay, d.retryDelay, itemIndex),
		maxRetryAfterMs: positiveSeconds(fx, 'Max Pause on 429',
			o.maxRetryAfter,
			d.maxRetryAfter,
			itemIndex,
		),
		requestTimeoutMs: positiveSeconds(fx, 'Request Timeout',
			o.requestTimeout,
			d.requestTimeout,
			itemIndex,
		),
	};
}
