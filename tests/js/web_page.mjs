// The gateway's web page in a real headless browser (Debian's chromium, driven by
// playwright-core): a person picks the model, sees its providers and the quote, asks a question,
// watches the job go submitted → assigned → answered → checked → settled, reads the answer, the
// cost and the verification evidence, then the market view lists the job.
// Usage: node web_page.mjs <gateway url> <api key> <chromium> <screenshot dir>
import { chromium } from "playwright-core";

const [url, key, executablePath, shots] = process.argv.slice(2);
const fail = (why) => {
  console.log(`FAILED: ${why}`);
  process.exit(1);
};
if (!shots) fail("usage: web_page.mjs <gateway url> <api key> <chromium> <screenshot dir>");

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(url);

  // The registry and the providers come from the chain.
  await page.waitForSelector("#model option", { state: "attached", timeout: 30_000 });
  const model = await page.$eval("#model option", (o) => o.textContent);
  await page.waitForFunction(() => document.querySelector("#providers tbody td.mono"), null, { timeout: 30_000 });
  const providers = await page.$$eval("#providers tbody tr", (rows) => rows.length);
  await page.waitForFunction(() => /block #\d+/.test(document.querySelector("#chain").textContent), null, { timeout: 30_000 });

  await page.fill("#key", key);
  await page.fill("#prompt", "What is the capital of France?");
  await page.fill("#max-tokens", "8");
  await page.waitForFunction(() => / ATT · \d+ provider/.test(document.querySelector("#quote").textContent), null, { timeout: 30_000 });
  const quote = await page.textContent("#quote");

  const started = Date.now();
  await page.click("#run");
  const settled = 'li[data-stage="settled"].done';
  const failed = "ol.stages li.failed";
  await page.waitForSelector(`${settled}, ${failed}`, { timeout: 240_000 });
  if (await page.$(failed)) fail(`the job failed on the page: ${await page.textContent("#error")}`);
  const stages = await page.$$eval("ol.stages li.done", (li) => li.map((l) => l.dataset.stage));
  const answer = (await page.textContent("#answer")).trim();
  const evidence = await page.$$eval("#evidence dt", (dts) =>
    Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  await page.screenshot({ path: `${shots}/web-page-job.png`, fullPage: true });

  for (const s of ["submitted", "assigned", "answered", "settled"]) {
    if (!stages.includes(s)) fail(`stage ${s} never shown: ${stages}`);
  }
  if (!answer) fail("no answer shown");
  for (const k of ["job", "provider", "commitment", "cost", "paid to provider", "verification"]) {
    if (!evidence[k]) fail(`no ${k} in the evidence: ${JSON.stringify(evidence)}`);
  }
  if (!/^0x[0-9a-f]{64}$/.test(evidence.commitment)) fail(`commitment ${evidence.commitment}`);
  if (!/ ATT$/.test(evidence.cost)) fail(`cost ${evidence.cost}`);
  // Every result is checked on this chain (one checker, rate 1): the page shows it.
  if (!stages.includes("checked") || !evidence.verification.startsWith("passed")) {
    fail(`the check is not shown: stages ${stages}, verification ${evidence.verification}`);
  }

  // The market view lists the job with its answer.
  await page.click("#tab-market");
  const row = `#jobs tr[data-job="${evidence.job}"]`;
  await page.waitForSelector(row, { timeout: 30_000 });
  const listed = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
  if (listed[1] !== "settled" || listed[5] !== answer) fail(`the market view lists ${listed}`);
  await page.screenshot({ path: `${shots}/web-page-market.png`, fullPage: true });
  if (problems.length) fail(problems.join("; "));
  console.log(JSON.stringify({ model, providers, quote, stages, answer, evidence, seconds: (Date.now() - started) / 1000 }));
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
}
