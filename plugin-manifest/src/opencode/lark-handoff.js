// lark-handoff for OpenCode: while this OpenCode instance holds a handoff, its permission prompts are asked in the
// Lark group (the same Approve / Approve All / Deny card Claude Code gets), its tool calls are shown there by the
// group's filter level, and the group's Stop button blocks further tool calls.
//
// The plugin only translates: OpenCode's events and hooks become the Claude Code hook JSON the lark-handoff daemon
// already answers at POST /hooks/<Event>, and the daemon's answers become OpenCode's replies. So OpenCode and Claude
// Code get one set of rules, kept in one place. Without a daemon, or without a handoff, every hook returns at once
// and OpenCode carries on as it would without this file.
//
// Install: copy this file to ~/.config/opencode/plugins/ (or <project>/.opencode/plugins/) next to the
// "lark-handoff" MCP server in opencode.json. No dependencies beyond what Node and Bun both provide.

import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join } from "node:path";

/** OpenCode's built-in tools under the names the daemon's rules (and Claude Code) use. */
const TOOL_NAMES = {
  bash: "Bash",
  edit: "Edit",
  multiedit: "MultiEdit",
  write: "Write",
  read: "Read",
  glob: "Glob",
  grep: "Grep",
  list: "LS",
  webfetch: "WebFetch",
  websearch: "WebSearch",
  task: "Task",
  todowrite: "TodoWrite",
  todoread: "TodoRead",
};

/** OpenCode's argument names, as Claude Code spells them. */
const ARG_NAMES = { filePath: "file_path", oldString: "old_string", newString: "new_string", replaceAll: "replace_all" };

const SERVER_NAME = "lark-handoff";
// Only the plugin itself is exported: OpenCode calls every function a plugin module exports as a plugin.
const OWN_TOOL_PREFIX = "mcp__lark-handoff__";

