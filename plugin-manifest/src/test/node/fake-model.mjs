// A stand-in for the model behind OpenCode, speaking the OpenAI chat-completions wire format (streamed), so a test
// can drive a real OpenCode headless and offline. It is a scripted agent: a user message
//   call <tool> <json arguments>
// is answered with that one tool call; once the tool's result is in the conversation, the answer is "done". Any other
// request (a title, a summary) gets a short text. Every tool result it is shown is appended, as one JSON line
// {"tool": ..., "result": ...}, to the log file, so the test sees what OpenCode gave the model.
//
// Usage: node fake-model.mjs <log file>   (prints {"port": N} on stdout once listening on 127.0.0.1)
import { createServer } from "node:http";
import { appendFileSync } from "node:fs";

const logFile = process.argv[2];

const text = (content) => (Array.isArray(content) ? content.map((c) => c?.text ?? "").join("") : String(content ?? ""));

function answer(request) {
  const messages = request.messages ?? [];
  const lastUser = messages.map((m) => m.role).lastIndexOf("user");
  const results = messages.slice(lastUser + 1).filter((m) => m.role === "tool");
  if (results.length) {
    for (const r of results) {
      const call = messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === r.tool_call_id);
      appendFileSync(logFile, JSON.stringify({ tool: call?.function?.name ?? null, result: text(r.content) }) + "\n");
    }
    return { text: "done" };
  }
  const match = /^call (\S+)\s*(\{.*\})?\s*$/s.exec(text(messages[lastUser]?.content).trim());
  const offered = (request.tools ?? []).map((t) => t.function?.name);
  if (match && offered.includes(match[1])) return { tool: match[1], args: match[2] ?? "{}" };
  if (match) return { text: `no such tool offered: ${match[1]} (offered: ${offered.join(", ")})` };
  return { text: "ok" };
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end("{}");
    }
    let request;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      return res.end('{"error":{"message":"not JSON"}}');
    }
    const a = answer(request);
    const base = { id: "c" + Date.now(), object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000),
      model: request.model };
    if (!request.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0,
        message: { role: "assistant", content: a.text ?? "" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (choices, extra = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
    if (a.tool) {
      const id = "call_" + Math.random().toString(36).slice(2, 10);
      send([{ index: 0, delta: { role: "assistant", content: null, tool_calls: [{ index: 0, id, type: "function",
        function: { name: a.tool, arguments: "" } }] }, finish_reason: null }]);
      send([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: a.args } }] }, finish_reason: null }]);
      send([{ index: 0, delta: {}, finish_reason: "tool_calls" }]);
    } else {
      send([{ index: 0, delta: { role: "assistant", content: a.text }, finish_reason: null }]);
      send([{ index: 0, delta: {}, finish_reason: "stop" }]);
    }
    send([], { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
    res.end("data: [DONE]\n\n");
  });
}).listen(0, "127.0.0.1", function () {
  process.stdout.write(JSON.stringify({ port: this.address().port }) + "\n");
});
