// The flags server: every status path, paths outside the layout, seeded
// fates, clients that leave mid-delay, and the command line. Tests wait for
// the server's request events, never for time to pass.

import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type RequestEvent, startFlagsServer } from "../flags_server.ts";
import { catalogCodes } from "../shared/flags_catalog.ts";
import { type Chaos, fateOf, presets } from "../shared/flags_chaos.ts";
import { top20 } from "../labs/flags_codes.ts";
import { ChildOutput, denoCommand, runDeno } from "./harness.ts";

const serverScript = fileURLToPath(new URL("../flags_server.ts", import.meta.url));
const packageRoot = new URL(".", import.meta.resolve("flag-icons/country.json"));
const flagFolder = fileURLToPath(new URL("flags/4x3/", packageRoot));

const denoConfig = fileURLToPath(new URL("../deno.json", import.meta.url));

function chaos(changes: Partial<Chaos>): Chaos {
  return { ...presets.LOCAL, ...changes };
}

/** GET (or another method) and read the whole body. */
async function request(url: string, method = "GET") {
  const response = await fetch(url, { method });
  return { status: response.status, headers: response.headers, body: await response.bytes() };
}

/** Resolves when the server reports an event matching `wanted`. */
function eventWatch() {
  const waiting: { wanted: (event: RequestEvent) => boolean; resolve: () => void }[] = [];
  const onRequest = (event: RequestEvent) => {
    for (const each of waiting.filter(({ wanted }) => wanted(event))) {
      waiting.splice(waiting.indexOf(each), 1);
      each.resolve();
    }
  };
  const next = (wanted: (event: RequestEvent) => boolean) =>
    new Promise<void>((resolve) => waiting.push({ wanted, resolve }));
  return { onRequest, next };
}

Deno.test("server: GET /flags/ lists the 249 ISO codes it has, upper case", async () => {
  await using server = startFlagsServer();
  const { status, headers, body } = await request(`${server.url}/`);
  equal(status, 200);
  match(headers.get("content-type")!, /^text\/plain/);
  const codes = new TextDecoder().decode(body).trim().split(" ");
  equal(codes.length, 249);
  deepEqual(codes, catalogCodes);
  ok(codes.includes("BR") && !codes.includes("EU") && !codes.includes("UN"));
});

Deno.test("server: a flag is the package's SVG, byte for byte, whatever the case of the code", async () => {
  await using server = startFlagsServer();
  const expected = await Deno.readFile(new URL("flags/4x3/br.svg", packageRoot));
  for (const path of ["br/br.svg", "BR/BR.svg", "Br/bR.svg"]) {
    const { status, headers, body } = await request(`${server.url}/${path}`);
    equal(status, 200, path);
    equal(headers.get("content-type"), "image/svg+xml");
    deepEqual(body, expected);
  }
});

Deno.test("server: metadata.json gives the code, the name, the capital and the continent", async () => {
  await using server = startFlagsServer();
  const { status, body } = await request(`${server.url}/br/metadata.json`);
  equal(status, 200);
  deepEqual(JSON.parse(new TextDecoder().decode(body)), {
    code: "BR",
    name: "Brazil",
    capital: "Brasília",
    continent: "South America",
    flag: "/flags/br/br.svg",
  });
});

Deno.test("server: HEAD answers GET's status and headers, without a body", async () => {
  await using server = startFlagsServer({ chaos: chaos({ errorRate: 1 }) });
  const flag = await request(`${server.url}/fr/fr.svg`, "HEAD");
  equal(flag.status, 418);
  equal(flag.body.length, 0);
  await using plain = startFlagsServer();
  const head = await request(`${plain.url}/fr/fr.svg`, "HEAD");
  const get = await request(`${plain.url}/fr/fr.svg`);
  equal(head.status, 200);
  equal(head.body.length, 0);
  equal(head.headers.get("content-length"), String(get.body.length));
  equal((await request(`${plain.url}/zz/zz.svg`, "HEAD")).status, 404);
});

Deno.test("server: methods other than GET and HEAD answer 405 with Allow", async () => {
  await using server = startFlagsServer();
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const { status, headers } = await request(`${server.url}/br/br.svg`, method);
    equal(status, 405, method);
    equal(headers.get("allow"), "GET, HEAD");
  }
});

Deno.test("server: a missing code is a 404 even when every request fails, and never waits for an error roll", async () => {
  await using server = startFlagsServer({ chaos: chaos({ errorRate: 1, errorStatus: 503 }) });
  equal((await request(`${server.url}/zz/zz.svg`)).status, 404);
  equal((await request(`${server.url}/zz/metadata.json`)).status, 404);
  equal((await request(`${server.url}/br/br.svg`)).status, 503);
  equal((await request(`${server.url}/br/metadata.json`)).status, 503);
  equal((await request(`${server.url}/`)).status, 200, "the list is never failed");
});