export const LarkHandoff = async ({ client, directory }) => {
  const home = process.env.LARK_HANDOFF_HOME || join(homedir(), ".lark-handoff");
  // One OpenCode instance is one lark-handoff session. Its MCP server learns the id from the config hook below;
  // an id the user set in opencode.json wins.
  let sessionId = process.env.LARK_HANDOFF_SESSION_ID || defaultSessionId(directory);
  const ownPrefixes = new Set([sanitize(SERVER_NAME) + "_"]);
  const asked = new Set();

  const log = (level, message) => {
    try {
      void client?.app?.log?.({ body: { service: "lark-handoff", level, message } })?.catch?.(() => {});
    } catch {
      // Logging must never fail a hook.
    }
  };

  /** Posts one hook to the daemon; the daemon's answer, or null for no daemon, no handoff or any failure. */
  const hook = (event, input) => postHook(home, event, { ...input, hook_event_name: event, cwd: directory }, sessionId)
    .catch((e) => {
      log("warn", `hook ${event} failed: ${e.message}`);
      return null;
    });

  const ownTool = (tool) => [...ownPrefixes].some((p) => tool.startsWith(p));
  const claudeTool = (tool) => {
    for (const p of ownPrefixes) {
      if (tool.startsWith(p)) return OWN_TOOL_PREFIX + tool.slice(p.length);
    }
    return TOOL_NAMES[tool] ?? tool;
  };

  /** Asks the daemon about one permission request and gives OpenCode the answer; silent when nobody answers. */
  const bridge = async (permission) => {
    if (!permission?.id || asked.has(permission.id)) return;
    asked.add(permission.id);
    const tool = claudeTool(permission.tool);
    const answer = await hook("PermissionRequest", {
      session_id: permission.sessionID,
      tool_name: tool,
      tool_input: permission.input,
      // Only so that "Approve All" comes back as updatedPermissions, which is OpenCode's "always".
      permission_suggestions: permission.always.length
        ? [{ type: "addRules", behavior: "allow", destination: "session",
            rules: permission.always.map((p) => ({ toolName: tool, ruleContent: p })) }]
        : [],
    });
    asked.delete(permission.id); // only duplicates of a request still being asked are dropped
    const decision = answer?.hookSpecificOutput?.decision;
    if (!decision) return; // no handoff: OpenCode's own prompt decides
    const reply = decision.behavior !== "allow" ? "reject" : decision.updatedPermissions ? "always" : "once";
    try {
      await answerPermission(client, permission, reply, decision.message);
    } catch (e) {
      // Answered in the terminal meanwhile, most likely: the request is gone.
      log("info", `permission ${permission.id} could not be answered (${reply}): ${e.message}`);
    }
  };

  return {
    /** Points our MCP server at this instance's session id, so the daemon and the plugin agree on who is who. */
    config: async (cfg) => {
      for (const [name, server] of Object.entries(cfg?.mcp ?? {})) {
        if (!isLarkHandoff(name, server)) continue;
        ownPrefixes.add(sanitize(name) + "_");
        // OpenCode tells an MCP server nothing of its project (Claude Code sets CLAUDE_PROJECT_DIR): the handoff
        // names its group after the project, so the server is told here.
        if (server.type === "remote") {
          const headers = (server.headers ??= {});
          const declared = headers["X-Lark-Handoff-Session-Id"];
          if (declared) sessionId = declared;
          else headers["X-Lark-Handoff-Session-Id"] = sessionId;
          if (isHeaderSafe(directory)) headers["X-Lark-Handoff-Meta-Cwd"] ??= directory;
        } else {
          const env = (server.environment ??= {});
          if (env.LARK_HANDOFF_SESSION_ID) sessionId = env.LARK_HANDOFF_SESSION_ID;
          else env.LARK_HANDOFF_SESSION_ID = sessionId;
          env.LARK_HANDOFF_META_CWD ??= directory;
          env.LARK_HANDOFF_DELIVERY ??= "pull"; // OpenCode shows no channel notifications
        }
      }
    },

    /** Permission prompts, in each shape OpenCode has published them. Never awaited: the prompt may wait long. */
    event: async ({ event }) => {
      const permission = permissionOf(event);
      if (permission) void bridge(permission);
    },

    /** The group's Stop: a tool call is refused while it is pressed (the handoff's own tools stay allowed). */
    "tool.execute.before": async (input, output) => {
      if (ownTool(input.tool)) return;
      const answer = await hook("PreToolUse", {
        session_id: input.sessionID,
        tool_name: claudeTool(input.tool),
        tool_input: claudeArgs(output?.args),
      });
      const out = answer?.hookSpecificOutput;
      if (out?.permissionDecision === "deny") throw new Error(out.permissionDecisionReason || "Denied from Lark.");
    },

    /** The call as the group's filter level shows it: a card, or a line on the working card. */
    "tool.execute.after": async (input, output) => {
      if (ownTool(input.tool)) return;
      const tool = claudeTool(input.tool);
      await hook("PostToolUse", {
        session_id: input.sessionID,
        tool_name: tool,
        tool_input: claudeArgs(input.args),
        tool_response: toolResponse(tool, output),
      });
    },

    "experimental.session.compacting": async (input) => {
      await hook("PreCompact", { session_id: input.sessionID, trigger: "auto" });
    },
  };
};

/**
 * A permission request from an OpenCode event, in one shape, or null: `permission.asked` (OpenCode 1.x),
 * `permission.v2.asked` (the newer API) and `permission.updated` (before 1.0).
 */
function permissionOf(event) {
  const p = event?.properties;
  if (!p?.id || !p.sessionID) return null;
  switch (event.type) {
    case "permission.asked":
      return {
        id: p.id, sessionID: p.sessionID, api: "v1", tool: p.permission ?? "",
        input: permissionInput(p.permission, p.patterns ?? [], p.metadata ?? {}),
        always: p.always ?? [],
      };
    case "permission.v2.asked":
      return {
        id: p.id, sessionID: p.sessionID, api: "v2", tool: p.action ?? "",
        input: permissionInput(p.action, p.resources ?? [], p.metadata ?? {}),
        always: p.save ?? [],
      };
    case "permission.updated": {
      const patterns = p.pattern === undefined ? [] : [].concat(p.pattern);
      return {
        id: p.id, sessionID: p.sessionID, api: "legacy", tool: p.type ?? "",
        input: { ...permissionInput(p.type, patterns, p.metadata ?? {}), ...(p.title ? { title: p.title } : {}) },
        always: patterns,
      };
    }
    default:
      return null;
  }
}

