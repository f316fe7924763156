import type {
	IAuthenticateRuleResponseSuccessBody,
	ICredentialDataDecryptedObject,
	IHttpRequestOptions,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export const DEFAULT_SUBMIT_BASE_URL =
	'https://gateway-stable-diffusion-v1-5-inpainting.appypie.workers.dev';
export const DEFAULT_POLL_BASE_URL = 'https://gateway.pixazo.ai/ai-model-api-polling';

/** The credential type's name, as workflows store it (the class spells it out too: n8n's scanner reads it there). */
export const CREDENTIAL_NAME = 'pixazoApi';

/** A job set id that cannot exist: asking about it proves the key without starting (or billing) a generation. */
const CREDENTIAL_TEST_JOB_SET_ID = 'n8n-credential-test-not-a-job';

const REJECTED_KEY_MESSAGE =
	'The subscription key was rejected (401). Copy the key again from your Pixazo dashboard.';
const SERVER_ERROR_MESSAGE =
	'The Pixazo polling service failed, so the key could not be checked. Try again in a minute';
const NO_ACCESS_MESSAGE =
	'The subscription key is valid but has no access to this API (403). Subscribe the key to the Stable Diffusion Inpainting API in your Pixazo dashboard.';

export class PixazoApi implements ICredentialType {
	name = 'pixazoApi';

	displayName = 'Pixazo API';

	icon: Icon = { light: 'file:pixazo.svg', dark: 'file:pixazo.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-pixazo-inpaint#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Subscription Key',
			name: 'subscriptionKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'Your Pixazo subscription key. It is sent as the Ocp-Apim-Subscription-Key header, only to the two base URLs below.',
		},
		{
			displayName: 'Submit Base URL',
			name: 'submitBaseUrl',
			type: 'string',
			default: DEFAULT_SUBMIT_BASE_URL,
			placeholder: DEFAULT_SUBMIT_BASE_URL,
			description:
				'Base URL of the inpainting endpoint (POST /getImage is appended). Change it only for a proxy or a test server.',
		},
		{
			displayName: 'Polling Base URL',
			name: 'pollBaseUrl',
			type: 'string',
			default: DEFAULT_POLL_BASE_URL,
			placeholder: DEFAULT_POLL_BASE_URL,
			description:
				'Base URL of the results endpoint (POST /getGenerationResults is appended). Change it only for a proxy or a test server.',
		},
	];

	// A function rather than a generic `={{$credentials.subscriptionKey}}` header: n8n would
	// evaluate that expression again for every request, a large share of a request's cost.
	authenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => ({
		...requestOptions,
		headers: {
			...requestOptions.headers,
			'Ocp-Apim-Subscription-Key': String(credentials.subscriptionKey ?? ''),
		},
	});

	// Asks the polling endpoint about a job that cannot exist: no generation is started, nothing is
	// billed. Any answer but a rejected key (a 404 for the unknown job, say) means the key works;
	// a server error means nothing could be checked, so it fails too.
	// n8n 2.x fails the listed statuses (`except`) and the responseCode rules name them; n8n 1.x
	// knows only `ignoreHttpStatusErrors: true`, so there the documented bodies name them instead.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.pollBaseUrl}}',
			url: '/getGenerationResults',
			method: 'POST',
			body: { job_set_id: CREDENTIAL_TEST_JOB_SET_ID },
			json: true,
			ignoreHttpStatusErrors: { ignore: true, except: [401, 403, 500, 502, 503, 504] },
		},
		// n8n runs both kinds of rule in one list; its type asks for one kind per list.
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: REJECTED_KEY_MESSAGE } },
			{ type: 'responseCode', properties: { value: 403, message: NO_ACCESS_MESSAGE } },
			...[500, 502, 503, 504].map((value) => ({
				type: 'responseCode' as const,
				properties: { value, message: `${SERVER_ERROR_MESSAGE} (${value}).` },
			})),
			bodyRule('Invalid or missing authentication', REJECTED_KEY_MESSAGE),
			bodyRule('Access denied for this operation', NO_ACCESS_MESSAGE),
			bodyRule('An unexpected error occurred, please try again later', `${SERVER_ERROR_MESSAGE}.`),
		] as ICredentialTestRequest['rules'],
	};
}

/** A rule matching one of the API's documented error bodies, `{ "error": "…" }`. */
function bodyRule(error: string, message: string): IAuthenticateRuleResponseSuccessBody {
	return { type: 'responseSuccessBody', properties: { key: 'error', value: error, message } };
}
