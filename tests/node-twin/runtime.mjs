// The smallest Lambda custom-runtime loop for Node.js: loads the handler during init (as the
// managed Node.js runtime does), then GET /invocation/next → handler → POST …/response or …/error.
// node:http with one kept-alive connection, so the loop itself adds as little as it can: the
// comparison with the Rust binaries is then the SDK's and Node's start-up, not this file's.
import http from "node:http";

const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API ?? "").split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = "/2018-06-01/runtime";

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
    const request = http.request({ host, port, method, path: base + path, agent, headers }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

const { handler } = await import(new URL(process.env.TWIN_HANDLER ?? "./pre-signup.mjs", import.meta.url));

for (;;) {
  const next = await call("GET", "/invocation/next");
  const id = next.headers["lambda-runtime-aws-request-id"];
  try {
    const result = await handler(JSON.parse(next.body));
    await call("POST", `/invocation/${id}/response`, JSON.stringify(result));
  } catch (error) {
    await call("POST", `/invocation/${id}/error`, JSON.stringify({ errorType: error.name, errorMessage: error.message }));
  }
}
