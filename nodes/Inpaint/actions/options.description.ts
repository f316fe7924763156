import type { INodeProperties } from 'n8n-workflow';

import type { NumberOptionName } from '../helpers/options';
import { NUMBER_OPTIONS, OTHER_OPTION_DEFAULTS } from '../helpers/options';

const { binaryPropertyName, onTimeout } = OTHER_OPTION_DEFAULTS;

/** A number option's field: its default and range come from NUMBER_OPTIONS, like the checks. */
function numberField(
	name: NumberOptionName,
	displayName: string,
	description: string,
): INodeProperties {
	const { default: fallback, min, max, unit } = NUMBER_OPTIONS[name];
	return {
		displayName,
		name,
		type: 'number',
		typeOptions: {
			minValue: min,
			maxValue: max,
			...(unit === 'whole' ? { numberPrecision: 0 } : {}),
		},
		default: fallback,
		description,
	};
}

/** The "Options" collection both operations share; the README's Options table says more. */
export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		numberField(
			'concurrency',
			'Concurrency',
			'Most HTTP requests of this node run in flight at once (from the first item). All items are submitted and checked together; the node slows down by itself on 429.',
		),
		{
			displayName: 'Download Images',
			name: 'downloadImages',
			type: 'boolean',
			default: false,
			description:
				"Whether to put the result images into the item's binary data, for nodes that upload files (S3, Drive, Slack, Telegram, email). Off: only the URLs.",
		},
		numberField(
			'timeout',
			'Job Timeout (Seconds)',
			'Longest wait for one job, from when the API accepted it (Get Results: from the first check). For long jobs use a Wait node and Get Results; in queue mode see the README.',
		),
		numberField(
			'maxImageSizeMb',
			'Max Image Size (MB)',
			'Largest result image to download. A bigger body is stopped and the item fails, so a wrong link cannot fill the disk or memory.',
		),
		numberField(
			'maxRetryAfter',
			'Max Pause on 429 (Seconds)',
			'Longest pause a 429 answer may ask for (its Retry-After), for every request to the API. 0: never pause, only slow down.',
		),
		numberField(
			'maxRetries',
			'Max Retries',
			'Retries of a single Get Results check, a download, or a submit that could not connect. Checks of a job being waited for, and submits refused with 429, retry until the Job Timeout.',
		),
		{
			displayName: 'On Timeout',
			name: 'onTimeout',
			type: 'options',
			default: onTimeout,
			options: [
				{
					name: 'Fail the Item',
					value: 'error',
					description:
						'Error that names the Job Set ID and the last status (with Continue On Fail: an error item carrying both)',
				},
				{
					name: 'Return the Job',
					value: 'returnJob',
					description:
						'Output the unfinished job (status and Job Set ID) as a normal item, for a Wait → Get Results loop',
				},
			],
			description: 'What happens when a job is still running after the job timeout',
		},
		numberField(
			'pollInterval',
			'Poll Interval (Seconds)',
			'Time between two status checks of a job. The first check comes when jobs of the same kind were done before (see the README); then one every interval.',
		),
		{
			displayName: 'Put Images In Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: binaryPropertyName,
			description:
				'Binary field for the first image when Download Images is on; further images get _1, _2… appended (data, data_1, data_2)',
		},
		numberField(
			'requestTimeout',
			'Request Timeout (Seconds)',
			'Longest wait for one HTTP answer, and for each further piece of a downloaded image, so a hung connection cannot hold the workflow',
		),
		numberField(
			'retryDelay',
			'Retry Delay (Seconds)',
			'First pause before a retry; it doubles with each further retry (with jitter) unless the API says how long to wait',
		),
	],
};