/** Send a raw request line (fetch would normalise the path first); answers the status. */
async function rawStatus(port: number, target: string): Promise<number> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const head = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    await connection.write(new TextEncoder().encode(head));
    const reply = new TextDecoder().decode(await new Response(connection.readable).bytes());
    return Number(reply.split(" ")[1]);
  } catch (error) {
    connection.close();
    throw error;
  }
}

const outsideTheLayout = [
  "/",
  "/flags",
  "/flags/br/",
  "//flags/br/br.svg",
  "/flags/br/us.svg",
  "/flags/br/br.png",
  "/flags/bra/bra.svg",
  "/flags/eu/eu.svg",
  "/flags/gb-sct/gb-sct.svg",
  "/flags/../country.json",
  "/flags/%2e%2e/country.json",
  "/flags/br/../../country.json",
  "/flags/br/..%2f..%2fcountry.json",
  "/flags/br/%2e%2e%2f%2e%2e%2fcountry.json",
  "/flags/br%2fbr.svg",
  "/flags/br%2Fbr.svg",
  "/flags/..%5c..%5ccountry.json",
  "/flags/br/br.svg%00",
  "/flags/br%00/br%00.svg",
  "/flags/%00/metadata.json",
  "/flags/br/br.svg%00.png",
  "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
  "/flags/br/../../../../../../etc/passwd",
];

Deno.test("server: paths outside the layout are 404s that read nothing outside the flag folder", async () => {
  // A process that may read the package's flag folder and nothing else: any
  // other file-system access would fail loudly (a 500 and a line on stderr).
  const child = denoCommand(
    ["run", `--allow-read=${flagFolder}`, "--allow-net=127.0.0.1", serverScript, "--port", "0"],
    { env: { NO_COLOR: "1" } },
  ).spawn();
  const stdout = new ChildOutput(child.stdout);
  await stdout.readUntil("Ctrl-C");
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(stdout.text)![1]);
  const statuses = [];
  for (const target of outsideTheLayout) {
    statuses.push(`${await rawStatus(port, target)} ${target}`);
  }
  deepEqual(statuses, outsideTheLayout.map((target) => `404 ${target}`));
  equal(
    await rawStatus(port, "/flags/br/\0br.svg"),
    400,
    "a raw NUL byte never reaches the handler",
  );
  equal(await rawStatus(port, "/flags/br/br.svg"), 200, "the server is still well");
  child.kill("SIGINT");
  await stdout.readToEnd();
  equal((await child.status).code, 130);
  equal(new TextDecoder().decode(await new Response(child.stderr).bytes()), "");
});

Deno.test("server: with a seed, each code's fate depends on the seed and the code only", async () => {
  const seeded = chaos({ delay: { min: 0, max: 5000 }, errorRate: 0.5, seed: 42 });
  const forwards = top20.map((code) => fateOf(seeded, code));
  const backwards = [...top20].reverse().map((code) => fateOf(seeded, code.toLowerCase()))
    .reverse();
  deepEqual(backwards, forwards);
  ok(new Set(forwards.map(({ delayMs }) => delayMs)).size > 15, "delays spread over the range");
  ok(forwards.some(({ fails }) => fails) && forwards.some(({ fails }) => !fails));
  notEqual(
    JSON.stringify(top20.map((code) => fateOf({ ...seeded, seed: 43 }, code))),
    JSON.stringify(forwards),
    "another seed, other fates",
  );

  const answering = chaos({ errorRate: 0.5, seed: 42 });
  await using one = startFlagsServer({ chaos: answering });
  await using other = startFlagsServer({ chaos: answering });
  const sequential = [];
  for (const code of top20) {
    sequential.push(
      (await request(`${one.url}/${code.toLowerCase()}/${code.toLowerCase()}.svg`)).status,
    );
  }
  const concurrent = await Promise.all(
    [...top20].reverse().map(async (code) =>
      (await request(`${other.url}/${code.toLowerCase()}/${code.toLowerCase()}.svg`)).status
    ),
  );
  deepEqual(concurrent.reverse(), sequential);
  deepEqual(sequential, top20.map((code) => fateOf(answering, code).fails ? 418 : 200));
});

Deno.test("server: a client that leaves mid-delay ends the wait, and nothing leaks", async () => {
  const events = eventWatch();
  await using server = startFlagsServer({
    chaos: chaos({ delay: { min: 60_000, max: 60_000 } }),
    onRequest: events.onRequest,
  });
  const client = new AbortController();
  const received = events.next((event) => event.type === "received");
  const left = events.next((event) => event.type === "left" && event.path === "/flags/br/br.svg");
  const response = fetch(`${server.url}/br/br.svg`, { signal: client.signal });
  await received;
  client.abort();
  await response.then(() => ok(false, "the request should have been aborted"), () => {});
  await left;
});

Deno.test("server: close() ends the waits still pending with a 503", async () => {
  const events = eventWatch();
  const server = startFlagsServer({
    chaos: chaos({ delay: { min: 60_000, max: 60_000 } }),
    onRequest: events.onRequest,
  });
  const received = events.next((event) => event.type === "received");
  const response = request(`${server.url}/br/br.svg`);
  await received;
  const closed = server.close();
  equal((await response).status, 503);
  await closed;
});

