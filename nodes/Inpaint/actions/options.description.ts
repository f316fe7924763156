import type { INodeProperties } from 'n8n-workflow';

import { OPTION_LIMITS } from '../helpers/options';

const range = (key: keyof typeof OPTION_LIMITS) => ({
	minValue: OPTION_LIMITS[key].min,
	maxValue: OPTION_LIMITS[key].max,
});

/** The "Options" collection both operations share. Defaults equal OPTION_DEFAULTS (a test checks). */
export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			typeOptions: { ...range('concurrency'), numberPrecision: 0 },
			default: 10,
			description:
				'Most HTTP requests in flight at once for this node run (taken from the first item). All items are submitted and polled together, so 40 one-second jobs take about a second; when the API answers 429 the node finds a slower pace by itself.',
		},
		{
			displayName: 'Download Images',
			name: 'downloadImages',
			type: 'boolean',
			default: false,
			description:
				"Whether to download the result images into the item's binary data, for nodes that upload files (S3, Google Drive, Slack, Telegram, email). Off: only the URLs are output.",
		},
		{
			displayName: 'Job Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: range('timeout'),
			default: 300,
			description:
				'Longest wait for one job, counted from when the API accepted it (Get Results: from when the node started checking). Rate limits and outages are waited out within it. For jobs of many minutes, turn Wait for Completion off and use a Wait node and Get Results instead, so no worker is held; in queue mode, keep N8N_GRACEFUL_SHUTDOWN_TIMEOUT above this timeout, or a worker that is stopped drops the jobs it waits for.',
		},
		{
			displayName: 'Max Pause on 429 (Seconds)',
			name: 'maxRetryAfter',
			type: 'number',
			typeOptions: range('maxRetryAfter'),
			default: 60,
			description:
				'When the API answers 429 with a Retry-After header, every request to it pauses for that long, but never longer than this (0: never pause, only slow down)',
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { ...range('maxRetries'), numberPrecision: 0 },
			default: 4,
			description:
				'How often a failed request is sent again, for a single Get Results check, image downloads and a submit that could not connect. While the node waits for a job, status checks are retried until the Job Timeout instead, and a submit refused with 429 is retried until the Job Timeout too. A submit is never resent when the API may have taken it, so no job is created twice.',
		},
		{
			displayName: 'On Timeout',
			name: 'onTimeout',
			type: 'options',
			default: 'error',
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
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: range('pollInterval'),
			default: 2,
			description: 'Time between two status checks of a job while waiting',
		},
		{
			displayName: 'Put Images In Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			description:
				'Binary field for the first image when Download Images is on; further images go to the same name with _1, _2… appended (data, data_1, data_2)',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeout',
			type: 'number',
			typeOptions: range('requestTimeout'),
			default: 60,
			description:
				'Longest wait for one HTTP answer, and for each further piece of a downloaded image, so a hung connection cannot hold the workflow',
		},
		{
			displayName: 'Retry Delay (Seconds)',
			name: 'retryDelay',
			type: 'number',
			typeOptions: range('retryDelay'),
			default: 1,
			description:
				'First pause before a retry; it doubles with each further retry (with jitter) unless the API says how long to wait',
		},
	],
};
