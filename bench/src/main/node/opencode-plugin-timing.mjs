// Times what the OpenCode plugin adds to one tool call: its tool.execute.before and tool.execute.after hooks, run
// back to back as OpenCode runs them around a bash call, in this process (OpenCode runs plugins in its own). The
// plugin is loaded as OpenCode loads it, with a client that is never called here (no permission is asked).
//
// Usage: node opencode-plugin-timing.mjs <plugin.js | none> <warm-up rounds> <rounds> <pace ms>
// Prints one JSON line: {"nanos": [...measured rounds...]}. The environment names the daemon's home and session.
import { pathToFileURL } from "node:url";

const [plugin, warmUp, rounds, pace] = process.argv.slice(2);
const hooks = plugin === "none"
  ? { "tool.execute.before": async () => {}, "tool.execute.after": async () => {} }
  : await (await import(pathToFileURL(plugin).href)).LarkHandoff({ client: {}, directory: process.cwd() });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nanos = [];
let next = performance.now();
for (let i = 0; i < Number(warmUp) + Number(rounds); i++) {
  const wait = next - performance.now();
  if (wait > 0) await sleep(wait);
  const call = { tool: "bash", sessionID: "ses_bench", callID: "call_" + i };
  const args = { command: "make", description: "Build" };
  const start = process.hrtime.bigint();
  await hooks["tool.execute.before"](call, { args });
  await hooks["tool.execute.after"]({ ...call, args },
    { title: "make", output: "ok\n", metadata: { output: "ok\n", exit: 0, truncated: false } });
  const took = process.hrtime.bigint() - start;
  if (i >= Number(warmUp)) nanos.push(Number(took));
  next = Math.max(next + Number(pace), performance.now());
}
process.stdout.write(JSON.stringify({ nanos }) + "\n");