Deno.test("server: a client leaving mid-delay prints nothing, in a process of its own", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const module = new URL("../flags_server.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { startFlagsServer } from "${module}";\n` +
        `const server = startFlagsServer({\n` +
        `  chaos: { delay: { min: 60000, max: 60000 }, errorRate: 0, errorStatus: 418, seed: 1 },\n` +
        `  onRequest: (event) => console.log(event.type),\n});\n` +
        `console.log(server.url);\n` +
        `for await (const _ of Deno.stdin.readable);\n` +
        `await server.close();\n`,
    );
    // Deno 2.9 prints a one-time notice when a handler reads request.signal
    // unless its new semantics are opted into; deno.json should carry
    // "unstable": ["no-legacy-abort"], and until it does this test asks for it.
    const child = denoCommand([
      "run",
      `--config=${denoConfig}`,
      "--allow-read",
      "--allow-net=127.0.0.1",
      "--unstable-no-legacy-abort",
      script,
    ], { stdin: "piped" }).spawn();
    const stdout = new ChildOutput(child.stdout);
    await stdout.readUntil("/flags\n");
    const url = stdout.text.trim();
    const client = new AbortController();
    const response = fetch(`${url}/br/br.svg`, { signal: client.signal }).catch(() => "aborted");
    await stdout.readUntil("received\n");
    client.abort();
    equal(await response, "aborted");
    await stdout.readUntil("left\n");
    await child.stdin.close();
    await stdout.readToEnd();
    equal((await child.status).code, 0);
    equal(new TextDecoder().decode(await new Response(child.stderr).bytes()), "");
  } finally {
    await Deno.remove(script);
  }
});

const serverCommand = (args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-env", "--allow-net=127.0.0.1", serverScript, ...args]);

const badOptions: [string[], RegExp][] = [
  [["--jitter", "5"], /unknown option --jitter; allowed: --port, --preset, .*--seed/],
  [["--port", "http"], /--port 'http' is out of range; allowed: a whole number from 0 to 65535/],
  [["--port", "70000"], /--port '70000' is out of range/],
  [["--preset", "FAST"], /unknown --preset 'FAST'; allowed: LOCAL, DELAY or ERROR/],
  [["--delay", "5-1"], /--delay '5-1' is not a delay; allowed: MS or MIN-MAX/],
  [["--delay", "soon"], /--delay 'soon' is not a delay/],
  [["--error-rate", "2"], /--error-rate '2' is not a fraction; allowed: 0 to 1/],
  [
    ["--error-status", "404"],
    /--error-status 404 would pass for a missing flag; allowed: 400 to 599 except 404/,
  ],
  [
    ["--error-status", "200"],
    /--error-status '200' is out of range; allowed: a whole number from 400 to 599/,
  ],
  [["--seed=-1"], /--seed '-1' is out of range; allowed: a whole number from 0 to 4294967295/],
  [["--port"], /--port needs a value/],
  [
    ["--delay", "-5"],
    /^error: --delay needs a value; one that starts with a dash goes after '=': --delay=-5$/,
  ],
  [["--seed", "-12"], /--seed=-12$/],
  [["fast"], /unexpected argument 'fast'; the server takes only options/],
];

for (const [args, message] of badOptions) {
  Deno.test(`server cli: ${args.join(" ")} is a usage error: one line, the usage, exit 2`, async () => {
    const { code, stdout, stderr } = await serverCommand(args);
    equal(code, 2);
    equal(stdout, "");
    const [first, ...rest] = stderr.split("\n");
    match(first, /^error: /);
    match(first, message);
    ok(rest.join("\n").includes("Usage: deno task flags-server"));
  });
}

Deno.test("server cli: --help prints the usage and exits 0", async () => {
  const { code, stdout } = await serverCommand(["--help"]);
  equal(code, 0);
  match(stdout, /Usage: deno task flags-server/);
  match(stdout, /--preset LOCAL\|DELAY\|ERROR/);
});

Deno.test("server cli: Ctrl-C stops it gracefully, exit 130", async () => {
  const child = denoCommand(
    ["run", "--allow-read", "--allow-env", "--allow-net=127.0.0.1", serverScript, "--port", "0"],
    { env: { NO_COLOR: "1" } },
  ).spawn();
  const stdout = new ChildOutput(child.stdout);
  await stdout.readUntil("Ctrl-C");
  match(
    stdout.text,
    /^Serving 249 flags at http:\/\/127\.0\.0\.1:\d+\/flags\/ \(LOCAL: no delay, no errors\)/,
  );
  child.kill("SIGINT");
  await stdout.readToEnd();
  equal((await child.status).code, 130);
  match(stdout.text, /Stopped\.\n$/);
  equal(new TextDecoder().decode(await new Response(child.stderr).bytes()), "");
});
