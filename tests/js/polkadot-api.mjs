// polkadot.js against an Attesta `--dev` node, unmodified: no custom type definitions, so every
// type, call, event, error and runtime API comes from the node's own metadata (v15+ carries the
// runtime APIs). A dapp developer's first steps, checked end to end:
//
//   node tests/js/polkadot-api.mjs ws://127.0.0.1:9944
//
// Prints one line per check and exits non-zero on the first mismatch. Run by
// tests/tests/e2e/polkadot_js.rs; install with scripts/setup.sh (npm ci in tests/js).

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';

/** SHA-256 of the reference model file, SmolLM2-135M-Instruct Q4_1 (README; fetch-model.sh). */
const REFERENCE_SHA256 = '0xb179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53';
/** 1 ATT in plancks (12 decimals). */
const UNIT = 10n ** 12n;
/** Bob's offer, as tests/src/market.rs registers test providers. */
const PROVIDER = {
	stake: 20_000n * UNIT,
	price: { input: UNIT / 1_000n, output: UNIT / 100n },
	region: 'eu-west',
	capacity: 4,
};
/** The runtime API methods a dapp reads the market through, and the API's version. */
const JOBS_API = ['quote', 'providers', 'job', 'models', 'settings', 'audit'];
const JOBS_API_VERSION = 2;
/** The whole run's limit: about a dozen 6-second blocks, with room for a busy machine. */
const TIMEOUT_MS = Number(process.env.ATTESTA_PJS_TIMEOUT_MS || 240_000);