/** What the card previews: the command or the file the request is about, else its patterns and metadata. */
function permissionInput(permission, patterns, metadata) {
  const input = claudeArgs(metadata) ?? {};
  if (permission === "bash" && !input.command && patterns.length) input.command = patterns.join("\n");
  if (["edit", "write", "read", "multiedit"].includes(permission) && !input.file_path) {
    const file = metadata.filepath ?? metadata.filePath ?? patterns[0];
    if (file) input.file_path = file;
  }
  if (!input.command && !input.file_path && patterns.length) input.patterns = patterns;
  return input;
}

/** OpenCode's tool arguments with Claude Code's names (nested edits too). */
function claudeArgs(args) {
  if (Array.isArray(args)) return args.map(claudeArgs);
  if (!args || typeof args !== "object") return args;
  const out = {};
  for (const [k, v] of Object.entries(args)) out[ARG_NAMES[k] ?? k] = claudeArgs(v);
  return out;
}

/** A tool's result as Claude Code reports it; a command's output and exit code come from OpenCode's metadata. */
function toolResponse(tool, output) {
  const metadata = output?.metadata ?? {};
  if (tool === "Bash") {
    return {
      stdout: typeof metadata.output === "string" ? metadata.output : String(output?.output ?? ""),
      stderr: "",
      exit_code: Number.isInteger(metadata.exit) ? metadata.exit : 0,
    };
  }
  return { title: output?.title ?? "", output: String(output?.output ?? "") };
}

/** Answers a request through the client OpenCode gave the plugin, with the API the request came from. */
async function answerPermission(client, permission, reply, message) {
  let result;
  if (permission.api === "v2" && client?.v2?.session?.permission?.reply) {
    result = await client.v2.session.permission.reply({ sessionID: permission.sessionID, requestID: permission.id,
      reply, ...(message ? { message } : {}) });
  } else if (client?.permission?.reply) {
    result = await client.permission.reply({ requestID: permission.id, reply, ...(message ? { message } : {}) });
  } else {
    result = await client.postSessionIdPermissionsPermissionId({
      path: { id: permission.sessionID, permissionID: permission.id },
      body: { response: reply },
    });
  }
  if (result?.error) throw new Error(JSON.stringify(result.error));
}

function isLarkHandoff(name, server) {
  if (name === SERVER_NAME) return true;
  const command = Array.isArray(server?.command) ? server.command : [];
  return command.some((c) => typeof c === "string" && /^lark-handoff(\.jar)?$/.test(basename(c)));
}

/** OpenCode names an MCP server's tools `<server>_<tool>`, with the server name cleaned like this. */
function sanitize(name) {
  return name.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** Node refuses header values outside printable Latin-1; such a directory is simply not sent. */
function isHeaderSafe(value) {
  return typeof value === "string" && /^[\x20-\x7e]*$/.test(value);
}

function defaultSessionId(directory) {
  return "opencode-" + createHash("sha256").update(String(directory)).digest("hex").slice(0, 16);
}

/** The daemon's URL and token, read on every call: the daemon may have restarted on another port. */
function daemon(home) {
  let url;
  let token;
  try {
    url = JSON.parse(readFileSync(join(home, "http.json"), "utf8")).url;
    token = readFileSync(join(home, "http.token"), "utf8").trim();
  } catch {
    return null; // no daemon: no handoff
  }
  return url && token ? { url, token } : null;
}

/**
 * POST /hooks/<event> with node:http, which has no response timeout of its own: a permission request waits as long
 * as the daemon's own timeout (15 minutes by default) for someone in Lark to answer.
 */
function postHook(home, event, input, sessionId) {
  const d = daemon(home);
  if (!d) return Promise.resolve(null);
  const body = Buffer.from(JSON.stringify(input), "utf8");
  return new Promise((resolve, reject) => {
    const req = request(`${d.url}/hooks/${event}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${d.token}`,
        "Content-Type": "application/json",
        "Content-Length": body.length,
        "X-Lark-Handoff-Session-Id": sessionId,
      },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`daemon answered ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(text.trim() ? JSON.parse(text) : null);
        } catch (e) {
          reject(new Error(`daemon's answer is not JSON: ${e.message}`));
        }
      });
      res.on("error", reject);
    });
    req.on("error", (e) => (e.code === "ECONNREFUSED" ? resolve(null) : reject(e)));
    req.end(body);
  });
}