const url = process.argv[2];
if (!url) {
	console.error('usage: node polkadot-api.mjs <ws-url>');
	process.exit(2);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (line) => console.log(`[${elapsed()}] ${line}`);

function check(ok, what) {
	if (!ok) throw new Error(`mismatch: ${what}`);
}

function checkEq(actual, expected, what) {
	check(actual === expected, `${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

/**
 * Signs and sends `tx` from `signer`, resolves once it is in a block with that block's hash, its
 * events and its dispatch error (null when it succeeded); rejects if the pool drops it.
 */
function submit(api, tx, signer) {
	return new Promise((resolve, reject) => {
		let unsub = () => {};
		tx.signAndSend(signer, ({ status, events, dispatchError }) => {
			if (status.isInBlock) {
				unsub();
				resolve({ blockHash: status.asInBlock, events, dispatchError: dispatchError ?? null });
			} else if (status.isInvalid || status.isDropped || status.isUsurped) {
				unsub();
				reject(new Error(`transaction ${status.type}`));
			}
		})
			.then((u) => {
				unsub = u;
			})
			.catch(reject);
	});
}

/** A dispatch error as `pallet.Name`, decoded from the metadata. */
function errorName(api, dispatchError) {
	if (!dispatchError.isModule) return dispatchError.type;
	const { section, name } = api.registry.findMetaError(dispatchError.asModule);
	return `${section}.${name}`;
}

/** Polls `read` once per second until it returns a value, for at most `ms`. */
async function waitFor(what, ms, read) {
	const until = Date.now() + ms;
	for (;;) {
		const value = await read();
		if (value !== undefined) return value;
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 1000));
	}
}

async function main() {
	await cryptoWaitReady();
	const provider = new WsProvider(url, 1000);
	const connect = ApiPromise.create({ provider, noInitWarn: true });
	const refused = new Promise((_, reject) =>
		setTimeout(() => reject(new Error(`cannot connect to ${url} within 30 s`)), 30_000).unref(),
	);
	const api = await Promise.race([connect, refused]);
	try {
		await run(api);
	} finally {
		await api.disconnect();
	}
}

async function run(api) {
	// 1. Metadata, runtime version and the runtime API, all from the node.
	const version = api.runtimeVersion;
	checkEq(version.specName.toString(), 'attesta', 'spec name');
	const metadataVersion = api.runtimeMetadata.version;
	check(metadataVersion >= 15, `metadata v${metadataVersion} has no runtime APIs`);
	check(api.call.jobsApi, 'api.call.jobsApi is missing');
	for (const method of JOBS_API) {
		checkEq(typeof api.call.jobsApi[method], 'function', `api.call.jobsApi.${method}`);
	}
	// The runtime version names each API by the first 8 bytes of its name's BLAKE2b-256.
	const apiId = blake2AsHex('JobsApi', 64);
	const listed = version.apis.find(([id]) => id.toHex() === apiId);
	checkEq(listed?.[1].toNumber(), JOBS_API_VERSION, 'JobsApi version in the runtime version');
	const fresh = await api.rpc.state.getRuntimeVersion();
	checkEq(fresh.specVersion.toNumber(), version.specVersion.toNumber(), 'spec version over RPC');
	log(
		`connected: ${version.specName} spec ${version.specVersion} tx ${version.transactionVersion}, ` +
			`metadata v${metadataVersion}, ${api.runtimeMetadata.asLatest.pallets.length} pallets, ` +
			`JobsApi v${JOBS_API_VERSION}: ${Object.keys(api.call.jobsApi).join(', ')}`,
	);
	// polkadot.js signs with every extension the metadata lists; one it has no definition for
	// (AuthorizeCall in 16.5) it treats as empty, right when the metadata types carry no data.
	log(`transaction extensions: ${api.registry.signedExtensions.join(', ')}`);

	// 2. The model registry through the runtime API.
	const models = await api.call.jobsApi.models();
	const entry = models.find(([id]) => id.toNumber() === 0);
	check(entry, 'model 0 is not registered');
	const model = entry[1];
	checkEq(model.weightsHash.toHex(), REFERENCE_SHA256, "model 0's weightsHash");
	checkEq(model.class.compute.type, 'BlockF32', "model 0's class.compute");
	log(`model 0: ${model.name.toUtf8()}, weights ${model.weightsHash.toHex().slice(0, 10)}…, class ${model.class.compute.type}`);

	// 3. Signed extrinsics from the dev accounts: Bob offers model 0, Alice submits a job.
	const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
	const alice = keyring.addFromUri('//Alice');
	const bob = keyring.addFromUri('//Bob');

	const registered = await submit(
		api,
		api.tx.providers.register(PROVIDER.stake, [0], PROVIDER.price, PROVIDER.region, 'Cpu', PROVIDER.capacity),
		bob,
	);
	check(!registered.dispatchError, `providers.register failed: ${registered.dispatchError && errorName(api, registered.dispatchError)}`);
	check(
		registered.events.some(({ event }) => api.events.providers.ProviderRegistered.is(event)),
		'no providers.ProviderRegistered event',
	);
	const offered = await api.call.jobsApi.providers(0);
	check(
		offered.some((p) => p.who.toString() === bob.address),
		`Bob not among model 0's providers: ${JSON.stringify(offered.toHuman())}`,
	);
	log(`Bob registered as a provider in block ${registered.blockHash.toHex().slice(0, 10)}…`);

	const header = await api.rpc.chain.getHeader();
	const prompt = 'What is the capital of France?';
	// Alice's job for `model`: 16 greedy tokens, a 10 ATT budget, 50 blocks to answer.
	const submitJob = (model) =>
		submit(
			api,
			api.tx.jobs.submitJob(
				model,
				prompt,
				{ maxTokens: 16, temperatureMilli: 0, topPMilli: 1000, seed: 0 },
				PROVIDER.price,
				null,
				10n * UNIT,
				header.number.toNumber() + 50,
			),
			alice,
		);
	const submitted = await submitJob(0);
	check(!submitted.dispatchError, `jobs.submitJob failed: ${submitted.dispatchError && errorName(api, submitted.dispatchError)}`);
	const event = submitted.events.map(({ event }) => event).find((e) => api.events.jobs.JobSubmitted.is(e));
	check(event, 'no jobs.JobSubmitted event in the block');
	const jobId = event.data.jobId.toNumber();
	checkEq(event.data.who.toString(), alice.address, "JobSubmitted's who");
	const block = await api.rpc.chain.getHeader(submitted.blockHash);
	log(`job ${jobId} submitted by Alice in block #${block.number}`);

	// The provider is drawn at the start of the next block: Queued, then Assigned.
	const job = await waitFor('the provider draw', 60_000, async () => {
		const view = await api.call.jobsApi.job(jobId);
		check(view.isSome, `jobsApi.job(${jobId}) is None`);
		const status = view.unwrap().status;
		return status.isQueued ? undefined : view.unwrap();
	});
	check(job.status.isAssigned, `job ${jobId} is ${job.status.type}, not Assigned`);
	const assigned = job.status.asAssigned;
	checkEq(assigned.provider.toString(), bob.address, 'assigned provider');
	log(`job ${jobId} assigned to Bob at block #${assigned.assignedAt}, deadline #${assigned.deadline}`);

	// 4. The same job through the node's JSON RPC (not in polkadot.js's known methods: raw call).
	const json = await api._rpcCore.provider.send('attesta_job', [jobId]);
	checkEq(json.id, jobId, 'attesta_job id');
	checkEq(json.stage, 'assigned', 'attesta_job stage');
	checkEq(json.status.provider, bob.address, 'attesta_job provider');
	checkEq(json.owner, alice.address, 'attesta_job owner');
	checkEq(json.prompt, prompt, 'attesta_job prompt');
	checkEq(json.status.assignedAt, assigned.assignedAt.toNumber(), 'attesta_job assignedAt');
	checkEq(json.budget, (10n * UNIT).toString(), 'attesta_job budget');
	log(`attesta_job agrees: stage ${json.stage}, provider ${json.status.provider}`);

	// 5. A failing call: an unknown model fails in its block with a named module error.
	const failed = await submitJob(7);
	check(failed.dispatchError, 'jobs.submitJob for model 7 succeeded');
	check(
		failed.events.some(({ event }) => api.events.system.ExtrinsicFailed.is(event)),
		'no system.ExtrinsicFailed event for model 7',
	);
	checkEq(errorName(api, failed.dispatchError), 'jobs.UnknownModel', 'error for model 7');
	const meta = api.registry.findMetaError(failed.dispatchError.asModule);
	log(`model 7 refused in its block: ${meta.section}.${meta.name} (${meta.docs.join(' ').trim()})`);
}

const timer = setTimeout(() => {
	console.error(`[${elapsed()}] FAILED: no result after ${TIMEOUT_MS / 1000} s`);
	process.exit(1);
}, TIMEOUT_MS);

main().then(
	() => {
		clearTimeout(timer);
		log('polkadot.js: all checks passed');
		process.exit(0);
	},
	(e) => {
		clearTimeout(timer);
		console.error(`[${elapsed()}] FAILED: ${e.message}`);
		process.exit(1);
	},
);
